import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate, type Manifest } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-etl-robust-"));
const csvInput = join(root, "csv");
const parquetInput = join(root, "parquet");
const paysimFile = join(root, "paysim.csv");
let manifest: Manifest;

beforeAll(async () => {
  const options = {
    scale: "tiny",
    seed: 5,
    clients: 400,
    transactions: 8000,
    months: 3,
    dirtyRate: 0.01,
  } as const;
  manifest = await generate(resolveGenerateOptions({ ...options, out: csvInput }));
  await generate(resolveGenerateOptions({ ...options, format: "parquet", out: parquetInput }));
  writeFileSync(
    paysimFile,
    [
      "step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud",
      "1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0",
      "1,PAYMENT,1864.28,C1666544295,21249.0,19384.72,M2044282225,0.0,0.0,0,0",
      "1,TRANSFER,181.0,C1305486145,181.0,0.0,C553264065,0.0,0.0,1,0",
      "1,CASH_OUT,181.0,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0",
      "2,CASH_IN,229133.94,C905080434,15325.0,244458.94,C476402209,5083.0,51513.44,0,0",
      "3,DEBIT,5337.77,C712410124,41720.0,36382.23,C195600860,41898.0,40348.79,0,0",
      "3,REFUND,10.0,C1,0.0,0.0,C2,0.0,0.0,0,0",
      "4,PAYMENT,0.00,C1305486145,0.0,0.0,M1979787155,0.0,0.0,0,0",
      "5,TRANSFER,1000.0,C1305486145,1000.0,0.0",
      "",
    ].join("\n"),
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const count = async (wh: Warehouse, sql: string) => Number((await wh.query<{ n: number }>(sql))[0]?.n);

for (const engine of ENGINES_UNDER_TEST) {
  describe(`ETL robustness on ${engine}`, () => {
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

    it("leaves nothing of a batch that fails half-way, logs it as failed, and loads it on the next run", async () => {
      const crash = new Error("injected failure");
      await expect(
        runEtl(wh, {
          input: csvInput,
          // A group per month: by half the records, earlier months' facts were published (on PostgreSQL,
          // COPYed from the DuckDB aside and attached) inside the batch's transaction.
          stageGroupBytes: 1,
          onProgress: (p) => {
            if (p.stage === "transactions" && p.records > manifest.counts.transactions / 2) throw crash;
          },
        }),
      ).rejects.toBe(crash);
      for (const table of [
        "dwh.fact_transactions",
        "dwh.dim_client",
        "dwh.fact_daily_client_summary",
        "dwh_audit.etl_rejects",
      ]) {
        expect(await count(wh, `SELECT COUNT(*) AS n FROM ${table}`), table).toBe(0);
      }
      const [failed] = await wh.query<Row>("SELECT status, message FROM dwh_audit.etl_batches");
      expect(failed).toEqual({ status: "failed", message: "injected failure" });

      const retry = await runEtl(wh, { input: csvInput });
      expect(retry.status).toBe("succeeded");
      expect(await count(wh, "SELECT COUNT(*) AS n FROM dwh.fact_transactions")).toBe(
        manifest.counts.transactions,
      );
    });

    it("loads the same rows from Parquet as from CSV, and rejects the Parquet copies as duplicates", async () => {
      const result = await runEtl(wh, { input: parquetInput });
      expect(result.counts.rows_in).toBe(manifest.counts.transactionFileRows);
      expect(result.counts.rows_loaded).toBe(0);
      expect(result.rejects["transaction:duplicate_id"]).toBe(
        manifest.counts.transactions + (manifest.dirtyByKind.duplicate_id ?? 0),
      );
      expect(result.counts.clients_loaded).toBe(manifest.counts.clients);
      expect(result.counts.changes_loaded).toBe(manifest.counts.clientChanges);
    });

    it("loads a PaySim export, registering its accounts and quarantining what it cannot map", async () => {
      const result = await runEtl(wh, { input: paysimFile, format: "paysim" });
      expect(result.counts).toMatchObject({ rows_in: 9, rows_loaded: 6, rows_rejected: 3 });
      expect(result.rejects).toEqual({
        "transaction:unknown_service": 1,
        "transaction:out_of_range": 1,
        "transaction:broken_line": 1,
      });
      const facts = await wh.query<Row>(
        `SELECT f.client_id, s.service_code, f.amount, f.is_fraud, f.fraud_type, CAST(f.transaction_at AS VARCHAR) AS at
           FROM dwh.fact_transactions AS f JOIN dwh.dim_service AS s ON s.service_key = f.service_key
          WHERE f.transaction_id LIKE 'PS%' ORDER BY f.transaction_id`,
      );
      expect(facts).toHaveLength(6);
      expect(facts.map((f) => f.service_code).sort()).toEqual([
        "AGENT_CASH_IN",
        "AGENT_CASH_OUT",
        "B2B_TRANSFER",
        "MERCHANT_PAYMENT",
        "MERCHANT_PAYMENT",
        "WALLET_TO_BANK",
      ]);
      expect(
        facts
          .filter((f) => f.is_fraud)
          .map((f) => f.fraud_type)
          .sort(),
      ).toEqual(["account_takeover", "mule_account"]);
      expect(facts.every((f) => String(f.at).startsWith("2024-01-01"))).toBe(true);
      expect(
        await count(
          wh,
          "SELECT COUNT(*) AS n FROM dwh.dim_client WHERE client_id IN ('M1979787155', 'C553264065')",
        ),
      ).toBe(2);
    });

    it("stops with the file being read when interrupted while the workers stage transactions", async () => {
      const other = join(root, `interrupted-${engine}`);
      await generate(
        resolveGenerateOptions({
          scale: "tiny",
          seed: 6,
          clients: 200,
          transactions: 3000,
          months: 2,
          out: other,
        }),
      );
      const stop = new AbortController();
      const before = await count(wh, "SELECT COUNT(*) AS n FROM dwh.fact_transactions");
      const run = runEtl(wh, {
        input: other,
        signal: stop.signal,
        onProgress: (p) => {
          if (p.stage === "transactions" && p.records > 0) stop.abort();
        },
      });
      await expect(run).rejects.toThrow(
        /^interrupted while reading transactions\/month=\d{4}-\d{2}\/part-\d+\.csv$/,
      );
      expect(await count(wh, "SELECT COUNT(*) AS n FROM dwh.fact_transactions")).toBe(before);
    });
  });
}
