import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium } from "playwright-core";
import { openReadOnlyWarehouse } from "../../src/serve/read-only.ts";
import { createServer } from "../../src/serve/server.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { configFor } from "../serve/fixtures.ts";
import type { TestDatabase } from "../support/engines.ts";

/** Debian's Chromium, which CI installs; never downloaded. */
export const CHROMIUM = process.env.MOMO_CHROMIUM ?? "/usr/bin/chromium";

export const BROWSER_AVAILABLE = existsSync(CHROMIUM);
if (!BROWSER_AVAILABLE && process.env.MOMO_REQUIRE_BROWSER === "1") {
  throw new Error(
    `MOMO_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  );
}
if (!BROWSER_AVAILABLE) console.warn(`no Chromium at ${CHROMIUM}: the browser tests are skipped`);

/** Where the screenshots go: test artefacts, git-ignored. */
export const SCREENSHOTS = join(process.cwd(), "test-results", "browser");

export function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

export interface LiveServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly wh: Warehouse;
  close(): Promise<void>;
}

/** The dashboards over `db`, listening on a free local port. */
export async function liveServer(db: TestDatabase): Promise<LiveServer> {
  const wh = await openReadOnlyWarehouse(configFor(db));
  const app = await createServer({ wh });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    wh,
    async close() {
      await app.close();
      await wh.close();
    },
  };
}
