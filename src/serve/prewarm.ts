import type { FastifyInstance } from "fastify";

/**
 * What the three pages ask for when opened without filters, written exactly as their modules build the URLs
 * (src/serve/web/*-page.ts), so that answering them once at start-up puts the first visit in the cache.
 */
export const DEFAULT_PAGE_REQUESTS = [
  "/api/filters",
  "/api/kpi/overview",
  "/api/kpi/timeseries",
  "/api/kpi/breakdown?by=service",
  "/api/kpi/breakdown?by=channel",
  "/api/kpi/breakdown?by=region",
  "/api/kpi/breakdown?by=clientType&activeClients=true",
  "/api/fraud/overview",
  "/api/fraud/timeseries",
  "/api/fraud/breakdown?by=typology",
  "/api/fraud/breakdown?by=service",
  "/api/fraud/scores",
  "/api/fraud/alerts?limit=25",
  "/api/clients/segments",
  "/api/clients/migration",
  "/api/clients/top?limit=12",
  "/api/clients/cohorts",
];

/** Answers the default requests one after the other until `signal` aborts; returns how many failed. */
export async function prewarm(app: FastifyInstance, signal: AbortSignal): Promise<number> {
  let failed = 0;
  for (const url of DEFAULT_PAGE_REQUESTS) {
    if (signal.aborted) break;
    const response = await app.inject({ method: "GET", url });
    if (response.statusCode !== 200) failed++;
  }
  return failed;
}
