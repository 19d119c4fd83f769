import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backfillScoreAggregates } from "../../src/warehouse/score-aggregates.ts";
import type { Engine } from "../../src/warehouse/warehouse.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import { type Api, startApi, type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: the answers are loose JSON, read field by field in assertions
type Json = Record<string, any>;

/**
 * The service and channel filters answered from the aggregates, checked against the same figures computed
 * from the facts on both engines: whole months, partial ones, and a previous period that straddles a month.
 */
interface Case {
  readonly service?: string;
  readonly channel?: string;
  readonly country?: string;
  readonly clientType?: string;
  readonly segment?: string;
}

const CASES: readonly Case[] = [
  { service: "MERCHANT_PAYMENT" },
  { channel: "USSD" },
  { service: "AGENT_CASH_OUT", channel: "AGENT_POS" },
  { service: "MERCHANT_PAYMENT", country: "CI" },
  { channel: "APP", clientType: "merchant" },
];

/** A channel with a segment: the activity rows and the client months take the segment filter too. */
const SEGMENT_CASE: Case = { channel: "USSD", segment: "Champions" };

const RANGES = [
  { from: "2025-01-01", to: "2025-06-30" },
  { from: "2025-02-10", to: "2025-05-20" },
  { from: "2024-11-17", to: "2025-12-31" },
];

const toKey = (iso: string) => Number(iso.replaceAll("-", ""));

function query(c: Case, range: { from: string; to: string }): string {
  const params = new URLSearchParams({ from: range.from, to: range.to });
  for (const [name, value] of Object.entries(c)) params.set(name, value);
  return params.toString();
}

/** The conditions of a case on a fact joined to its service (sv), channel (ch), client version (c) and place (g). */
function factConditions(c: Case, values: (string | number)[]): string {
  const where: string[] = [];
  const add = (value: string | number) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (c.service) where.push(`sv.service_code = ${add(c.service)}`);
  if (c.channel) where.push(`ch.channel_code = ${add(c.channel)}`);
  if (c.country) where.push(`g.country_code = ${add(c.country)}`);
  if (c.clientType) where.push(`c.client_type = ${add(c.clientType)}`);
  if (c.segment)
    where.push(`t.client_id IN (SELECT client_id FROM dwh.client_segments WHERE segment_name = ${add(c.segment)}
                  AND as_of_date = (SELECT MAX(as_of_date) FROM dwh.client_segments))`);
  return where.map((w) => ` AND ${w}`).join("");
}

let input: Awaited<ReturnType<typeof tinyInput>>;
const warehouses = new Map<Engine, TinyWarehouse>();

beforeAll(async () => {
  input = await tinyInput();
});

