import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { activeClientsByRange } from "../../src/serve/active-clients.ts";
import type { Filters } from "../../src/serve/filters.ts";
import { refreshServingAggregates } from "../../src/warehouse/serving-aggregates.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tinyInput } from "../serve/fixtures.ts";
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

/** Distinct clients of the daily summary in [from, to] under the filters, counted the slow way. */
async function summaryActiveClients(wh: Warehouse, filters: Filters, from: number, to: number) {
  const where = [`s.date_key BETWEEN ${from} AND ${to}`];
  if (filters.country) where.push(`g.country_code = '${filters.country}'`);
  if (filters.region) where.push(`g.region_name = '${filters.region}'`);
  if (filters.clientType) where.push(`c.client_type = '${filters.clientType}'`);
  const [row] = await wh.query<{ n: number }>(
    `SELECT COUNT(DISTINCT s.client_id) AS n FROM dwh.fact_daily_client_summary AS s
       JOIN dwh.dim_client AS c ON c.client_key = s.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
      WHERE ${where.join(" AND ")}`,
  );
  return Number(row?.n);
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

    it("counts distinct active clients over any range as the daily summary does", async () => {
      const [types] = await wh.query<{ client_type: string; country_code: string; region_name: string }>(
        `SELECT c.client_type, g.country_code, g.region_name FROM dwh.fact_daily_client_summary AS s
           JOIN dwh.dim_client AS c ON c.client_key = s.client_key
           JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
          GROUP BY 1, 2, 3 ORDER BY COUNT(*) DESC LIMIT 1`,
      );
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
      const [backfilledMonths] = await wh.query<{ n: number }>(
        "SELECT COUNT(DISTINCT month_key) AS n FROM dwh.agg_monthly_kpi",
      );
      expect(Number(backfilledMonths?.n)).toBe(24);
    });
  });
}
