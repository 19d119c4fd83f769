import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { DIRTY_KINDS } from "../../src/generate/catalog.ts";
import { generate, type Manifest } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import type { Engine, Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-etl-"));
const input = join(root, "raw");
let manifest: Manifest;
const loaded = new Map<Engine, { db: TestDatabase; wh: Warehouse }>();

beforeAll(async () => {
  manifest = await generate(
    resolveGenerateOptions({ scale: "tiny", seed: 11, dirtyRate: 0.004, out: input }),
  );
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    const wh = await db.open();
    await runEtl(wh, { input });
    loaded.set(engine, { db, wh });
  }
});

afterAll(async () => {
  for (const { db, wh } of loaded.values()) {
    await wh.close();
    await db.drop();
  }
  rmSync(root, { recursive: true, force: true });
});

const wh = (engine: Engine) => (loaded.get(engine) as { wh: Warehouse }).wh;
const count = async (w: Warehouse, sql: string, params: unknown[] = []) =>
  Number((await w.query<{ n: number }>(sql, params as never))[0]?.n);

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo etl run of generated files on ${engine}`, () => {
    it("loads every clean transaction and quarantines each dirty kind under its own reason", async () => {
      expect(await count(wh(engine), "SELECT COUNT(*) AS n FROM dwh.fact_transactions")).toBe(
        manifest.counts.transactions,
      );
      const reasons = await wh(engine).query<{ reason: string; n: number }>(
        "SELECT reason, COUNT(*) AS n FROM dwh_audit.etl_rejects GROUP BY reason",
      );
      const byReason = Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)]));
      for (const kind of DIRTY_KINDS) expect(byReason[kind] ?? 0, kind).toBe(manifest.dirtyByKind[kind] ?? 0);
      expect(Object.keys(byReason).sort()).toEqual(
        DIRTY_KINDS.filter((k) => (manifest.dirtyByKind[k] ?? 0) > 0).sort(),
      );
    });

    it("keeps each rejected record exactly as it stands in its file, with the file, line and field", async () => {
      const rejects = await wh(engine).query<{
        source_file: string;
        line_number: number;
        field: string | null;
        reason: string;
        raw_record: string;
        message: string;
      }>("SELECT * FROM dwh_audit.etl_rejects ORDER BY source_file, line_number");
      for (const r of rejects) {
        const lines = readFileSync(join(input, r.source_file), "utf8").split("\n");
        expect(lines[r.line_number - 1], `${r.source_file}:${r.line_number}`).toBe(r.raw_record);
        expect(r.message.length).toBeGreaterThan(10);
      }
      const fields = Object.fromEntries(rejects.map((r) => [r.reason, r.field]));
      expect(fields).toMatchObject({
        malformed_amount: "amount",
        malformed_date: "transaction_at",
        unknown_client: "client_id",
        unknown_service: "service_code",
        duplicate_id: "transaction_id",
        broken_line: null,
      });
    });

    if (engine === "postgres")
      it("leaves the dimensions analysed for the planner", async () => {
        const analysed = await wh(engine).query<{ relname: string }>(
          `SELECT relname FROM pg_stat_user_tables
          WHERE schemaname = 'dwh' AND relname LIKE 'dim%' AND last_analyze IS NOT NULL ORDER BY relname`,
        );
        expect(analysed.map((r) => r.relname)).toEqual([
          "dim_channel",
          "dim_client",
          "dim_date",
          "dim_geography",
          "dim_service",
          "dim_time",
          "dim_transaction_status",
        ]);
      });

    it("logs a batch whose counts reconcile: in = loaded + rejected", async () => {
      const [batch] = await wh(engine).query<Row>(
        "SELECT * FROM dwh_audit.etl_batches WHERE status = 'succeeded'",
      );
      expect(batch).toMatchObject({
        rows_in: manifest.counts.transactionFileRows,
        rows_loaded: manifest.counts.transactions,
        rows_rejected: manifest.counts.dirtyRows,
        clients_in: manifest.counts.clients,
        clients_loaded: manifest.counts.clients,
        changes_in: manifest.counts.clientChanges,
        changes_loaded: manifest.counts.clientChanges,
      });
      expect(batch?.finished_at).not.toBeNull();
    });

    it("points every fact at the client version valid at its time and keys every dimension", async () => {
      const misfiled = await count(
        wh(engine),
        `SELECT COUNT(*) AS n FROM dwh.fact_transactions AS f JOIN dwh.dim_client AS c ON c.client_key = f.client_key
          WHERE c.client_id <> f.client_id OR f.transaction_at < c.valid_from OR f.transaction_at >= c.valid_to`,
      );
      expect(misfiled).toBe(0);
      const orphans = await count(
        wh(engine),
        `SELECT COUNT(*) AS n FROM dwh.fact_transactions AS f
          LEFT JOIN dwh.dim_date AS d ON d.date_key = f.date_key
          LEFT JOIN dwh.dim_time AS t ON t.time_key = f.time_key
          LEFT JOIN dwh.dim_client AS cp ON cp.client_key = f.counterparty_client_key
         WHERE d.date_key IS NULL OR t.time_key IS NULL
            OR (f.counterparty_client_id IS NOT NULL AND cp.client_id IS DISTINCT FROM f.counterparty_client_id)`,
      );
      expect(orphans).toBe(0);
      const chains = await count(
        wh(engine),
        `SELECT COUNT(*) AS n FROM (SELECT client_id FROM dwh.dim_client GROUP BY client_id
          HAVING SUM(CASE WHEN is_current THEN 1 ELSE 0 END) <> 1 OR MAX(version) <> COUNT(*)) AS bad`,
      );
      expect(chains).toBe(0);
    });

    it("summarises each client and day from the facts", async () => {
      const [totals] = await wh(engine).query<{ tx: number; fraud: number; rows: number; dupes: number }>(
        `SELECT SUM(tx_count) AS tx, SUM(fraud_count) AS fraud, COUNT(*) AS rows,
                COUNT(*) - COUNT(DISTINCT client_id || '/' || CAST(date_key AS VARCHAR)) AS dupes
           FROM dwh.fact_daily_client_summary`,
      );
      expect(Number(totals?.tx)).toBe(manifest.counts.transactions);
      expect(Number(totals?.fraud)).toBe(manifest.counts.fraudTransactions);
      expect(Number(totals?.dupes)).toBe(0);
    });

    it("counts distinct counterparties and services per client-day as COUNT(DISTINCT …) does", async () => {
      // The ETL derives them from MIN/MAX where a client-day has at most 2 values and counts the rest.
      const reference = `SELECT date_key, client_id,
            COUNT(DISTINCT COALESCE(counterparty_client_id, counterparty_ref)) AS cp,
            COUNT(DISTINCT service_key) AS sv, COUNT(*) AS n
          FROM dwh.fact_transactions GROUP BY date_key, client_id`;
      const [check] = await wh(engine).query<{ wrong: number; busy: number; missing: number }>(
        `SELECT SUM(CASE WHEN s.distinct_counterparties <> r.cp OR s.distinct_services <> r.sv THEN 1 ELSE 0 END) AS wrong,
                SUM(CASE WHEN r.n > 2 AND r.sv > 1 THEN 1 ELSE 0 END) AS busy,
                SUM(CASE WHEN s.client_id IS NULL THEN 1 ELSE 0 END) AS missing
           FROM (${reference}) AS r
           LEFT JOIN dwh.fact_daily_client_summary AS s ON s.date_key = r.date_key AND s.client_id = r.client_id`,
      );
      expect(Number(check?.wrong)).toBe(0);
      expect(Number(check?.missing)).toBe(0);
      expect(Number(check?.busy)).toBeGreaterThan(0);
    });

    it("skips an input it has already loaded, and says so", async () => {
      const before = await count(wh(engine), "SELECT COUNT(*) AS n FROM dwh.fact_transactions");
      const again = await runEtl(wh(engine), { input });
      expect(again.status).toBe("skipped");
      expect(again.loadedBy).toBe(1);
      expect(await count(wh(engine), "SELECT COUNT(*) AS n FROM dwh.fact_transactions")).toBe(before);
      const [log] = await wh(engine).query<Row>(
        "SELECT status, message FROM dwh_audit.etl_batches WHERE batch_id = $1",
        [again.batchId],
      );
      expect(log).toEqual({ status: "skipped", message: "input already loaded by batch 1" });
    });
  });
}

describe.runIf(ENGINES_UNDER_TEST.length === 2)("the same input on DuckDB and PostgreSQL", () => {
  it("gives identical daily summaries and KPIs", async () => {
    const summary = `SELECT date_key, client_id, client_key, geography_key, tx_count, success_count, failed_count,
        reversed_count, fraud_count, distinct_counterparties, distinct_services, ussd_count, app_count, web_count,
        api_count, agent_pos_count, amount_total, amount_success, amount_in_success, amount_out_success, fee_total,
        max_amount, fraud_amount, first_time_key, last_time_key
      FROM dwh.fact_daily_client_summary ORDER BY date_key, client_id`;
    const [duck, pg] = [await wh("duckdb").query(summary), await wh("postgres").query(summary)];
    expect(duck.length).toBeGreaterThan(1000);
    expect(pg).toEqual(duck);
    const kpi = "SELECT * FROM dwh.v_kpi_overview ORDER BY year_month";
    expect(await wh("postgres").query(kpi)).toEqual(await wh("duckdb").query(kpi));
    const versions =
      "SELECT client_key, client_id, version, valid_from, valid_to, tier, status FROM dwh.dim_client ORDER BY client_key";
    expect(await wh("postgres").query(versions)).toEqual(await wh("duckdb").query(versions));
  });
});
