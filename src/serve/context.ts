import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { type Filters, filtersAsParams, resolveFilters } from "./filters.ts";
import { FILTER_PARAMS, parseQuery } from "./params.ts";
import type { Reference, ReferenceCache } from "./reference.ts";

/** What every route module gets: the read-only warehouse and the reference values it validates against. */
export interface ServeContext {
  /** Opened read-only: the API cannot write through it. */
  readonly wh: Warehouse;
  readonly reference: ReferenceCache;
}

/**
 * A route module registers its routes on the server, e.g. `src/serve/routes/kpi.ts`; the list of modules is
 * `ROUTE_MODULES` in `src/serve/routes/index.ts`. Async modules may load what they need before serving.
 */
export type RouteModule = (app: FastifyInstance, context: ServeContext) => void | Promise<void>;

export interface FilteredRequest<S extends z.ZodRawShape> {
  readonly filters: Filters;
  readonly params: z.infer<z.ZodObject<S>>;
  readonly reference: Reference;
  /** The filters as the response echoes them (`from`/`to` resolved to the dates used). */
  readonly echo: Record<string, string>;
}

/** Parses a dashboard request: the shared filters plus the endpoint's own parameters in `extra`. */
export async function filteredRequest<S extends z.ZodRawShape>(
  context: ServeContext,
  query: unknown,
  extra: S,
): Promise<FilteredRequest<S>> {
  const params = parseQuery({ ...FILTER_PARAMS, ...extra }, query) as z.infer<z.ZodObject<S>>;
  const reference = await context.reference.get();
  const filters = resolveFilters(params as never, reference);
  return { filters, params, reference, echo: filtersAsParams(filters) };
}
