import { filteredRequest, type RouteModule } from "../context.ts";
import { choiceParam, grainParam, limitParam } from "../params.ts";
import {
  FRAUD_BREAKDOWNS,
  fraudBreakdown,
  fraudOverview,
  fraudTimeSeries,
  latestAlerts,
  scoreDistribution,
} from "../queries/fraud.ts";
import { activeModel } from "../queries/models.ts";
import { defaultGrain } from "../queries/periods.ts";

/** Fraud monitoring: labelled fraud, the active model's alerts, scores and metrics. */
export const fraudRoutes: RouteModule = (app, context) => {
  const { wh } = context;

  app.get("/api/fraud/overview", async (request) => {
    const { filters, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await fraudOverview(wh, filters)) };
  });

  app.get("/api/fraud/timeseries", async (request) => {
    const { filters, params, echo } = await filteredRequest(context, request.query, { grain: grainParam });
    const grain = params.grain ?? defaultGrain(filters.from, filters.to);
    const model = await activeModel(wh, "fraud_gbdt");
    return { filters: echo, ...(await fraudTimeSeries(wh, filters, grain, model?.version ?? null)) };
  });

  app.get("/api/fraud/breakdown", async (request) => {
    const { filters, params, echo } = await filteredRequest(context, request.query, {
      by: choiceParam(FRAUD_BREAKDOWNS, "typology"),
    });
    return { filters: echo, ...(await fraudBreakdown(wh, filters, params.by)) };
  });

  app.get("/api/fraud/scores", async (request) => {
    const { filters, echo } = await filteredRequest(context, request.query, {});
    const model = await activeModel(wh, "fraud_gbdt");
    return {
      filters: echo,
      modelVersion: model?.version ?? null,
      threshold: model?.decisionThreshold ?? null,
      bins: model ? await scoreDistribution(wh, filters, model.version) : [],
    };
  });

  app.get("/api/fraud/alerts", async (request) => {
    const { filters, params, echo } = await filteredRequest(context, request.query, {
      limit: limitParam(200, 20),
    });
    const model = await activeModel(wh, "fraud_gbdt");
    return {
      filters: echo,
      modelVersion: model?.version ?? null,
      alerts: model ? await latestAlerts(wh, filters, model.version, params.limit) : [],
    };
  });
};
