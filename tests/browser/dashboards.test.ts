import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport } from "../../src/reports/write-report.ts";
import { DEFAULT_PAGE_REQUESTS } from "../../src/serve/prewarm.ts";
import { openDuckDb } from "../../src/warehouse/duckdb/duckdb-warehouse.ts";
import { seedMlOutputs, tinyInput, tinyWarehouse } from "../serve/fixtures.ts";
import type { TestDatabase } from "../support/engines.ts";
import { BROWSER_AVAILABLE, type LiveServer, launchBrowser, liveServer, SCREENSHOTS } from "./browser.ts";

type Json = Record<string, unknown>;

/** Every card has left its loading state. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>("[data-card]")].every(
      (card) => card.dataset.state !== "loading",
    ),
  );
}

async function cardStates(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLElement>("[data-card]")].map((c) => [
        c.dataset.card,
        c.dataset.state,
      ]),
    ),
  );
}

/** Data points of each chart drawn on the page, by element id. */
async function chartPoints(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const points: Record<string, number> = {};
    for (const element of document.querySelectorAll<HTMLElement>(".chart")) {
      const chart = echarts.getInstanceByDom(element);
      const series = (chart?.getOption()?.series ?? []) as { data?: unknown[]; links?: unknown[] }[];
      points[element.id] = series.reduce((n, s) => n + (s.data?.length ?? 0) + (s.links?.length ?? 0), 0);
    }
    return points;
  });
}

async function stat(page: Page, metric: string): Promise<{ raw: string; text: string }> {
  const element = page.locator(`[data-metric="${metric}"]`);
  return {
    raw: (await element.getAttribute("data-value")) ?? "",
    text: (await element.locator(".value").textContent()) ?? "",
  };
}

