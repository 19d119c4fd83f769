import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { Config } from "../config/config.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { ResponseCache } from "./cache.ts";
import { clientVersions } from "./client-versions.ts";
import type { RouteModule, ServeContext } from "./context.ts";
import { BadRequestError, type ErrorBody, NotFoundError } from "./errors.ts";
import { prewarm } from "./prewarm.ts";
import { openReadOnlyWarehouse } from "./read-only.ts";
import { ReferenceCache } from "./reference.ts";
import { ROUTE_MODULES } from "./routes/index.ts";
import { checkServedSchema } from "./schema-check.ts";

export interface ServerOptions {
  /** The warehouse to read, opened read-only (see `openReadOnlyWarehouse`). */
  readonly wh: Warehouse;
  /** Route modules to register; by default `ROUTE_MODULES`. */
  readonly routes?: readonly RouteModule[];
  /** How long the filter choices and data range are kept before being read again. */
  readonly referenceMaxAgeMs?: number;
  /** Where unexpected errors are reported (answered as 500). */
  readonly onError?: (error: unknown) => void;
  /** Keep the answers of the dashboard endpoints until the data changes (default true). */
  readonly cache?: boolean;
}

/** GET requests of the JSON API, except the health check, are cached. */
function cacheable(method: string, url: string): boolean {
  return method === "GET" && url.startsWith("/api/") && !url.startsWith("/api/health");
}

/** The dashboards and their JSON API over `wh`, not yet listening (tests call `inject`). */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  const context: ServeContext = {
    wh: options.wh,
    reference: new ReferenceCache(options.wh, options.referenceMaxAgeMs),
  };
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  if (options.cache ?? true) {
    const cache = new ResponseCache(options.wh, () => context.reference.invalidate());
    app.addHook("onRequest", async (request, reply) => {
      if (!cacheable(request.method, request.url)) return;
      const hit = await cache.get(request.url);
      if (hit) return reply.header("x-cache", "hit").type(hit.contentType).send(hit.body);
    });
    app.addHook("onSend", async (request, reply, payload) => {
      if (
        cacheable(request.method, request.url) &&
        reply.statusCode === 200 &&
        typeof payload === "string" &&
        reply.getHeader("x-cache") !== "hit"
      ) {
        cache.set(request.url, { body: payload, contentType: String(reply.getHeader("content-type")) });
      }
      return payload;
    });
  }
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof BadRequestError) {
      return reply.code(400).send({ error: error.message, parameter: error.parameter } satisfies ErrorBody);
    }
    if (error instanceof NotFoundError)
      return reply.code(404).send({ error: error.message } satisfies ErrorBody);
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.message } satisfies ErrorBody);
    }
    onError(error);
    return reply.code(500).send({ error: `internal error: ${error.message}` } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: `no route ${request.method} ${request.url.split("?")[0]}` } satisfies ErrorBody),
  );
  for (const routes of options.routes ?? ROUTE_MODULES) await routes(app, context);
  return app;
}

export interface ServeAddress {
  readonly port: number;
  readonly host: string;
}

export interface RunningServer {
  /** The address of the KPI overview, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  readonly engine: string;
  /** Stops listening and closes the warehouse. */
  close(): Promise<void>;
}

/**
 * Opens the configured warehouse read-only and serves the dashboards on `host:port` until closed; the default
 * views are then computed in the background so the first visit finds them ready.
 */
export async function startServer(config: Config, address: ServeAddress): Promise<RunningServer> {
  const wh = await openReadOnlyWarehouse(config);
  let app: FastifyInstance;
  try {
    await checkServedSchema(wh);
    app = await createServer({ wh });
    await app.listen({ port: address.port, host: address.host });
  } catch (error) {
    await wh.close();
    throw error;
  }
  const stopWarming = new AbortController();
  // Then the client version tables the service and channel filters count on (DuckDB; about a second at full scale).
  const warming = prewarm(app, stopWarming.signal)
    .then(async (failed) => {
      if (!stopWarming.signal.aborted) await clientVersions(wh);
      return failed;
    })
    .catch(() => 0);
  const bound = app.server.address();
  const port = typeof bound === "object" && bound ? bound.port : address.port;
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return {
    url: `http://${host}:${port}/`,
    engine: wh.engine,
    close: async () => {
      stopWarming.abort();
      await warming;
      await app.close();
      await wh.close();
    },
  };
}
