import type { RouteModule } from "../context.ts";
import { DEFAULT_RANGE_DAYS } from "../filters.ts";
import { GRAINS } from "../params.ts";
import { activeModel } from "../queries/models.ts";

/** The filter bar's choices and what the warehouse holds. */
export const metaRoutes: RouteModule = (app, { wh, reference }) => {
  app.get("/api/health", async () => ({ status: "ok", engine: wh.engine, location: wh.location }));

  app.get("/api/filters", async () => {
    const ref = await reference.get();
    const [fraudModel, segmentModel] = [
      await activeModel(wh, "fraud_gbdt"),
      await activeModel(wh, "segment_kmeans"),
    ];
    return {
      engine: wh.engine,
      dataRange: ref.dataRange,
      defaultRangeDays: DEFAULT_RANGE_DAYS,
      grains: GRAINS,
      countries: ref.countries.map((c) => ({
        code: c.code,
        name: c.name,
        regions: c.regions.map((r) => r.name),
      })),
      services: ref.services.map(({ code, name }) => ({ code, name })),
      channels: ref.channels.map(({ code, name }) => ({ code, name })),
      clientTypes: ref.clientTypes,
      segments: { asOfDate: ref.segments.asOfDate, names: ref.segments.names },
      models: {
        fraud: fraudModel ? { version: fraudModel.version, createdAt: fraudModel.createdAt } : null,
        segments: segmentModel ? { version: segmentModel.version, createdAt: segmentModel.createdAt } : null,
      },
    };
  });
};
