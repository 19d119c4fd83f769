import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { client, payment, writeInput } from "./fixtures.ts";

// A transaction id repeated in a later month: with one group per month, the repeat meets the first in the
// facts of the same batch (DuckDB looks those up by the hashes of the ids its earlier groups loaded), and in
// a later batch, in the facts of an earlier one.

const root = mkdtempSync(join(tmpdir(), "momo-dup-groups-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const first = writeInput(join(root, "first"), {
  clients: [client("C1"), client("C2")],
  transactions: {
    "2024-02": [payment("T1", "2024-02-01 08:00:00", "C1"), payment("T2", "2024-02-03 08:00:00", "C2")],
    "2024-03": [payment("T3", "2024-03-01 08:00:00", "C1")],
    // T1 again, on another day, and T2 again with the same content: both repeat an earlier group's fact.
    "2024-04": [
      payment("T1", "2024-04-02 08:00:00", "C2"),
      payment("T2", "2024-02-03 08:00:00", "C2"),
      payment("T4", "2024-04-03 08:00:00", "C2"),
    ],
  },
});
const second = writeInput(join(root, "second"), {
  transactions: {
    "2024-05": [payment("T3", "2024-05-01 08:00:00", "C1"), payment("T5", "2024-05-02 08:00:00", "C1")],
  },
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`duplicate transaction ids across groups on ${engine}`, () => {
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

    it("refuses an id an earlier group of the same batch loaded, and one an earlier batch loaded", async () => {
      const a = await runEtl(wh, { input: first, stageGroupBytes: 1 });
      expect(a.counts).toMatchObject({ rows_in: 6, rows_loaded: 4, rows_rejected: 2 });
      const b = await runEtl(wh, { input: second, stageGroupBytes: 1 });
      expect(b.counts).toMatchObject({ rows_in: 2, rows_loaded: 1, rows_rejected: 1 });
      const rejects = await wh.query<Row>(
        `SELECT batch_id, source_file, line_number, field, reason, message FROM dwh_audit.etl_rejects
          ORDER BY batch_id, source_file, line_number`,
      );
      expect(
        rejects.map((r) => ({ ...r, batch_id: Number(r.batch_id), line_number: Number(r.line_number) })),
      ).toEqual([
        {
          batch_id: a.batchId,
          source_file: "transactions/month=2024-04/part-0.csv",
          line_number: 2,
          field: "transaction_id",
          reason: "duplicate_id",
          message: `transaction_id T1 was already loaded by batch ${a.batchId}`,
        },
        {
          batch_id: a.batchId,
          source_file: "transactions/month=2024-04/part-0.csv",
          line_number: 3,
          field: "transaction_id",
          reason: "duplicate_id",
          message: `transaction_id T2 was already loaded by batch ${a.batchId}`,
        },
        {
          batch_id: b.batchId,
          source_file: "transactions/month=2024-05/part-0.csv",
          line_number: 2,
          field: "transaction_id",
          reason: "duplicate_id",
          message: `transaction_id T3 was already loaded by batch ${a.batchId}`,
        },
      ]);
      const facts = await wh.query<{ transaction_id: string; client_id: string; date_key: number }>(
        "SELECT transaction_id, client_id, date_key FROM dwh.fact_transactions ORDER BY transaction_id",
      );
      expect(facts.map((f) => `${f.transaction_id}:${f.client_id}:${f.date_key}`)).toEqual([
        "T1:C1:20240201",
        "T2:C2:20240203",
        "T3:C1:20240301",
        "T4:C2:20240403",
        "T5:C1:20240502",
      ]);
    });
  });
}
