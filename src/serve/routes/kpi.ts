import { filteredRequest, type RouteModule } from "../context.ts";
import { choiceParam, grainParam } from "../params.ts";
import { BREAKDOWNS, kpiBreakdown, kpiOverview, kpiTimeSeries } from "../queries/kpi.ts";
import { defaultGrain } from "../queries/periods.ts";

/** KPI overview: totals against the previous period, time series and breakdowns. */
export const kpiRoutes: RouteModule = (app, context) => {
  const { wh } = context;

  app.get("/api/kpi/overview", async (request) => {
    const { filters, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await kpiOverview(wh, filters)) };
  });

  app.get("/api/kpi/timeseries", async (request) => {
    const { filters, params, echo } = await filteredRequest(context, request.query, { grain: grainParam });
    const grain = params.grain ?? defaultGrain(filters.from, filters.to);
    return { filters: echo, ...(await kpiTimeSeries(wh, filters, grain)) };
  });

  app.get("/api/kpi/breakdown", async (request) => {
    const { filters, params, reference, echo } = await filteredRequest(context, request.query, {
      by: choiceParam(BREAKDOWNS, "service"),
    });
    return { filters: echo, ...(await kpiBreakdown(wh, filters, params.by, reference)) };
  });
};
