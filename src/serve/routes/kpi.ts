import { filteredRequest, type RouteModule } from "../context.ts";
import { choiceParam, flagParam, grainParam } from "../params.ts";
import { BREAKDOWNS, kpiBreakdown, kpiOverview, kpiTimeSeries } from "../queries/kpi.ts";
import { defaultGrain } from "../queries/periods.ts";

/**
 * KPI overview: totals against the previous period, time series and breakdowns. Counting active clients is
 * most of a query's cost, so the series and breakdowns count them only when asked (`activeClients=true`).
 */
export const kpiRoutes: RouteModule = (app, context) => {
  const { wh } = context;

  app.get("/api/kpi/overview", async (request) => {
    const { filters, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await kpiOverview(wh, filters)) };
  });

  app.get("/api/kpi/timeseries", async (request) => {
    const { filters, params, echo } = await filteredRequest(context, request.query, {
      grain: grainParam,
      activeClients: flagParam,
    });
    const grain = params.grain ?? defaultGrain(filters.from, filters.to);
    const series = await kpiTimeSeries(wh, filters, grain, { activeClients: params.activeClients });
    return { filters: echo, ...series };
  });

  app.get("/api/kpi/breakdown", async (request) => {
    const { filters, params, reference, echo } = await filteredRequest(context, request.query, {
      by: choiceParam(BREAKDOWNS, "service"),
      activeClients: flagParam,
    });
    const breakdown = await kpiBreakdown(wh, filters, params.by, reference, {
      activeClients: params.activeClients,
    });
    return { filters: echo, ...breakdown };
  });
};
