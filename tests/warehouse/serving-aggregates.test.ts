import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { activeClientsByRange } from "../../src/serve/active-clients.ts";
import type { Filters } from "../../src/serve/filters.ts";
import { registrationCohorts } from "../../src/serve/queries/clients.ts";
import { loadReference } from "../../src/serve/reference.ts";
import { checkServedSchema } from "../../src/serve/schema-check.ts";
import { refreshServingAggregates } from "../../src/warehouse/serving-aggregates.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tinyInput } from "../serve/fixtures.ts";
import { busiestPlace } from "../support/busiest-place.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

/** The KPI aggregate recomputed from the facts, minus the stored one, and the other way round: no rows. */
const KPI_DIFFERENCE = `
  WITH expected AS (
    SELECT f.date_key, g.country_code, g.region_name, c.client_type, f.service_key, f.channel_key,
           COUNT(*) AS tx_count,
           SUM(CASE WHEN st.status_group = 'success' THEN 1 ELSE 0 END) AS success_count,
           SUM(CASE WHEN st.status_group = 'success' THEN f.amount ELSE 0 END) AS amount_success,
           SUM(CASE WHEN st.status_group = 'success' THEN f.fee ELSE 0 END) AS fee_total,
           SUM(CASE WHEN f.is_fraud THEN 1 ELSE 0 END) AS fraud_count,
           SUM(CASE WHEN f.is_fraud THEN f.amount ELSE 0 END) AS fraud_amount
      FROM dwh.fact_transactions AS f
      JOIN dwh.dim_client AS c ON c.client_key = f.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = f.geography_key
      JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
     GROUP BY 1, 2, 3, 4, 5, 6),
  stored AS (
    SELECT date_key, country_code, region_name, client_type, service_key, channel_key, tx_count,
           success_count, amount_success, fee_total, fraud_count, fraud_amount FROM dwh.agg_daily_kpi)
  SELECT COUNT(*) AS n FROM ((SELECT * FROM expected EXCEPT SELECT * FROM stored)
                             UNION ALL (SELECT * FROM stored EXCEPT SELECT * FROM expected)) AS d`;

/** The monthly KPI aggregate recomputed from the daily one, minus the stored one, and the other way round. */
const MONTHLY_DIFFERENCE = `
  WITH expected AS (
    SELECT CAST(date_key / 100 AS INTEGER) AS month_key, MIN(date_key) AS date_key, country_code, region_name,
           client_type, service_key, channel_key, SUM(tx_count) AS tx_count, SUM(success_count) AS success_count,
           SUM(amount_success) AS amount_success, SUM(fee_total) AS fee_total, SUM(fraud_count) AS fraud_count,
           SUM(fraud_amount) AS fraud_amount
      FROM dwh.agg_daily_kpi GROUP BY CAST(date_key / 100 AS INTEGER), 3, 4, 5, 6, 7),
  stored AS (
    SELECT month_key, date_key, country_code, region_name, client_type, service_key, channel_key, tx_count,
           success_count, amount_success, fee_total, fraud_count, fraud_amount FROM dwh.agg_monthly_kpi)
  SELECT COUNT(*) AS n FROM ((SELECT * FROM expected EXCEPT SELECT * FROM stored)
                             UNION ALL (SELECT * FROM stored EXCEPT SELECT * FROM expected)) AS d`;

/** Client filter columns of each grouping set of dwh.agg_cohort_monthly. */
const COHORT_LEVELS = [
  [],
  ["country_code"],
  ["country_code", "region_name"],
  ["client_type"],
  ["country_code", "client_type"],
  ["country_code", "region_name", "client_type"],
];

/**
 * One grouping set of the cohort aggregate recomputed from the daily summary (registrations before the calendar
 * in month 0), minus the stored one and the other way round.
 */