async function api(server: LiveServer, path: string): Promise<Json> {
  const response = await fetch(`${server.url}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as Json;
}

describe.runIf(BROWSER_AVAILABLE)("the dashboards in Chromium", () => {
  let input: Awaited<ReturnType<typeof tinyInput>>;
  let bare: TestDatabase;
  let trainedDir: string;
  let trained: TestDatabase;
  let browser: Browser;
  let plain: LiveServer;
  let withModels: LiveServer;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    input = await tinyInput();
    bare = (await tinyWarehouse("duckdb", input.input, false)).db;
    // The same warehouse with ML outputs, in a copy of the file.
    trainedDir = mkdtempSync(join(tmpdir(), "momo-browser-"));
    const path = join(trainedDir, "trained.duckdb");
    copyFileSync(bare.location, path);
    trained = { ...bare, location: path, open: () => openDuckDb({ path }), drop: async () => {} };
    const wh = await trained.open();
    await seedMlOutputs(wh);
    await wh.close();
    [plain, withModels] = [await liveServer(bare), await liveServer(trained)];
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (error) => errors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await plain?.close();
    await withModels?.close();
    await bare?.drop();
    if (trainedDir) rmSync(trainedDir, { recursive: true, force: true });
    input?.cleanup();
  });

  it("draws the KPI overview: every card filled, every chart with data", async () => {
    await page.goto(`${plain.url}/`);
    await settled(page);
    expect(Object.values(await cardStates(page))).toEqual(Array(6).fill("ready"));
    const points = await chartPoints(page);
    expect(Object.keys(points).sort()).toEqual(
      [
        "chart-by-channel",
        "chart-by-client-type",
        "chart-by-region",
        "chart-by-service",
        "chart-trend",
      ].sort(),
    );
    for (const [id, n] of Object.entries(points)) expect(n, id).toBeGreaterThan(0);
    const overview = await api(plain, "/api/kpi/overview");
    const current = overview.current as Json;
    expect((await stat(page, "transactions")).raw).toBe(String(current.transactions));
    expect(await page.inputValue('#filters [name="from"]')).toBe((overview.filters as Json).from);
    await page.screenshot({ path: join(SCREENSHOTS, "kpi-overview.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("asks, when opened without filters, for exactly what the server computes ahead at start-up", async () => {
    const asked = new Set<string>();
    const record = (request: { url(): string }) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith("/api/")) asked.add(`${url.pathname}${url.search}`);
    };
    page.on("request", record);
    for (const path of ["/", "/fraud", "/clients"]) {
      await page.goto(`${withModels.url}${path}`);
      await settled(page);
    }
    page.off("request", record);
    expect([...asked].sort()).toEqual([...DEFAULT_PAGE_REQUESTS].sort());
  });

  it("updates the figures to the API's when a filter changes, and keeps the filters in the links", async () => {
    await page.goto(`${plain.url}/`);
    await settled(page);
    const before = await stat(page, "transactions");
    await page.selectOption('#filters [name="service"]', "MERCHANT_PAYMENT");
    await page.waitForURL(/service=MERCHANT_PAYMENT/);
    await settled(page);
    const after = await stat(page, "transactions");
    expect(after.raw).not.toBe(before.raw);
    const overview = await api(plain, "/api/kpi/overview?service=MERCHANT_PAYMENT");
    const current = overview.current as Json;
    expect(after.raw).toBe(String(current.transactions));
    expect(after.text).toBe(Number(current.transactions).toLocaleString("en-US"));
    expect((await stat(page, "value")).raw).toBe(current.value);
    expect((await stat(page, "fees")).raw).toBe(current.fees);
    expect((await stat(page, "activeClients")).raw).toBe(String(current.activeClients));
    const services = await page.evaluate(() => {
      const chart = echarts.getInstanceByDom(document.getElementById("chart-by-service") as HTMLElement);
      const series = (chart?.getOption().series ?? []) as { data: number[] }[];
      return series[0]?.data.length ?? 0;
    });
    expect(services).toBe(1);

    await page.selectOption('#filters [name="country"]', "CI");
    await page.waitForURL(/country=CI/);
    await settled(page);
    const narrowed = await api(plain, "/api/kpi/overview?service=MERCHANT_PAYMENT&country=CI");
    expect((await stat(page, "transactions")).raw).toBe(String((narrowed.current as Json).transactions));
    await page.click('a[data-nav][href^="/fraud"]');
    await page.waitForURL(/\/fraud\?/);
    expect(new URL(page.url()).searchParams.get("service")).toBe("MERCHANT_PAYMENT");
    expect(new URL(page.url()).searchParams.get("country")).toBe("CI");
    await settled(page);
    expect(await page.inputValue('#filters [name="country"]')).toBe("CI");
    const fraud = await api(plain, "/api/fraud/overview?service=MERCHANT_PAYMENT&country=CI");
    expect((await stat(page, "fraud")).raw).toBe(String((fraud.current as Json).fraud));
    await page.goBack();
    await page.waitForURL((url) => url.pathname === "/");
    await settled(page);
    expect((await stat(page, "transactions")).raw).toBe(String((narrowed.current as Json).transactions));
  });

  it("shows the error state, naming the parameter, for an invalid filter", async () => {
    await page.goto(`${plain.url}/?from=2024-02-30&service=NOPE`);
    await settled(page);
    expect(new Set(Object.values(await cardStates(page)))).toEqual(new Set(["error"]));
    const banner = page.locator("#banner");
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(/^Invalid filter — (from|service): /);
    const card = await page.locator('[data-card="kpis"] .state').textContent();
    expect(card).toMatch(/(from: expects a real calendar date|service: unknown value "NOPE")/);
    expect(await page.locator("#filters [aria-invalid=true]").count()).toBe(1);
    expect(await page.inputValue('#filters [name="service"]')).toBe("NOPE");
    await page.screenshot({ path: join(SCREENSHOTS, "kpi-invalid-filter.png"), fullPage: true });
  });

  it("shows fraud monitoring without a model as empty states that say what to run", async () => {
    await page.goto(`${plain.url}/fraud`);
    await settled(page);
    const states = await cardStates(page);
    expect(states).toMatchObject({ "fraud-kpis": "ready", "fraud-trend": "ready", "by-typology": "ready" });
    for (const id of ["scores", "model", "alerts"]) {
      expect(states[id], id).toBe("empty");
      expect(await page.locator(`[data-card="${id}"] .state`).textContent()).toBe(
        "No model trained yet — run `momo ml train`.",
      );
    }
    await page.screenshot({ path: join(SCREENSHOTS, "fraud-no-model.png"), fullPage: true });
  });

  it("draws fraud monitoring with a model: scores, metrics and the latest alerts with reasons", async () => {
    await page.goto(`${withModels.url}/fraud`);
    await settled(page);
    expect(new Set(Object.values(await cardStates(page)))).toEqual(new Set(["ready"]));
    for (const [id, n] of Object.entries(await chartPoints(page))) expect(n, id).toBeGreaterThan(0);
    const alerts = await api(withModels, "/api/fraud/alerts?limit=25");
    const rows = page.locator("#table-alerts tbody tr");
    expect(await rows.count()).toBe((alerts.alerts as unknown[]).length);
    expect(await rows.first().textContent()).toContain("amount_zscore_30d");
    const model = (await page.locator("#custom-model").textContent()) ?? "";
    expect(model).toContain("test precision");
    expect(model).toContain("Feature importance");
    expect(model).toContain("account takeover");
    const overview = await api(withModels, "/api/fraud/overview");
    expect((await stat(page, "alerts")).raw).toBe(String((overview.current as Json).alerts));
    await page.screenshot({ path: join(SCREENSHOTS, "fraud-monitoring.png"), fullPage: true });
  });

  it("draws client analytics and drills down to a client's SCD2 history", async () => {
    await page.goto(`${withModels.url}/clients`);
    await settled(page);
    expect(new Set(Object.values(await cardStates(page)))).toEqual(new Set(["ready"]));
    for (const [id, n] of Object.entries(await chartPoints(page))) expect(n, id).toBeGreaterThan(0);
    const top = await api(withModels, "/api/clients/top?limit=12");
    const first = (top.clients as Json[])[0] as Json;
    await page.locator("#table-top-clients tbody tr").first().click();
    await page.waitForURL(new RegExp(`client=${first.clientId}`));
    await page.locator(`.client-head[data-client="${first.clientId}"]`).waitFor();
    const detail = await api(withModels, `/api/clients/${first.clientId}`);
    expect(await page.locator("table.history tbody tr").count()).toBe((detail.history as unknown[]).length);
    expect(await page.locator(".client-head h3").textContent()).toBe(first.clientName);
    await page.screenshot({ path: join(SCREENSHOTS, "client-analytics.png"), fullPage: true });

    await page.fill("#client-search input", String(first.clientId));
    await page.click("#client-search button");
    await page.locator(`#client-matches button[data-client="${first.clientId}"]`).waitFor();
  });

  it("shows client analytics without a segmentation as empty states", async () => {
    await page.goto(`${plain.url}/clients`);
    await settled(page);
    const states = await cardStates(page);
    expect(states).toMatchObject({
      segments: "empty",
      migration: "empty",
      "top-clients": "ready",
      cohorts: "ready",
    });
    expect(await page.locator('[data-card="segments"] .state').textContent()).toBe(
      "No segmentation yet — run `momo segment`.",
    );
    expect(await page.locator('#filters [name="segment"]').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, "clients-no-model.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("opens a report offline and draws every chart in it", async () => {
    const path = await writeReport("fraud", withModels.wh, trainedDir);
    const offline = await browser.newPage();
    const requested: string[] = [];
    await offline.route(/^https?:/, (route) => {
      requested.push(route.request().url());
      return route.abort();
    });
    await offline.goto(`file://${path}`);
    const charts = await offline.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".chart")].map((element) => {
        const series = (echarts.getInstanceByDom(element)?.getOption().series ?? []) as {
          data?: unknown[];
        }[];
        return series.reduce((n, s) => n + (s.data?.length ?? 0), 0);
      }),
    );
    expect(charts.length).toBeGreaterThanOrEqual(7);
    for (const points of charts) expect(points).toBeGreaterThan(0);
    expect(requested).toEqual([]);
    await offline.screenshot({ path: join(SCREENSHOTS, "fraud-report.png"), fullPage: true });
    await offline.close();
  });
});
