import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/warehouse/warehouse.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import {
  type Api,
  FRAUD_METRICS,
  FRAUD_THRESHOLD,
  REASONS,
  SEGMENT_DATES,
  SEGMENT_NAMES,
  seedMlOutputs,
  startApi,
  type TinyWarehouse,
  tinyInput,
  tinyWarehouse,
} from "./fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: the answers are loose JSON, read field by field in assertions
type Json = Record<string, any>;

let input: Awaited<ReturnType<typeof tinyInput>>;
const warehouses = new Map<Engine, TinyWarehouse>();
/** Answers of both engines to the same requests before the ML outputs (keyed on engine-assigned keys) go in. */
const answers = new Map<Engine, Map<string, unknown>>();

beforeAll(async () => {
  input = await tinyInput();
});

afterAll(async () => {
  for (const { db } of warehouses.values()) await db.drop();
  input?.cleanup();
});

const toKey = (iso: string) => Number(iso.replaceAll("-", ""));

for (const engine of ENGINES_UNDER_TEST) {
  describe(`dashboard API on ${engine}`, () => {
    let api: Api;
    let seeded = false;
    const get = async (url: string) => {
      const { status, body } = await api.get<Json>(url);
      expect(status, `${url}: ${JSON.stringify(body)}`).toBe(200);
      if (!seeded) answers.get(engine)?.set(url, body);
      return body;
    };
    /** The KPIs computed straight from the transaction fact, the reference the API must agree with. */
    const factKpis = async (from: string, to: string, extra = "", params: (string | number)[] = []) => {
      const [row] = await api.wh.query<Json>(
        `SELECT COUNT(*) AS transactions,
                SUM(CASE WHEN st.status_group = 'success' THEN 1 ELSE 0 END) AS successful,
                SUM(CASE WHEN st.status_group = 'success' THEN t.amount ELSE 0 END) AS value,
                SUM(CASE WHEN st.status_group = 'success' THEN t.fee ELSE 0 END) AS fees,
                COUNT(DISTINCT t.client_id) AS active_clients,
                SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END) AS fraud
           FROM dwh.fact_transactions AS t
           JOIN dwh.dim_transaction_status AS st ON st.status_key = t.status_key
          WHERE t.date_key BETWEEN CAST($1 AS INTEGER) AND CAST($2 AS INTEGER) ${extra}`,
        [toKey(from), toKey(to), ...params],
      );
      return {
        transactions: Number(row?.transactions),
        successful: Number(row?.successful),
        value: String(row?.value ?? "0.00"),
        fees: String(row?.fees ?? "0.00"),
        activeClients: Number(row?.active_clients),
        fraud: Number(row?.fraud),
      };
    };

    beforeAll(async () => {
      warehouses.set(engine, await tinyWarehouse(engine, input.input, false));
      answers.set(engine, new Map());
      api = await startApi((warehouses.get(engine) as TinyWarehouse).db);
    });

    afterAll(async () => {
      await api?.close();
    });

    describe("before any model is trained", () => {
      it("lists the filter choices, the data range and no models", async () => {
        const body = await get("/api/filters");
        expect(body.engine).toBe(engine);
        expect(body.dataRange).toEqual({ first: "2024-01-01", last: "2025-12-31" });
        expect(body.services).toHaveLength(22);
        expect(body.channels.map((c: Json) => c.code)).toEqual(["USSD", "APP", "WEB", "API", "AGENT_POS"]);
        expect(body.countries.map((c: Json) => c.code).sort()).toEqual(["BF", "CI", "CM", "ML", "SN"]);
        expect(body.clientTypes).toContain("merchant");
        expect(body.segments).toEqual({ asOfDate: null, names: [] });
        expect(body.models).toEqual({ fraud: null, segments: null });
      });

      it("answers the fraud and segment views empty, with no model", async () => {
        const overview = await get("/api/fraud/overview");
        expect(overview.model).toBeNull();
        expect(overview.current.scored).toBe(0);
        expect(overview.current.fraud).toBeGreaterThan(0);
        expect((await get("/api/fraud/scores")).bins).toEqual([]);
        expect((await get("/api/fraud/alerts")).alerts).toEqual([]);
        expect(await get("/api/clients/segments")).toMatchObject({ asOfDate: null, segments: [] });
        expect(await get("/api/clients/migration")).toMatchObject({
          fromDate: null,
          toDate: null,
          flows: [],
        });
      });

      it("refuses a segment filter while no segmentation exists", async () => {
        const { status, body } = await api.get<Json>("/api/kpi/overview?segment=Champions");
        expect(status).toBe(400);
        expect(body).toEqual({
          error: "segment: no segments yet: run `momo segment` first",
          parameter: "segment",
        });
      });
    });

    describe("KPIs", () => {
      it("gives the last 90 loaded days by default, against the 90 days before, as the fact table counts them", async () => {
        const body = await get("/api/kpi/overview");
        expect(body.filters).toEqual({ from: "2025-10-03", to: "2025-12-31" });
        expect(body.previousPeriod).toEqual({ from: "2025-07-05", to: "2025-10-02" });
        expect(body.source).toBe("daily_kpi");
        expect(body.current).toMatchObject(await factKpis("2025-10-03", "2025-12-31"));
        expect(body.previous).toMatchObject(await factKpis("2025-07-05", "2025-10-02"));
        expect(body.current.successRate).toBeCloseTo(body.current.successful / body.current.transactions, 12);
      });

      it("sums the KPI aggregate when filtered by service and channel, active clients as the fact table counts them", async () => {
        const body = await get(
          "/api/kpi/overview?from=2024-03-01&to=2024-08-31&service=MERCHANT_PAYMENT&channel=USSD",
        );
        expect(body.source).toBe("daily_kpi");
        const [keys] = await api.wh.query<Json>(
          `SELECT (SELECT service_key FROM dwh.dim_service WHERE service_code = 'MERCHANT_PAYMENT') AS s,
                  (SELECT channel_key FROM dwh.dim_channel WHERE channel_code = 'USSD') AS c`,
        );
        const expected = await factKpis(
          "2024-03-01",
          "2024-08-31",
          "AND t.service_key = CAST($3 AS INTEGER) AND t.channel_key = CAST($4 AS INTEGER)",
          [Number(keys?.s), Number(keys?.c)],
        );
        expect(expected.transactions).toBeGreaterThan(0);
        expect(body.current).toMatchObject(expected);
      });

      it("splits the period into months that add up to the overview", async () => {
        const range = "from=2024-01-01&to=2024-12-31";
        const [series, overview] = [
          await get(`/api/kpi/timeseries?grain=month&${range}`),
          await get(`/api/kpi/overview?${range}`),
        ];
        expect(series.points.map((p: Json) => p.period)).toEqual(
          Array.from({ length: 12 }, (_, i) => `2024-${String(i + 1).padStart(2, "0")}`),
        );
        const total = (name: string) =>
          series.points.reduce((sum: number, p: Json) => sum + Number(p[name]), 0);
        expect(total("transactions")).toBe(overview.current.transactions);
        expect(series.points[0].activeClients).toBeNull();
        const daily = await get(
          "/api/kpi/timeseries?grain=month&activeClients=true&from=2024-01-01&to=2024-01-31",
        );
        const january = await get("/api/kpi/overview?from=2024-01-01&to=2024-01-31");
        expect(daily.points[0].activeClients).toBe(january.current.activeClients);
        expect(total("value")).toBeCloseTo(Number(overview.current.value), 2);
        expect((await get(`/api/kpi/timeseries?${range}`)).grain).toBe("week");
        expect((await get("/api/kpi/timeseries")).grain).toBe("day");
      });

      it("labels weeks by ISO year and week, each adding up its days", async () => {
        // 2024-12-30 starts ISO week 1 of 2025: the label's year is the ISO year, not the calendar one.
        const range = "from=2024-12-16&to=2025-01-19";
        const [weeks, days] = [
          await get(`/api/kpi/timeseries?grain=week&${range}`),
          await get(`/api/kpi/timeseries?grain=day&${range}`),
        ];
        expect(weeks.points.map((p: Json) => [p.period, p.firstDay])).toEqual([
          ["2024-W51", "2024-12-16"],
          ["2024-W52", "2024-12-23"],
          ["2025-W01", "2024-12-30"],
          ["2025-W02", "2025-01-06"],
          ["2025-W03", "2025-01-13"],
        ]);
        weeks.points.forEach((week: Json, i: number) => {
          const ofWeek = days.points.slice(7 * i, 7 * i + 7);
          expect(week.transactions, week.period).toBe(
            ofWeek.reduce((sum: number, d: Json) => sum + d.transactions, 0),
          );
        });
      });

      it("adds whole months from the monthly aggregate to the partial ones, as the fact table counts them", async () => {
        const range = "from=2024-02-15&to=2025-03-09";
        const overview = await get(`/api/kpi/overview?${range}`);
        expect(overview.previousPeriod).toEqual({ from: "2023-01-22", to: "2024-02-14" });
        expect(overview.current).toMatchObject(await factKpis("2024-02-15", "2025-03-09"));
        expect(overview.previous).toMatchObject(await factKpis("2023-01-22", "2024-02-14"));
        const series = await get(`/api/kpi/timeseries?grain=month&${range}`);
        const sums = async (from: string, to: string) => {
          const { activeClients: _a, ...kpis } = await factKpis(from, to);
          return kpis;
        };
        expect(series.points[0]).toMatchObject({
          period: "2024-02",
          ...(await sums("2024-02-15", "2024-02-29")),
        });
        expect(series.points[5]).toMatchObject({
          period: "2024-07",
          ...(await sums("2024-07-01", "2024-07-31")),
        });
        expect(series.points.at(-1)).toMatchObject({
          period: "2025-03",
          ...(await sums("2025-03-01", "2025-03-09")),
        });
        const services = await get(`/api/kpi/breakdown?by=service&${range}`);
        expect(services.items.reduce((s: number, i: Json) => s + i.transactions, 0)).toBe(
          overview.current.transactions,
        );
      });

      it("breaks the totals down by service, channel, country, region and client type", async () => {
        const overview = await get("/api/kpi/overview");
        for (const by of ["service", "channel", "country", "region", "clientType"]) {
          const body = await get(`/api/kpi/breakdown?by=${by}`);
          const sum = body.items.reduce((s: number, i: Json) => s + i.transactions, 0);
          expect(sum, by).toBe(overview.current.transactions);
          const values = body.items.map((i: Json) => Number(i.value));
          expect(values, `${by} sorted by value`).toEqual([...values].sort((a, b) => b - a));
        }
        const types = await get("/api/kpi/breakdown?by=clientType&activeClients=true");
        const clients = types.items.reduce((s: number, i: Json) => s + i.activeClients, 0);
        expect(clients).toBeGreaterThanOrEqual(overview.current.activeClients);
        expect(clients).toBeLessThan(overview.current.activeClients * 1.01);
        const regions = await get("/api/kpi/breakdown?by=region");
        expect(regions.items.every((i: Json) => i.activeClients === null)).toBe(true);
        for (const item of regions.items) {
          expect(item.latitude, item.key).toBeGreaterThan(0);
          expect(item.longitude, item.key).toBeGreaterThan(-20);
        }
      });

      it("filters by region within a country, equal to that region's breakdown item", async () => {
        const regions = await get("/api/kpi/breakdown?by=region");
        const [country, region] = String(regions.items[0].key).split(":");
        const filtered = await get(
          `/api/kpi/overview?country=${country}&region=${encodeURIComponent(region as string)}`,
        );
        expect(filtered.current.transactions).toBe(regions.items[0].transactions);
        expect(filtered.current.value).toBe(regions.items[0].value);
        const byCountry = await get(`/api/kpi/overview?country=${country}`);
        expect(byCountry.current.transactions).toBeGreaterThanOrEqual(filtered.current.transactions);
      });

      it.each([
        ["from=2024-02-30", "from", "expects a real calendar date YYYY-MM-DD"],
        ["to=yesterday", "to", "expects a date YYYY-MM-DD"],
        ["from=2025-03-01&to=2025-02-01", "from", "2025-03-01 is after to=2025-02-01"],
        ["service=NOPE", "service", 'unknown value "NOPE"'],
        ["channel=usd", "channel", "expects a channel code"],
        ["country=FR", "country", 'unknown value "FR"'],
        ["region=Est", "region", "exists in BF, CM; give country too"],
        ["country=CI&region=Dakar", "region", "is not a region of country=CI"],
        ["clientType=bank", "clientType", 'unknown value "bank"'],
        ["service=AGENT_CASH_IN&service=AGENT_CASH_OUT", "service", "given more than once"],
        ["colour=red", "colour", "unknown parameter"],
      ])("answers 400 naming the parameter for %s", async (query, parameter, message) => {
        const { status, body } = await api.get<Json>(`/api/kpi/overview?${query}`);
        expect(status).toBe(400);
        expect(body.parameter).toBe(parameter);
        expect(body.error).toContain(`${parameter}: `);
        expect(body.error).toContain(message);
      });

      it("answers a repeated request from its cache, identically, but never caches an error", async () => {
        const url = "/api/kpi/breakdown?by=channel&from=2024-05-01";
        const first = await api.app.inject({ method: "GET", url });
        const second = await api.app.inject({ method: "GET", url });
        expect(first.headers["x-cache"]).toBeUndefined();
        expect(second.headers["x-cache"]).toBe("hit");
        expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
        expect(second.body).toBe(first.body);
        for (let i = 0; i < 2; i++) {
          const bad = await api.app.inject({ method: "GET", url: "/api/kpi/overview?from=2024-13-01" });
          expect(bad.statusCode).toBe(400);
          expect(bad.headers["x-cache"]).toBeUndefined();
        }
      });

      it("checks each endpoint's own parameters", async () => {
        const cases: [string, string][] = [
          ["/api/kpi/breakdown?by=planet", "by"],
          ["/api/kpi/timeseries?grain=hour", "grain"],
          ["/api/kpi/breakdown?activeClients=yes", "activeClients"],
          ["/api/fraud/alerts?limit=0", "limit"],
          ["/api/fraud/alerts?limit=1000", "limit"],
          ["/api/clients/top?order=name", "order"],
          ["/api/clients/search?q=a", "q"],
          ["/api/clients/bad%20id", "clientId"],
        ];
        for (const [url, parameter] of cases) {
          const { status, body } = await api.get<Json>(url);
          expect(status, url).toBe(400);
          expect(body.parameter, url).toBe(parameter);
        }
        expect((await api.get("/api/clients/CNOSUCH00")).status).toBe(404);
        expect((await api.get("/api/nothing")).status).toBe(404);
      });
    });

    describe("with the outputs of a trained model", () => {
      beforeAll(async () => {
        await api.close();
        const db = (warehouses.get(engine) as TinyWarehouse).db;
        const wh = await db.open();
        await seedMlOutputs(wh);
        await wh.close();
        seeded = true;
        api = await startApi(db);
      });

      it("shows the active fraud model, its metrics and the alerts of the period", async () => {
        const body = await get("/api/fraud/overview?from=2025-01-01&to=2025-06-30");
        expect(body.model).toMatchObject({
          kind: "fraud_gbdt",
          version: 1,
          decisionThreshold: FRAUD_THRESHOLD,
          trainedFrom: "2024-01-01",
          trainedTo: "2025-06-30",
          featureNames: REASONS.map((r) => r.feature),
          metrics: FRAUD_METRICS,
        });
        expect(body.model.summary.figures).toEqual(
          expect.arrayContaining([
            { label: "imbalance treatment", value: "smote" },
            { label: "test precision", value: 0.9 },
            { label: "test recall", value: 0.8 },
            { label: "test tp", value: 24 },
            { label: "validation precision", value: 0.92 },
          ]),
        );
        expect(body.model.summary.recallByFraudType).toEqual([
          { fraudType: "account_takeover", frauds: 10, detected: 9, recall: 0.9 },
          { fraudType: "mule_account", frauds: 20, detected: 15, recall: 0.75 },
        ]);
        expect(body.model.summary.featureImportance.map((f: Json) => f.feature)).toEqual([
          "amount_zscore_30d",
          "night_time",
        ]);
        const [row] = await api.wh.query<Json>(
          `SELECT COUNT(*) AS scored, SUM(CASE WHEN is_alert THEN 1 ELSE 0 END) AS alerts
             FROM dwh.fact_fraud_scores WHERE date_key BETWEEN 20250101 AND 20250630`,
        );
        expect(body.current.scored).toBe(Number(row?.scored));
        expect(body.current.alerts).toBe(Number(row?.alerts));
        expect(body.current.scored).toBe(body.current.transactions);
      });

      it("spreads the scores over 20 bins, alerts only at or above the threshold", async () => {
        const [body, overview] = [await get("/api/fraud/scores"), await get("/api/fraud/overview")];
        expect(body.bins).toHaveLength(20);
        expect(body.threshold).toBe(FRAUD_THRESHOLD);
        expect(body.bins.reduce((s: number, b: Json) => s + b.transactions, 0)).toBe(overview.current.scored);
        expect(body.bins.reduce((s: number, b: Json) => s + b.alerts, 0)).toBe(overview.current.alerts);
        for (const bin of body.bins) if (bin.to <= FRAUD_THRESHOLD) expect(bin.alerts).toBe(0);
        // The daily score aggregate (client type) and the scores themselves (segment, service) agree with SQL.
        const [type] = await api.wh.query<Json>(
          "SELECT client_type FROM dwh.dim_client GROUP BY client_type ORDER BY COUNT(*) DESC LIMIT 1",
        );
        const raw = await api.wh.query<Json>(
          `SELECT LEAST(CAST(FLOOR(fs.fraud_score * 20) AS INTEGER), 19) AS bin, COUNT(*) AS n,
                  SUM(CASE WHEN fs.is_alert THEN 1 ELSE 0 END) AS alerts
             FROM dwh.fact_fraud_scores AS fs JOIN dwh.dim_client AS c ON c.client_key = fs.client_key
            WHERE fs.date_key BETWEEN 20250101 AND 20250630 AND c.client_type = $1 GROUP BY 1`,
          [type?.client_type],
        );
        const range = "from=2025-01-01&to=2025-06-30";
        const typed = await get(`/api/fraud/scores?${range}&clientType=${type?.client_type}`);
        for (const [i, bin] of typed.bins.entries()) {
          const row = raw.find((r) => Number(r.bin) === i);
          expect([bin.transactions, bin.alerts], `bin ${i}`).toEqual([
            Number(row?.n ?? 0),
            Number(row?.alerts ?? 0),
          ]);
        }
        for (const filter of [
          `clientType=${type?.client_type}`,
          "segment=Champions",
          "service=MERCHANT_PAYMENT",
        ]) {
          const [scores, fraud] = [
            await get(`/api/fraud/scores?${range}&${filter}`),
            await get(`/api/fraud/overview?${range}&${filter}`),
          ];
          expect(fraud.current.scored, filter).toBe(fraud.current.transactions);
          expect(
            scores.bins.reduce((s: number, b: Json) => s + b.transactions, 0),
            filter,
          ).toBe(fraud.current.scored);
          const series = await get(`/api/fraud/timeseries?${range}&${filter}&grain=month`);
          expect(
            series.points.reduce((s: number, p: Json) => s + p.alerts, 0),
            filter,
          ).toBe(fraud.current.alerts);
        }
      });

      it("lists the latest alerts with their reasons, newest first", async () => {
        const body = await get("/api/fraud/alerts?limit=5");
        expect(body.alerts).toHaveLength(5);
        const times = body.alerts.map((a: Json) => a.transactionAt);
        expect(times).toEqual([...times].sort().reverse());
        for (const alert of body.alerts) {
          expect(alert.score).toBeGreaterThanOrEqual(FRAUD_THRESHOLD);
          expect(alert.reasons).toEqual(REASONS);
          expect(alert.clientName.length).toBeGreaterThan(0);
        }
      });

      it("counts labelled fraud by typology, service and channel, adding up to the overview", async () => {
        const overview = await get("/api/fraud/overview?from=2024-01-01&to=2025-12-31");
        for (const by of ["typology", "service", "channel"]) {
          const body = await get(`/api/fraud/breakdown?by=${by}&from=2024-01-01&to=2025-12-31`);
          expect(
            body.items.reduce((s: number, i: Json) => s + i.fraud, 0),
            by,
          ).toBe(overview.current.fraud);
        }
        const series = await get("/api/fraud/timeseries?from=2024-01-01&to=2025-12-31&grain=month");
        expect(series.points.reduce((s: number, p: Json) => s + p.alerts, 0)).toBe(overview.current.alerts);
      });

      it("counts labelled fraud by typology under a client type as the fraud rows of that type's versions", async () => {
        const types = await api.wh.query<Json>(
          `SELECT DISTINCT c.client_type, g.country_code FROM dwh.fact_transactions AS t
             JOIN dwh.dim_client AS c ON c.client_key = t.client_key
             JOIN dwh.dim_geography AS g ON g.geography_key = t.geography_key
            WHERE t.is_fraud ORDER BY 1, 2`,
        );
        expect(new Set(types.map((t) => t.client_type)).size).toBeGreaterThan(1);
        let compared = 0;
        for (const { client_type: type, country_code: country } of types.slice(0, 6)) {
          for (const query of [`clientType=${type}`, `clientType=${type}&country=${country}`]) {
            const expected = await api.wh.query<Json>(
              `SELECT t.fraud_type, COUNT(*) AS fraud, SUM(t.amount) AS fraud_amount FROM dwh.fact_transactions AS t
                 JOIN dwh.dim_client AS c ON c.client_key = t.client_key
                 JOIN dwh.dim_geography AS g ON g.geography_key = t.geography_key
                WHERE t.is_fraud AND t.date_key BETWEEN 20240101 AND 20251231 AND c.client_type = $1
                  AND g.country_code = COALESCE($2, g.country_code)
                GROUP BY t.fraud_type ORDER BY fraud DESC, t.fraud_type`,
              [type, query.includes("country") ? country : null],
            );
            const body = await get(`/api/fraud/breakdown?by=typology&from=2024-01-01&to=2025-12-31&${query}`);
            expect(
              body.items.map((i: Json) => [i.key, i.fraud, Number(i.fraudAmount)]),
              query,
            ).toEqual(
              expected.map((r) => [r.fraud_type ?? "unknown", Number(r.fraud), Number(r.fraud_amount)]),
            );
            compared += expected.length;
          }
        }
        expect(compared).toBeGreaterThan(10);
      });

      it("sizes the segments of the latest segmentation and applies the segment filter", async () => {
        const body = await get("/api/clients/segments");
        expect(body.asOfDate).toBe(SEGMENT_DATES[1]);
        expect(body.segments.map((s: Json) => s.name)).toEqual([...SEGMENT_NAMES]);
        const [row] = await api.wh.query<Json>(
          "SELECT COUNT(*) AS n FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)",
          [SEGMENT_DATES[1]],
        );
        expect(body.segments.reduce((s: number, x: Json) => s + x.clients, 0)).toBe(Number(row?.n));
        const [type] = await api.wh.query<Json>(
          `SELECT c.client_type, COUNT(*) AS n, SUM(cs.monetary) AS monetary FROM dwh.client_segments AS cs
             JOIN dwh.dim_client AS c ON c.client_key = cs.client_key
            WHERE cs.as_of_date = CAST($1 AS DATE) AND cs.segment_name = 'Champions'
            GROUP BY c.client_type ORDER BY n DESC, c.client_type LIMIT 1`,
          [SEGMENT_DATES[1]],
        );
        const champions = await get(
          `/api/clients/segments?clientType=${type?.client_type}&segment=Champions`,
        );
        expect(champions.segments).toHaveLength(1);
        expect(champions.segments[0]).toMatchObject({
          name: "Champions",
          clients: Number(type?.n),
          monetary: String(type?.monetary),
        });
        expect(champions.segments[0].averageMonetary).toBeCloseTo(
          Number(type?.monetary) / Number(type?.n),
          6,
        );
        const all = await get("/api/kpi/overview");
        const parts = await Promise.all(
          SEGMENT_NAMES.map((name) => get(`/api/kpi/overview?segment=${encodeURIComponent(name)}`)),
        );
        expect(parts.reduce((s, p) => s + p.current.transactions, 0)).toBe(all.current.transactions);
        expect((await get("/api/filters")).segments).toEqual({
          asOfDate: SEGMENT_DATES[1],
          names: [...SEGMENT_NAMES].sort(),
        });
      });

      it("shows how clients moved between the two segmentations", async () => {
        const body = await get("/api/clients/migration");
        expect(body).toMatchObject({ fromDate: SEGMENT_DATES[0], toDate: SEGMENT_DATES[1] });
        const [row] = await api.wh.query<Json>(
          "SELECT COUNT(DISTINCT client_id) AS n FROM dwh.client_segments",
        );
        expect(body.flows.reduce((s: number, f: Json) => s + f.clients, 0)).toBe(Number(row?.n));
        const [country] = await api.wh.query<Json>(
          `SELECT g.country_code, COUNT(*) AS n
             FROM (SELECT * FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)) AS a
             FULL OUTER JOIN (SELECT * FROM dwh.client_segments WHERE as_of_date = CAST($2 AS DATE)) AS b
               ON b.client_id = a.client_id
             JOIN dwh.dim_client AS c ON c.client_key = COALESCE(b.client_key, a.client_key)
             JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
            GROUP BY g.country_code ORDER BY n DESC, g.country_code LIMIT 1`,
          [SEGMENT_DATES[0], SEGMENT_DATES[1]],
        );
        const inCountry = await get(`/api/clients/migration?country=${country?.country_code}`);
        expect(inCountry.flows.reduce((s: number, f: Json) => s + f.clients, 0)).toBe(Number(country?.n));
        const intoChampions = await get("/api/clients/migration?segment=Champions");
        expect(intoChampions.flows.every((f: Json) => f.to === "Champions")).toBe(true);
        const toChampions = (flows: Json[]) =>
          flows.filter((f) => f.to === "Champions").reduce((s, f) => s + f.clients, 0);
        expect(toChampions(intoChampions.flows)).toBe(toChampions(body.flows));
        expect(toChampions(body.flows)).toBeGreaterThan(0);
        // The fixture shifts every client by one segment between the two dates.
        for (const flow of body.flows.filter((f: Json) => f.from !== "(new)")) {
          const from = SEGMENT_NAMES.indexOf(flow.from);
          expect(flow.to).toBe(SEGMENT_NAMES[(from + 1) % SEGMENT_NAMES.length]);
        }
      });

      it("ranks the top clients with their segment, as the fact table sums them", async () => {
        const body = await get("/api/clients/top?limit=5");
        expect(body.clients).toHaveLength(5);
        const values = body.clients.map((c: Json) => Number(c.value));
        expect(values).toEqual([...values].sort((a, b) => b - a));
        const top = body.clients[0];
        expect(top.segment).not.toBeNull();
        const expected = await factKpis("2025-10-03", "2025-12-31", "AND t.client_id = $3", [top.clientId]);
        expect(top).toMatchObject({
          transactions: expected.transactions,
          value: expected.value,
          fees: expected.fees,
        });
        const byCount = await get("/api/clients/top?limit=3&order=transactions");
        expect(byCount.clients[0].transactions).toBeGreaterThanOrEqual(byCount.clients[2].transactions);
      });

      it("groups clients in registration cohorts, active per month", async () => {
        const body = await get("/api/clients/cohorts?from=2025-01-01&to=2025-03-31");
        expect(body.months).toEqual(["2025-01", "2025-02", "2025-03"]);
        expect(body.cohorts[0].cohort).toBe("before 2024-01");
        const [row] = await api.wh.query<Json>(
          "SELECT COUNT(*) AS n FROM dwh.dim_client WHERE is_current AND registration_date <= DATE '2025-03-31'",
        );
        expect(body.cohorts.reduce((s: number, c: Json) => s + c.size, 0)).toBe(Number(row?.n));
        const january = await get("/api/kpi/overview?from=2025-01-01&to=2025-01-31");
        expect(body.cohorts.reduce((s: number, c: Json) => s + c.active[0], 0)).toBe(
          january.current.activeClients,
        );
        for (const cohort of body.cohorts)
          for (const active of cohort.active) expect(active).toBeLessThanOrEqual(cohort.size);
      });

      it("drills down to a client with its SCD2 history, activity, segments and alerts", async () => {
        const [changed] = await api.wh.query<Json>(
          `SELECT client_id FROM dwh.dim_client GROUP BY client_id HAVING COUNT(*) >= 3 ORDER BY client_id LIMIT 1`,
        );
        const clientId = String(changed?.client_id);
        const body = await get(`/api/clients/${clientId}`);
        const versions = await api.wh.query<Json>(
          "SELECT version, change_reason, valid_from, valid_to FROM dwh.dim_client WHERE client_id = $1 ORDER BY version",
          [clientId],
        );
        expect(body.history.map((v: Json) => [v.version, v.changeReason, v.validFrom, v.validTo])).toEqual(
          versions.map((v) => [v.version, v.change_reason, v.valid_from, v.valid_to]),
        );
        expect(body.history.filter((v: Json) => v.isCurrent)).toHaveLength(1);
        expect(body.history.at(-1).isCurrent).toBe(true);
        for (let i = 1; i < body.history.length; i++)
          expect(body.history[i].validFrom).toBe(body.history[i - 1].validTo);
        const all = await factKpis("2024-01-01", "2025-12-31", "AND t.client_id = $3", [clientId]);
        expect(body.activity.reduce((s: number, m: Json) => s + m.transactions, 0)).toBe(all.transactions);
        expect(body.recentTransactions.length).toBeGreaterThan(0);
        expect(body.segments.map((s: Json) => s.asOfDate)).toEqual(
          body.segments.length === 2 ? [...SEGMENT_DATES] : body.segments.map((s: Json) => s.asOfDate),
        );
      });

      it("finds clients by id or by part of their name", async () => {
        const [client] = await api.wh.query<Json>(
          "SELECT client_id, client_name FROM dwh.dim_client WHERE is_current ORDER BY client_id LIMIT 1",
        );
        const byId = await get(`/api/clients/search?q=${client?.client_id}`);
        expect(byId.clients[0].clientId).toBe(client?.client_id);
        const part = String(client?.client_name).slice(2, 12).toLowerCase();
        const byName = await get(`/api/clients/search?q=${encodeURIComponent(part)}&limit=50`);
        expect(byName.clients.map((c: Json) => c.clientId)).toContain(client?.client_id);
        for (const c of byName.clients) expect(c.clientName.toLowerCase()).toContain(part);
        // LIKE's wildcards in the text are plain characters: no name holds them.
        for (const q of ["%%", "__", "a%e", "\\\\"])
          expect((await get(`/api/clients/search?q=${encodeURIComponent(q)}`)).clients, q).toEqual([]);
      });
    });
  });
}

describe.runIf(ENGINES_UNDER_TEST.length > 1)("DuckDB and PostgreSQL", () => {
  it("give the same answers to the same requests", () => {
    const duck = answers.get("duckdb") as Map<string, unknown>;
    const pg = answers.get("postgres") as Map<string, unknown>;
    const urls = [...duck.keys()].filter((url) => pg.has(url) && url !== "/api/filters");
    expect(urls.length).toBeGreaterThan(15);
    for (const url of urls) expect(pg.get(url), url).toEqual(duck.get(url));
  });
});