function cohortDifference(level: readonly string[]): string {
  const all = ["country_code", "region_name", "client_type"];
  const registration = (part: string) => `CAST(EXTRACT(${part} FROM r.registration_date) AS INTEGER)`;
  const columns = ["month_key", "registration_month", ...level].join(", ");
  return `
  WITH registered AS (SELECT client_id, MIN(registration_date) AS registration_date FROM dwh.dim_client
                       GROUP BY client_id),
  expected AS (
    SELECT month_key, registration_month, ${level.map((c) => `${c}, `).join("")}COUNT(DISTINCT client_id) AS clients
      FROM (SELECT CAST(s.date_key / 100 AS INTEGER) AS month_key, s.client_id, g.country_code, g.region_name,
                   c.client_type,
                   CASE WHEN r.registration_date < (SELECT MIN(full_date) FROM dwh.dim_date) THEN 0
                        ELSE ${registration("YEAR")} * 100 + ${registration("MONTH")} END AS registration_month
              FROM dwh.fact_daily_client_summary AS s
              JOIN dwh.dim_client AS c ON c.client_key = s.client_key
              JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
              JOIN registered AS r ON r.client_id = s.client_id) AS active
     GROUP BY ${columns}),
  stored AS (
    SELECT ${columns}, clients FROM dwh.agg_cohort_monthly
     WHERE ${all.map((c) => `${c} IS ${level.includes(c) ? "NOT " : ""}NULL`).join(" AND ")})
  SELECT COUNT(*) AS n FROM ((SELECT * FROM expected EXCEPT SELECT * FROM stored)
                             UNION ALL (SELECT * FROM stored EXCEPT SELECT * FROM expected)) AS d`;
}

/** Active clients per (cohort, month) over [from, to] from the daily summary: `cohort month count` lines. */
async function summaryCohorts(wh: Warehouse, filters: Filters, from: number, to: number, firstMonth: number) {
  const where = [`s.date_key BETWEEN ${from} AND ${to}`];
  if (filters.country) where.push(`g.country_code = '${filters.country}'`);
  if (filters.clientType) where.push(`c.client_type = '${filters.clientType}'`);
  const rows = await wh.query<{ cohort: number; month: number; n: number }>(
    `SELECT CASE WHEN r.month < ${firstMonth} THEN 0 ELSE r.month END AS cohort,
            CAST(s.date_key / 100 AS INTEGER) AS month, COUNT(DISTINCT s.client_id) AS n
       FROM dwh.fact_daily_client_summary AS s
       JOIN dwh.dim_client AS c ON c.client_key = s.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
       JOIN (SELECT client_id, MIN(CAST(EXTRACT(YEAR FROM registration_date) AS INTEGER) * 100
                                 + CAST(EXTRACT(MONTH FROM registration_date) AS INTEGER)) AS month
               FROM dwh.dim_client GROUP BY client_id) AS r ON r.client_id = s.client_id
      WHERE ${where.join(" AND ")}
      GROUP BY 1, 2`,
  );
  return rows.map((r) => `${Number(r.cohort)} ${Number(r.month)} ${Number(r.n)}`).sort();
}

/** Distinct clients of the daily summary in [from, to] under the filters, counted the slow way. */
async function summaryActiveClients(wh: Warehouse, filters: Filters, from: number, to: number) {
  return (await summaryActiveByType(wh, filters, from, to)).get("") ?? 0;
}

/** Distinct clients of the daily summary in from-to under the filters, per client type with `byType` (else key ""). */
async function summaryActiveByType(
  wh: Warehouse,
  filters: Filters,
  from: number,
  to: number,
  byType = false,
): Promise<Map<string, number>> {
  const where = [`s.date_key BETWEEN ${from} AND ${to}`];
  if (filters.country) where.push(`g.country_code = '${filters.country}'`);
  if (filters.region) where.push(`g.region_name = '${filters.region}'`);
  if (filters.clientType) where.push(`c.client_type = '${filters.clientType}'`);
  if (filters.channel) where.push(`s.${filters.channel.code.toLowerCase()}_count > 0`);
  const group = byType ? "c.client_type" : "''";
  const rows = await wh.query<{ k: string; n: number }>(
    `SELECT ${group} AS k, COUNT(DISTINCT s.client_id) AS n FROM dwh.fact_daily_client_summary AS s
       JOIN dwh.dim_client AS c ON c.client_key = s.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
      WHERE ${where.join(" AND ")} ${byType ? `GROUP BY ${group}` : ""}`,
  );
  return new Map(rows.map((r) => [String(r.k), Number(r.n)]));
}

let input: { input: string; cleanup(): void };
beforeAll(async () => {
  input = await tinyInput();
});
afterAll(() => input?.cleanup());