afterAll(async () => {
  for (const { db } of warehouses.values()) await db.drop();
  input?.cleanup();
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`service and channel filters from the aggregates on ${engine}`, () => {
    let api: Api;
    const get = async (url: string) => {
      const { status, body } = await api.get<Json>(url);
      expect(status, `${url}: ${JSON.stringify(body)}`).toBe(200);
      return body;
    };

    beforeAll(async () => {
      warehouses.set(engine, await tinyWarehouse(engine, input.input, true));
      api = await startApi((warehouses.get(engine) as TinyWarehouse).db);
    });

    afterAll(async () => {
      await api?.close();
    });

    /** Scores and alerts per group of the scores of a case over [from, to], from the facts. */
    const factScores = async (c: Case, from: string, to: string, group: string) => {
      const values: (string | number)[] = [toKey(from), toKey(to)];
      const where = factConditions(c, values);
      const rows = await api.wh.query<Json>(
        `SELECT ${group} AS grp, COUNT(*) AS scored, SUM(CASE WHEN fs.is_alert THEN 1 ELSE 0 END) AS alerts
           FROM dwh.fact_fraud_scores AS fs
           JOIN dwh.fact_transactions AS t ON t.transaction_key = fs.transaction_key AND t.date_key = fs.date_key
           JOIN dwh.dim_service AS sv ON sv.service_key = t.service_key
           JOIN dwh.dim_channel AS ch ON ch.channel_key = t.channel_key
           JOIN dwh.dim_client AS c ON c.client_key = fs.client_key
           JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
           JOIN dwh.dim_date AS d ON d.date_key = fs.date_key
          WHERE fs.date_key BETWEEN CAST($1 AS INTEGER) AND CAST($2 AS INTEGER)${where}
          GROUP BY ${group}`,
        values,
      );
      return new Map(rows.map((r) => [String(r.grp), [Number(r.scored), Number(r.alerts)] as const]));
    };

    it("counts the scores, their bins and the alerts per period as the scores and transactions do", async () => {
      let checked = 0;
      for (const c of CASES) {
        for (const range of RANGES) {
          const q = query(c, range);
          const overview = await get(`/api/fraud/overview?${q}`);
          const totals = await factScores(c, range.from, range.to, "1");
          const [scored, alerts] = totals.get("1") ?? [0, 0];
          expect([overview.current.scored, overview.current.alerts], q).toEqual([scored, alerts]);
          const before = overview.previousPeriod;
          const previous = (await factScores(c, before.from, before.to, "1")).get("1") ?? [0, 0];
          expect([overview.previous.scored, overview.previous.alerts], q).toEqual(previous);
          const bins = (await get(`/api/fraud/scores?${q}`)).bins as Json[];
          const byBin = await factScores(
            c,
            range.from,
            range.to,
            "LEAST(CAST(FLOOR(fs.fraud_score * 20) AS INTEGER), 19)",
          );
          expect(
            bins.map((b) => [b.transactions, b.alerts]),
            q,
          ).toEqual(bins.map((_, i) => byBin.get(String(i)) ?? [0, 0]));
          for (const [grain, label] of [
            ["month", "d.year_month"],
            ["day", "CAST(d.full_date AS VARCHAR)"],
          ]) {
            const series = await get(`/api/fraud/timeseries?${q}&grain=${grain}`);
            const byPeriod = await factScores(c, range.from, range.to, String(label));
            for (const point of series.points as Json[]) {
              expect(point.alerts, `${q} ${point.period}`).toBe(byPeriod.get(point.period)?.[1] ?? 0);
            }
          }
          if (scored > 0 && alerts > 0) checked++;
        }
      }
      // The cases must exercise something: most of them have scores and alerts.
      expect(checked).toBeGreaterThan(CASES.length);
    });

    it("recounts, at init, the scores of a warehouse scored before the service, channel and monthly counts", async () => {
      const url = "/api/fraud/scores?from=2025-01-01&to=2025-06-30&service=MERCHANT_PAYMENT";
      const before = await get(url);
      await api.close();
      const db = (warehouses.get(engine) as TinyWarehouse).db;
      const wh = await db.open();
      try {
        // Such a warehouse holds the rows of all services and channels only; either lack is recounted.
        for (const lack of [
          "DELETE FROM dwh.agg_monthly_scores",
          "DELETE FROM dwh.agg_daily_scores WHERE service_key IS NOT NULL",
        ]) {
          await wh.exec(lack);
          expect(await backfillScoreAggregates(wh), lack).toBe(true);
          expect(await backfillScoreAggregates(wh), lack).toBe(false);
        }
      } finally {
        await wh.close();
        api = await startApi(db);
      }
      expect(await get(url)).toEqual(before);
    });

    /** The dimensions factConditions filters on, joined to the facts `t`. */
    const FILTER_JOINS = `JOIN dwh.dim_service AS sv ON sv.service_key = t.service_key
      JOIN dwh.dim_channel AS ch ON ch.channel_key = t.channel_key
      JOIN dwh.dim_client AS c ON c.client_key = t.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = t.geography_key`;

    /** KPIs per group of the transactions of a case over [from, to], from the facts. */
    const factKpis = async (c: Case, from: string, to: string, group: string) => {
      const values: (string | number)[] = [toKey(from), toKey(to)];
      const where = factConditions(c, values);
      const rows = await api.wh.query<Json>(
        `SELECT ${group} AS grp, COUNT(*) AS transactions,
                SUM(CASE WHEN st.status_group = 'success' THEN t.amount ELSE 0 END) AS value,
                COUNT(DISTINCT t.client_id) AS active_clients, SUM(CASE WHEN t.is_fraud THEN 1 ELSE 0 END) AS fraud
           FROM dwh.fact_transactions AS t
           JOIN dwh.dim_transaction_status AS st ON st.status_key = t.status_key
           ${FILTER_JOINS}
          WHERE t.date_key BETWEEN CAST($1 AS INTEGER) AND CAST($2 AS INTEGER)${where}
          GROUP BY ${group}`,
        values,
      );
      return new Map(
        rows.map((r) => [
          String(r.grp),
          {
            transactions: Number(r.transactions),
            value: String(r.value),
            activeClients: Number(r.active_clients),
            fraud: Number(r.fraud),
          },
        ]),
      );
    };

    it("gives the cohorts' active clients per month as the transactions do", async () => {
      const [first] = await api.wh.query<Json>("SELECT MIN(date_key) AS k FROM dwh.fact_transactions");
      const firstMonth =
        Math.floor(Number(first?.k) / 10000) * 100 + (Math.floor(Number(first?.k) / 100) % 100);
      // The service and channel alone go through the bitmaps of client versions on DuckDB, with a client filter
      // through the hash of the clients: both against the facts, cohort by the registration month.
      for (const c of [...CASES, { service: "BILL_PAYMENT", channel: "USSD" }, SEGMENT_CASE]) {
        for (const range of RANGES) {
          const q = query(c, range);
          const body = await get(`/api/clients/cohorts?${q}`);
          const values: (string | number)[] = [toKey(range.from), toKey(range.to)];
          const where = factConditions(c, values);
          const rows = await api.wh.query<Json>(
            `SELECT cohort, year_month, COUNT(DISTINCT client_id) AS active FROM (
               SELECT CASE WHEN EXTRACT(YEAR FROM c.registration_date) * 100 + EXTRACT(MONTH FROM c.registration_date)
                                < ${firstMonth} THEN 'before'
                           ELSE CAST(EXTRACT(YEAR FROM c.registration_date) * 100
                                     + EXTRACT(MONTH FROM c.registration_date) AS VARCHAR) END AS cohort,
                      d.year_month, t.client_id
                 FROM dwh.fact_transactions AS t
                 JOIN dwh.dim_date AS d ON d.date_key = t.date_key
                 ${FILTER_JOINS}
                WHERE t.date_key BETWEEN CAST($1 AS INTEGER) AND CAST($2 AS INTEGER)${where}) AS active_clients
              GROUP BY cohort, year_month`,
            values,
          );
          const expected = new Map(rows.map((r) => [`${r.cohort} ${r.year_month}`, Number(r.active)]));
          expect(body.months, q).toEqual([...new Set(rows.map((r) => String(r.year_month)))].sort());
          let seen = 0;
          for (const cohort of body.cohorts as Json[]) {
            const key = cohort.cohort.startsWith("before") ? "before" : cohort.cohort.replace("-", "");
            (body.months as string[]).forEach((month, i) => {
              expect(cohort.active[i], `${q} ${cohort.cohort} ${month}`).toBe(
                expected.get(`${key} ${month}`) ?? 0,
              );
              if (cohort.active[i] > 0) seen++;
            });
          }
          expect(seen, q).toBe(expected.size);
        }
      }
    });

    it("gives the KPIs and active clients of the overview and per client type as the transactions do", async () => {
      for (const c of [...CASES, SEGMENT_CASE]) {
        for (const range of RANGES) {
          const q = query(c, range);
          const overview = await get(`/api/kpi/overview?${q}`);
          const current = (await factKpis(c, range.from, range.to, "1")).get("1");
          expect(current?.activeClients, q).toBeGreaterThan(0);
          expect(overview.current, q).toMatchObject(current ?? {});
          const before = overview.previousPeriod;
          const previous = (await factKpis(c, before.from, before.to, "1")).get("1");
          expect(overview.previous, q).toMatchObject(previous ?? { transactions: 0, activeClients: 0 });
          const types = await get(`/api/kpi/breakdown?by=clientType&activeClients=true&${q}`);
          const byType = await factKpis(c, range.from, range.to, "c.client_type");
          expect(types.items.length, q).toBe(byType.size);
          for (const item of types.items as Json[])
            expect(item, `${q} ${item.key}`).toMatchObject(byType.get(item.key) ?? {});
        }
      }
    });
  });
}
