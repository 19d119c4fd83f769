import type { RouteModule } from "../context.ts";
import { clientRoutes } from "./clients.ts";
import { fraudRoutes } from "./fraud.ts";
import { kpiRoutes } from "./kpi.ts";
import { metaRoutes } from "./meta.ts";
import { pageRoutes } from "./pages.ts";
import { scoreRoutes } from "./score.ts";

/** Every route module the server registers, in order. */
export const ROUTE_MODULES: readonly RouteModule[] = [
  metaRoutes,
  kpiRoutes,
  fraudRoutes,
  clientRoutes,
  scoreRoutes,
  pageRoutes,
];
