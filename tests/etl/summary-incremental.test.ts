import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { client, payment, writeInput } from "./fixtures.ts";

/**
 * The daily summary of days measured from the stage (their only rows are a group's) and of days measured
 * from the facts (rows from an earlier batch, or from an earlier group of the same batch) must both equal
 * an aggregate of the facts.
 */
const root = mkdtempSync(join(tmpdir(), "momo-summary-inc-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const first = writeInput(join(root, "first"), {
  clients: [client("C1"), client("C2")],
  transactions: {
    "2024-03": [
      payment("T1", "2024-03-01 08:00:00", "C1", 1000),
      payment("T2", "2024-03-01 09:30:00", "C1", 2500),
      payment("T3", "2024-03-02 10:00:00", "C2", 700),
    ],
  },
});
// Adds rows to a day the first batch loaded (2024-03-02) and to a new one.
const second = writeInput(join(root, "second"), {
  transactions: {
    "2024-03": [
      `T4,2024-03-02 11:00:00,C2,C1,,B2B_TRANSFER,WEB,FAILED_TECHNICAL,9000,0,XOF,,D2,CI-ABOBO,0,`,
      payment("T5", "2024-03-02 23:59:00", "C1", 400),
      payment("T6", "2024-03-03 07:00:00", "C2", 100),
    ],
  },
});
// Two PaySim files are two groups of one batch, both on 2024-04-01 (step 1).
const paysim = join(root, "paysim");
mkdirSync(paysim);
const PAYSIM_HEADER =
  "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud";
writeFileSync(
  join(paysim, "a.csv"),
  [PAYSIM_HEADER, "1,PAYMENT,100.0,C11,0,0,M21,0,0,0,0", "1,TRANSFER,50.0,C11,0,0,C12,0,0,0,0", ""].join(
    "\n",
  ),
);
writeFileSync(
  join(paysim, "b.csv"),
  [PAYSIM_HEADER, "1,PAYMENT,75.5,C11,0,0,M22,0,0,0,0", "2,CASH_IN,20.0,C12,0,0,M21,0,0,0,0", ""].join("\n"),
);

const SUMMARY = `SELECT date_key, client_id, tx_count, success_count, failed_count, distinct_counterparties,
    distinct_services, amount_total, amount_success, fee_total, max_amount, first_time_key, last_time_key
  FROM dwh.fact_daily_client_summary ORDER BY date_key, client_id`;
const FROM_FACTS = `SELECT f.date_key, f.client_id, COUNT(*) AS tx_count,
    SUM(CASE WHEN st.status_group = 'success' THEN 1 ELSE 0 END) AS success_count,
    SUM(CASE WHEN st.status_group IN ('failed', 'blocked') THEN 1 ELSE 0 END) AS failed_count,
    COUNT(DISTINCT COALESCE(f.counterparty_client_id, f.counterparty_ref)) AS distinct_counterparties,
    COUNT(DISTINCT f.service_key) AS distinct_services, SUM(f.amount) AS amount_total,
    COALESCE(SUM(CASE WHEN st.status_group = 'success' THEN f.amount END), 0) AS amount_success,
    COALESCE(SUM(CASE WHEN st.status_group = 'success' THEN f.fee END), 0) AS fee_total,
    MAX(f.amount) AS max_amount, MIN(f.time_key) AS first_time_key, MAX(f.time_key) AS last_time_key
  FROM dwh.fact_transactions AS f JOIN dwh.dim_transaction_status AS st ON st.status_key = f.status_key
 GROUP BY f.date_key, f.client_id ORDER BY f.date_key, f.client_id`;

for (const engine of ENGINES_UNDER_TEST) {
  describe(`daily summary across batches and groups on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
    });
    afterAll(async () => {
      await wh.close();
      await db.drop();
    });
    const expectSummaryFromFacts = async () => {
      const normal = (rows: Row[]) =>
        rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
      expect(normal(await wh.query(SUMMARY))).toEqual(normal(await wh.query(FROM_FACTS)));
    };

    it("summarises a first load from its stage", async () => {
      expect((await runEtl(wh, { input: first })).counts.rows_loaded).toBe(3);
      await expectSummaryFromFacts();
    });

    it("adds a later batch's rows to the days it shares with the facts", async () => {
      const result = await runEtl(wh, { input: second });
      expect(result.counts).toMatchObject({ rows_loaded: 3, summary_days_rebuilt: 2 });
      await expectSummaryFromFacts();
      const [day] = await wh.query<Row>(
        "SELECT tx_count, distinct_counterparties FROM dwh.fact_daily_client_summary WHERE client_id = 'C2' AND date_key = 20240302",
      );
      expect(day).toEqual({ tx_count: 2, distinct_counterparties: 2 });
    });

    it("measures a day that two groups of one batch share from the facts", async () => {
      const result = await runEtl(wh, { input: paysim, format: "paysim", paysim: { start: "2024-04-01" } });
      expect(result.counts).toMatchObject({ rows_loaded: 4, rows_rejected: 0 });
      await expectSummaryFromFacts();
      const [day] = await wh.query<Row>(
        "SELECT tx_count, amount_total FROM dwh.fact_daily_client_summary WHERE client_id = 'C11' AND date_key = 20240401",
      );
      expect({ ...day, amount_total: String(day?.amount_total) }).toEqual({
        tx_count: 3,
        amount_total: "225.50",
      });
    });
  });
}
