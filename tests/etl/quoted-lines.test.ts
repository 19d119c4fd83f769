import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { createTestDatabase, ENGINES_UNDER_TEST } from "../support/engines.ts";
import { client, payment, writeInput } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "momo-quoted-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `payment` with its counterparty reference quoted around a comma. */
const quotedPayment = (id: string, at: string, who: string, amount = 5000) =>
  payment(id, at, who, amount).replace(",PX1,", ',"P,X1",');

// A plain file (one line per record) whose quoted records are checked apart from the others: one accepted,
// one refused by its checks, one refused afterwards as a duplicate of an earlier record.
const input = writeInput(join(root, "in"), {
  clients: [client("C1")],
  transactions: {
    "2024-02": [
      payment("T1", "2024-02-01 08:00:00", "C1"),
      quotedPayment("T2", "2024-02-01 09:00:00", "C1"),
      quotedPayment("T3", "2024-02-01 10:00:00", "C1", 0),
      quotedPayment("T1", "2024-02-01 11:00:00", "C1"),
      payment("T4", "2024-02-02 08:00:00", "C1"),
    ],
  },
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`quoted transaction records on ${engine}`, () => {
    it("loads the valid ones with their quoted values and quarantines each refused one once", async () => {
      const db = await createTestDatabase(engine);
      const wh = await db.open();
      try {
        const result = await runEtl(wh, { input });
        expect(result.counts).toMatchObject({
          rows_in: 5,
          rows_loaded: 3,
          rows_rejected: 2,
        });
        const rejects = await wh.query<{ line_number: number; reason: string; raw_record: string }>(
          `SELECT line_number, reason, raw_record FROM dwh_audit.etl_rejects
            WHERE record_kind = 'transaction' ORDER BY line_number`,
        );
        expect(rejects.map((r) => [Number(r.line_number), r.reason, r.raw_record])).toEqual([
          [4, "out_of_range", quotedPayment("T3", "2024-02-01 10:00:00", "C1", 0)],
          [5, "duplicate_id", quotedPayment("T1", "2024-02-01 11:00:00", "C1")],
        ]);
        const facts = await wh.query<{ transaction_id: string; counterparty_ref: string }>(
          "SELECT transaction_id, counterparty_ref FROM dwh.fact_transactions ORDER BY transaction_id",
        );
        expect(facts).toEqual([
          { transaction_id: "T1", counterparty_ref: "PX1" },
          { transaction_id: "T2", counterparty_ref: "P,X1" },
          { transaction_id: "T4", counterparty_ref: "PX1" },
        ]);
      } finally {
        await wh.close();
        await db.drop();
      }
    });
  });
}