for (const engine of ENGINES_UNDER_TEST) {
  describe(`dashboard aggregates on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      await runEtl(wh, { input: input.input });
    });
    afterAll(async () => {
      await wh?.close();
      await db?.drop();
    });

    it("holds the KPIs of the facts per day, region, client type, service and channel", async () => {
      const [kpi] = await wh.query<{ n: number }>("SELECT COUNT(*) AS n FROM dwh.agg_daily_kpi");
      expect(Number(kpi?.n)).toBeGreaterThan(100);
      const [diff] = await wh.query<{ n: number }>(KPI_DIFFERENCE);
      expect(Number(diff?.n)).toBe(0);
      const [months] = await wh.query<{ n: number }>(
        "SELECT COUNT(DISTINCT month_key) AS n FROM dwh.agg_monthly_kpi",
      );
      expect(Number(months?.n)).toBe(24);
      const [monthly] = await wh.query<{ n: number }>(MONTHLY_DIFFERENCE);
      expect(Number(monthly?.n)).toBe(0);
    });

    it("holds each client month per region and type with the client's month totals, as the daily summary has them", async () => {
      const div = engine === "duckdb" ? "//" : "/";
      const client = "OVER (PARTITION BY month_key, client_id)";
      const expected = `
        SELECT month_key, client_id, country_code, region_name, client_type,
               MIN(registration_date) ${client} AS registration_date, active_days,
               SUM(transactions) ${client} AS month_transactions, SUM(value) ${client} AS month_value,
               SUM(fees) ${client} AS month_fees, COUNT(*) ${client} > 1 AS has_other_rows,
               ussd_days, app_days, web_days, api_days, agent_pos_days
          FROM (SELECT s.date_key ${div} 100 AS month_key, s.client_id, g.country_code, g.region_name, c.client_type,
                       MIN(c.registration_date) AS registration_date,
                       SUM(CAST(1 AS BIGINT) << (s.date_key % 100 - 1)) AS active_days,
                       ${["ussd", "app", "web", "api", "agent_pos"]
                         .map(
                           (code) =>
                             `SUM(CASE WHEN s.${code}_count > 0 THEN CAST(1 AS BIGINT) << (s.date_key % 100 - 1) ELSE 0 END) AS ${code}_days`,
                         )
                         .join(", ")},
                       SUM(s.tx_count) AS transactions, SUM(s.amount_success) AS value, SUM(s.fee_total) AS fees
                  FROM dwh.fact_daily_client_summary AS s
                  JOIN dwh.dim_client AS c ON c.client_key = s.client_key
                  JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
                 GROUP BY 1, 2, 3, 4, 5) AS per_row`;
      const stored = `SELECT month_key, client_id, country_code, region_name, client_type, registration_date,
                             active_days, month_transactions, month_value, month_fees, has_other_rows,
                             ussd_days, app_days, web_days, api_days, agent_pos_days
                        FROM dwh.agg_client_monthly`;
      const [diff] = await wh.query<{ missing: number; extra: number; rows: number; other: number }>(
        `SELECT (SELECT COUNT(*) FROM (${expected} EXCEPT ALL ${stored}) AS a) AS missing,
                (SELECT COUNT(*) FROM (${stored} EXCEPT ALL ${expected}) AS b) AS extra,
                (SELECT COUNT(*) FROM dwh.agg_client_monthly) AS rows,
                (SELECT COUNT(*) FROM dwh.agg_client_monthly WHERE has_other_rows) AS other`,
      );
      expect([Number(diff?.missing), Number(diff?.extra)]).toEqual([0, 0]);
      expect(Number(diff?.rows)).toBeGreaterThan(1000);
      // Clients that changed region or type within a month have a row per pair, each flagged.
      expect(Number(diff?.other)).toBeGreaterThan(1);
    });

    it("counts distinct active clients over any range as the daily summary does", async () => {
      const types = await busiestPlace(wh);
      const cases: [Filters, number, number][] = [
        [{ from: "", to: "" }, 20250101, 20251231],
        [{ from: "", to: "" }, 20241117, 20241117],
        [{ from: "", to: "" }, 20200101, 20300101],
        [{ from: "", to: "", clientType: types?.client_type }, 20250301, 20250615],
        [{ from: "", to: "", country: types?.country_code, region: types?.region_name }, 20240101, 20250630],
      ];
      for (const [filters, from, to] of cases) {
        const counts = await activeClientsByRange(wh, filters, [{ fromKey: from, toKey: to }]);
        const expected = await summaryActiveClients(wh, filters, from, to);
        expect(counts.get("")?.[0] ?? 0, `${JSON.stringify(filters)} ${from}-${to}`).toBe(expected);
      }
      expect(await summaryActiveClients(wh, {} as Filters, 20250101, 20251231)).toBeGreaterThan(10);

      // Clients with several rows (they changed region or type) are flagged, and only they are counted distinct.
      const several = "SELECT client_id FROM dwh.agg_client_days GROUP BY client_id HAVING COUNT(*) > 1";
      const [flags] = await wh.query<{ wrong: number; flagged: number }>(
        `SELECT SUM(CASE WHEN has_other_rows = (client_id IN (${several})) THEN 0 ELSE 1 END) AS wrong,
                SUM(CASE WHEN has_other_rows THEN 1 ELSE 0 END) AS flagged FROM dwh.agg_client_days`,
      );
      expect(Number(flags?.wrong)).toBe(0);
      expect(Number(flags?.flagged)).toBeGreaterThan(0);
      // A warehouse whose activity was kept in the former agg_client_activity (a BIGINT[]) has none here:
      // momo init rebuilds it, to the same figures.
      await wh.exec("DELETE FROM dwh.agg_client_days");
      const steps: string[] = [];
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      const [again] = await wh.query<{ wrong: number }>(
        `SELECT SUM(CASE WHEN has_other_rows = (client_id IN (${several})) THEN 0 ELSE 1 END) AS wrong
           FROM dwh.agg_client_days`,
      );
      expect(Number(again?.wrong)).toBe(0);
      for (const [filters, from, to] of cases) {
        const counts = await activeClientsByRange(wh, filters, [{ fromKey: from, toKey: to }]);
        expect(counts.get("")?.[0] ?? 0).toBe(await summaryActiveClients(wh, filters, from, to));
      }
    });

    it("counts distinct active clients through a channel over any ranges at once as the daily summary does", async () => {
      // The channel months hold each activity row's client months with days through the channel.
      const div = engine === "duckdb" ? "//" : "/";
      const [first] = await wh.query<{ k: number }>(
        "SELECT first_date_key AS k FROM dwh.agg_activity_calendar",
      );
      const [y, m] = [Math.floor(Number(first?.k) / 10000), Math.floor(Number(first?.k) / 100) % 100];
      const bit = `(month_key ${div} 100 - ${y}) * 12 + month_key % 100 - ${m}`;
      for (const [code, column] of [
        ["ussd", "ussd_months"],
        ["agent_pos", "agent_pos_months"],
      ]) {
        const [diff] = await wh.query<{ wrong: number; set: number }>(
          `SELECT SUM(CASE WHEN a.${column} = COALESCE(e.months, 0) THEN 0 ELSE 1 END) AS wrong,
                  SUM(CASE WHEN a.${column} <> 0 THEN 1 ELSE 0 END) AS set
             FROM dwh.agg_client_days AS a
             LEFT JOIN (SELECT client_id, country_code, region_name, client_type,
                               SUM(CAST(1 AS BIGINT) << CAST(${bit} AS INTEGER)) AS months
                          FROM dwh.agg_client_monthly WHERE ${code}_days <> 0
                         GROUP BY 1, 2, 3, 4) AS e
               ON e.client_id = a.client_id AND e.country_code = a.country_code
              AND e.region_name = a.region_name AND e.client_type = a.client_type`,
        );
        expect(Number(diff?.wrong), column).toBe(0);
        expect(Number(diff?.set), column).toBeGreaterThan(10);
      }
      const channels = await wh.query<{ channel_key: number; channel_code: string; channel_name_en: string }>(
        "SELECT channel_key, channel_code, channel_name_en FROM dwh.dim_channel WHERE channel_code IN ('USSD', 'AGENT_POS')",
      );
      expect(channels.length).toBe(2);
      // Whole months, part of two months with none whole, single days, whole months with partial ends, and
      // ranges reaching past the calendar, in one call: each range has its own flags in the join.
      const ranges = [
        [20250101, 20251231],
        [20250115, 20250210],
        [20241117, 20241117],
        [20250301, 20250531],
        [20240305, 20250620],
        [20200101, 20300101],
        [20251231, 20251231],
      ].map(([fromKey, toKey]) => ({ fromKey: fromKey as number, toKey: toKey as number }));
      let seen = 0;
      for (const channel of channels) {
        const filters: Filters = {
          from: "",
          to: "",
          channel: {
            key: Number(channel.channel_key),
            code: channel.channel_code,
            name: channel.channel_name_en,
          },
        };
        const counts = await activeClientsByRange(wh, filters, ranges);
        const byType = await activeClientsByRange(wh, filters, ranges, "clientType");
        for (const [i, range] of ranges.entries()) {
          const what = `${channel.channel_code} ${range.fromKey}-${range.toKey}`;
          const expected = await summaryActiveByType(wh, filters, range.fromKey, range.toKey, true);
          const total = await summaryActiveClients(wh, filters, range.fromKey, range.toKey);
          expect(counts.get("")?.[i] ?? 0, what).toBe(total);
          for (const [type, n] of expected) expect(byType.get(type)?.[i], `${what} ${type}`).toBe(n);
          seen += total;
        }
      }
      expect(seen).toBeGreaterThan(100);
    });

    it("counts active clients per month and registration month for every combination of client filters", async () => {
      for (const level of COHORT_LEVELS) {
        const [diff] = await wh.query<{ n: number }>(cohortDifference(level));
        expect(Number(diff?.n), level.join(", ")).toBe(0);
      }
      const [rows] = await wh.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM dwh.agg_cohort_monthly WHERE client_type IS NOT NULL",
      );
      expect(Number(rows?.n)).toBeGreaterThan(100);
    });

    it("answers the cohorts from whole months and partial ones as the daily summary does", async () => {
      const reference = await loadReference(wh);
      const first = String(reference.dataRange.first);
      const firstMonth = Number(first.slice(0, 4)) * 100 + Number(first.slice(5, 7));
      const [busiest] = await wh.query<{ country_code: string; client_type: string }>(
        "SELECT country_code, client_type FROM dwh.agg_client_days GROUP BY 1, 2 ORDER BY COUNT(*) DESC LIMIT 1",
      );
      const cases: [Filters, number, number][] = [
        [{ from: "2025-01-15", to: "2025-04-10" }, 20250115, 20250410],
        [{ from: "2024-03-01", to: "2024-08-31" }, 20240301, 20240831],
        [{ from: "2024-06-05", to: "2024-06-20", country: busiest?.country_code }, 20240605, 20240620],
        [
          {
            from: "2024-11-20",
            to: "2025-02-28",
            country: busiest?.country_code,
            clientType: busiest?.client_type,
          },
          20241120,
          20250228,
        ],
      ];
      for (const [filters, from, to] of cases) {
        const body = await registrationCohorts(wh, filters, reference);
        const got = body.cohorts.flatMap((c) =>
          body.months.flatMap((m, i) => {
            const cohort = c.cohort.startsWith("before") ? 0 : Number(c.cohort.replace("-", ""));
            const active = c.active[i] ?? 0;
            return active > 0 ? [`${cohort} ${m.replace("-", "")} ${active}`] : [];
          }),
        );
        const expected = await summaryCohorts(wh, filters, from, to, firstMonth);
        expect(got.sort(), JSON.stringify(filters)).toEqual(expected);
        expect(expected.length).toBeGreaterThan(2);
        const [current] = await wh.query<{ n: number }>(
          `SELECT COUNT(*) AS n FROM dwh.dim_client AS c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
            WHERE c.is_current AND c.registration_date <= CAST($1 AS DATE)
              AND g.country_code = COALESCE($2, g.country_code) AND c.client_type = COALESCE($3, c.client_type)`,
          [filters.to, filters.country ?? null, filters.clientType ?? null],
        );
        expect(body.cohorts.reduce((sum, c) => sum + c.size, 0)).toBe(Number(current?.n));
      }
      // The sizes' months before the last come from the registrations per month, which momo init writes when
      // they are missing (and momo serve asks for until then).
      const sizes = async () => (await registrationCohorts(wh, cases[3]?.[0] as Filters, reference)).cohorts;
      const before = await sizes();
      expect(before.filter((c) => c.size > 0).length).toBeGreaterThan(3);
      await wh.exec("DELETE FROM dwh.agg_client_registrations");
      await expect(checkServedSchema(wh)).rejects.toThrow("dwh.agg_client_registrations");
      const steps: string[] = [];
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      expect(await sizes()).toEqual(before);
    });

    // DuckDB only: PostgreSQL searches dim_client by a trigram index.
    if (engine === "duckdb")
      it("holds the current clients with their lower-case names for the search, in client_id order, uncompressed", async () => {
        const current = `SELECT c.client_id, LOWER(c.client_name) AS search_name, c.client_name, c.client_type, g.region_name
          FROM dwh.dim_client AS c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
         WHERE c.is_current ORDER BY c.client_id`;
        const expected = await wh.query(current);
        const [versions] = await wh.query<{ n: number }>("SELECT COUNT(*) AS n FROM dwh.dim_client");
        expect(Number(versions?.n)).toBeGreaterThan(expected.length);
        const stored = "SELECT * FROM dwh.agg_client_search";
        expect(await wh.query(stored)).toEqual(expected);
        await wh.exec("CHECKPOINT");
        const [storage] = await wh.query<{ compression: string }>(
          `SELECT DISTINCT compression FROM pragma_storage_info('dwh.agg_client_search')
            WHERE column_name = 'search_name' AND segment_type = 'VARCHAR'`,
        );
        expect(storage?.compression).toBe("Uncompressed");
        // Missing (an older warehouse): momo serve asks for momo init, which writes it.
        await wh.exec("DELETE FROM dwh.agg_client_search");
        await expect(checkServedSchema(wh)).rejects.toThrow("dwh.agg_client_search");
        await initWarehouse(wh, () => {});
        expect(await wh.query(stored)).toEqual(expected);
      });

    it("rebuilds to the same rows in statements of a few months and clients each", async () => {
      const tables = [
        "agg_daily_kpi",
        "agg_monthly_kpi",
        "agg_client_monthly",
        "agg_client_days",
        "agg_cohort_monthly",
      ];
      for (const table of tables)
        await wh.exec(`CREATE TABLE dwh.before_${table} AS SELECT * FROM dwh.${table}`);
      const [months] = await wh.query<{ n: number }>(
        "SELECT MAX(n) AS n FROM (SELECT COUNT(*) AS n FROM dwh.fact_daily_client_summary GROUP BY date_key - date_key % 100) AS m",
      );
      const statementSize = { summaryRows: 2 * Number(months?.n), clients: 40 };
      await wh.transaction((tx) => refreshServingAggregates(tx, { all: true, statementSize }));
      for (const table of tables) {
        const [diff] = await wh.query<{ n: number; rows: number }>(
          `SELECT (SELECT COUNT(*) FROM ((SELECT * FROM dwh.${table} EXCEPT SELECT * FROM dwh.before_${table})
                   UNION ALL (SELECT * FROM dwh.before_${table} EXCEPT SELECT * FROM dwh.${table})) AS d) AS n,
                  (SELECT COUNT(*) FROM dwh.${table}) AS rows`,
        );
        expect(Number(diff?.n), table).toBe(0);
        expect(Number(diff?.rows), table).toBeGreaterThan(40);
        await wh.exec(`DROP TABLE dwh.before_${table}`);
      }
    });

    it("rebuilds the touched days alone to the same rows, and backfills a warehouse that lacks them", async () => {
      const before = await wh.query("SELECT COUNT(*) AS n, SUM(tx_count) AS tx FROM dwh.agg_daily_kpi");
      await wh.transaction(async (tx) => {
        await tx.exec(`CREATE SCHEMA IF NOT EXISTS dwh_stage;
          DROP TABLE IF EXISTS dwh_stage.touched_days;
          CREATE TABLE dwh_stage.touched_days (date_key INTEGER NOT NULL);
          INSERT INTO dwh_stage.touched_days SELECT DISTINCT date_key FROM dwh.agg_daily_kpi
            WHERE date_key BETWEEN 20250301 AND 20250310;
          DELETE FROM dwh.agg_daily_kpi WHERE date_key BETWEEN 20250301 AND 20250310;
          UPDATE dwh.agg_monthly_kpi SET tx_count = 0 WHERE month_key = 202503;
          UPDATE dwh.agg_cohort_monthly SET clients = 0 WHERE month_key = 202503;
          UPDATE dwh.agg_client_monthly SET active_days = 0 WHERE month_key = 202503;
          DELETE FROM dwh.agg_client_days WHERE client_id IN
            (SELECT client_id FROM dwh.fact_daily_client_summary WHERE date_key BETWEEN 20250301 AND 20250310)`);
        const refresh = await refreshServingAggregates(tx);
        expect(refresh.full).toBe(false);
        await tx.exec("DROP TABLE dwh_stage.touched_days");
      });
      expect(await wh.query("SELECT COUNT(*) AS n, SUM(tx_count) AS tx FROM dwh.agg_daily_kpi")).toEqual(
        before,
      );
      const [diff] = await wh.query<{ n: number }>(KPI_DIFFERENCE);
      expect(Number(diff?.n)).toBe(0);
      const [monthly] = await wh.query<{ n: number }>(MONTHLY_DIFFERENCE);
      expect(Number(monthly?.n)).toBe(0);
      for (const level of COHORT_LEVELS) {
        const [cohorts] = await wh.query<{ n: number }>(cohortDifference(level));
        expect(Number(cohorts?.n), level.join(", ")).toBe(0);
      }
      const all = await activeClientsByRange(wh, { from: "", to: "" }, [
        { fromKey: 20000101, toKey: 20991231 },
      ]);
      expect(all.get("")?.[0]).toBe(await summaryActiveClients(wh, {} as Filters, 20000101, 20991231));

      await wh.exec(
        "DELETE FROM dwh.agg_daily_kpi; DELETE FROM dwh.agg_client_days; DELETE FROM dwh.agg_activity_calendar",
      );
      const steps: string[] = [];
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      expect(await wh.query("SELECT COUNT(*) AS n, SUM(tx_count) AS tx FROM dwh.agg_daily_kpi")).toEqual(
        before,
      );
      steps.length = 0;
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).not.toContain("dwh dashboard aggregates (built once)");

      await wh.exec("DELETE FROM dwh.agg_monthly_kpi");
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      const [backfilled] = await wh.query<{ n: number }>(MONTHLY_DIFFERENCE);
      expect(Number(backfilled?.n)).toBe(0);
      // A warehouse from before the cohort aggregate (and the client months' day bits) is rebuilt too.
      await wh.exec("DELETE FROM dwh.agg_cohort_monthly; UPDATE dwh.agg_client_monthly SET active_days = 0");
      steps.length = 0;
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      const [cohorts] = await wh.query<{ n: number }>(cohortDifference(COHORT_LEVELS[5] ?? []));
      expect(Number(cohorts?.n)).toBe(0);
      const [bits] = await wh.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM dwh.agg_client_monthly WHERE active_days IS NULL OR active_days = 0",
      );
      expect(Number(bits?.n)).toBe(0);
      const [backfilledMonths] = await wh.query<{ n: number }>(
        "SELECT COUNT(DISTINCT month_key) AS n FROM dwh.agg_monthly_kpi",
      );
      expect(Number(backfilledMonths?.n)).toBe(24);
      // A warehouse from before the client months' channel days: init adds them, NULL, and rebuilds.
      await wh.exec(
        ["ussd", "app", "web", "api", "agent_pos"]
          .map((code) => `ALTER TABLE dwh.agg_client_monthly DROP COLUMN ${code}_days;`)
          .join("\n"),
      );
      steps.length = 0;
      await initWarehouse(wh, (step) => steps.push(step));
      expect(steps).toContain("dwh dashboard aggregates (built once)");
      const [channels] = await wh.query<{ missing: number; ussd: number }>(
        `SELECT COUNT(*) FILTER (WHERE ussd_days IS NULL OR agent_pos_days IS NULL) AS missing,
                COUNT(*) FILTER (WHERE ussd_days <> 0) AS ussd FROM dwh.agg_client_monthly`,
      );
      expect(Number(channels?.missing)).toBe(0);
      expect(Number(channels?.ussd)).toBeGreaterThan(0);
    });
  });
}
