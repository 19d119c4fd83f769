import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { client, payment, writeInput } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "momo-scd2-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Batch A: C1 changes tier mid-period, then twice on one day; C2 changes two attributes at one instant.
const batchA = writeInput(join(root, "a"), {
  clients: [client("C1"), client("C2")],
  changes: [
    "E1,C1,2024-03-15 10:00:00,tier_change,tier,bronze,silver",
    "E2,C1,2024-05-01 09:00:00,kyc_upgrade,kyc_level,1,2",
    "E3,C1,2024-05-01 17:00:00,relocation,geo_code,CI-ABOBO,SN-KAOLACK",
    "E4,C2,2024-04-01 12:00:00,tier_change,tier,bronze,gold",
    "E5,C2,2024-04-01 12:00:00,kyc_upgrade,kyc_level,1,3",
  ],
  transactions: {
    "2024-02": [payment("T1", "2024-02-01 08:00:00", "C1")],
    "2024-03": [payment("T2", "2024-03-01 08:00:00", "C1"), payment("T3", "2024-03-20 08:00:00", "C1")],
    "2024-04": [payment("T4", "2024-04-02 08:00:00", "C2")],
    "2024-05": [payment("T5", "2024-05-01 12:00:00", "C1"), payment("T6", "2024-05-02 08:00:00", "C1")],
  },
});
// Batch B arrives later with a change that took effect before those already loaded.
const batchB = writeInput(join(root, "b"), {
  changes: ["E0,C1,2024-02-15 00:00:00,kyc_upgrade,kyc_level,1,2"],
});

const versionsOf = (wh: Warehouse, id: string) =>
  wh.query<Row>(
    `SELECT client_key, version, valid_from, valid_to, is_current, tier, kyc_level, change_reason
       FROM dwh.dim_client WHERE client_id = $1 ORDER BY version`,
    [id],
  );
const versionOfFact = async (wh: Warehouse, id: string) =>
  (
    await wh.query<{ version: number }>(
      `SELECT c.version FROM dwh.fact_transactions AS f JOIN dwh.dim_client AS c ON c.client_key = f.client_key
        WHERE f.transaction_id = $1`,
      [id],
    )
  )[0]?.version;

for (const engine of ENGINES_UNDER_TEST) {
  describe(`SCD Type 2 on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      await runEtl(wh, { input: batchA });
    });
    afterAll(async () => {
      await wh.close();
      await db.drop();
    });

    it("opens a version per change, two on one day, and closes each where the next starts", async () => {
      const c1 = await versionsOf(wh, "C1");
      expect(c1.map((v) => [v.version, v.valid_from, v.valid_to, v.is_current, v.tier, v.kyc_level])).toEqual(
        [
          [1, "2024-01-01 00:00:00", "2024-03-15 10:00:00", false, "bronze", 1],
          [2, "2024-03-15 10:00:00", "2024-05-01 09:00:00", false, "silver", 1],
          [3, "2024-05-01 09:00:00", "2024-05-01 17:00:00", false, "silver", 2],
          [4, "2024-05-01 17:00:00", "9999-12-31 00:00:00", true, "silver", 2],
        ],
      );
      expect(c1.map((v) => v.change_reason)).toEqual([
        "registration",
        "tier_change",
        "kyc_upgrade",
        "relocation",
      ]);
    });

    it("folds changes at the same instant into one version", async () => {
      const c2 = await versionsOf(wh, "C2");
      expect(c2.map((v) => [v.version, v.tier, v.kyc_level, v.change_reason])).toEqual([
        [1, "bronze", 1, "registration"],
        [2, "gold", 3, "kyc_upgrade+tier_change"],
      ]);
    });

    it("points each fact at the version valid at its time, mid-day changes included", async () => {
      const versions = [];
      for (const id of ["T1", "T2", "T3", "T5", "T6", "T4"]) versions.push(await versionOfFact(wh, id));
      expect(versions).toEqual([1, 1, 2, 3, 4, 2]);
      const [day] = await wh.query<{ version: number }>(
        `SELECT c.version FROM dwh.fact_daily_client_summary AS s JOIN dwh.dim_client AS c ON c.client_key = s.client_key
          WHERE s.client_id = 'C1' AND s.date_key = 20240501`,
      );
      expect(day?.version).toBe(4);
    });

    it("re-folds the chain for a late change, keeps the keys that still hold and re-points earlier facts", async () => {
      const before = await versionsOf(wh, "C1");
      const result = await runEtl(wh, { input: batchB });
      expect(result.counts).toMatchObject({ changes_in: 1, changes_loaded: 1, facts_repointed: 1 });
      const after = await versionsOf(wh, "C1");
      expect(after.map((v) => [v.version, v.valid_from, v.valid_to, v.kyc_level])).toEqual([
        [1, "2024-01-01 00:00:00", "2024-02-15 00:00:00", 1],
        [2, "2024-02-15 00:00:00", "2024-03-15 10:00:00", 2],
        [3, "2024-03-15 10:00:00", "2024-05-01 09:00:00", 2],
        [4, "2024-05-01 09:00:00", "2024-05-01 17:00:00", 2],
        [5, "2024-05-01 17:00:00", "9999-12-31 00:00:00", 2],
      ]);
      // Versions that still start at the same instant keep their surrogate key.
      const keyAt = (rows: Row[], from: string) => rows.find((v) => v.valid_from === from)?.client_key;
      for (const from of ["2024-01-01 00:00:00", "2024-03-15 10:00:00", "2024-05-01 17:00:00"]) {
        expect(keyAt(after, from), from).toBe(keyAt(before, from));
      }
      expect(await versionOfFact(wh, "T1")).toBe(1);
      expect(await versionOfFact(wh, "T2")).toBe(2);
      expect(await versionOfFact(wh, "T3")).toBe(3);
      const [summary] = await wh.query<{ version: number }>(
        `SELECT c.version FROM dwh.fact_daily_client_summary AS s JOIN dwh.dim_client AS c ON c.client_key = s.client_key
          WHERE s.client_id = 'C1' AND s.date_key = 20240301`,
      );
      expect(summary?.version).toBe(2);
    });

    it("changes nothing when the same batch is replayed", async () => {
      const before = await versionsOf(wh, "C1");
      const replay = await runEtl(wh, { input: batchB });
      expect(replay.status).toBe("skipped");
      expect(await versionsOf(wh, "C1")).toEqual(before);
    });

    it("quarantines a change for an unknown client, one before registration and a conflicting re-delivery", async () => {
      const dir = writeInput(join(root, `c-${engine}`), {
        changes: [
          "E9,CX,2024-06-01 00:00:00,tier_change,tier,bronze,gold",
          "E8,C2,2023-12-01 00:00:00,tier_change,tier,bronze,gold",
          "E1,C1,2024-03-15 10:00:00,tier_change,tier,bronze,platinum",
          "E7,C2,2024-06-01 00:00:00,tier_change,tier,gold,diamond",
        ],
      });
      const result = await runEtl(wh, { input: dir });
      expect(result.rejects).toEqual({
        "client_change:unknown_client": 1,
        "client_change:before_registration": 1,
        "client_change:duplicate_id": 1,
        "client_change:invalid_enum": 1,
      });
      expect(result.counts).toMatchObject({ changes_in: 4, changes_loaded: 0, changes_rejected: 4 });
    });

    it("loads the first of a client or change repeated in one input and quarantines the later ones", async () => {
      const dir = writeInput(join(root, `d-${engine}`), {
        clients: [client("C7"), client("C8"), client("C7"), client("C7")],
        changes: [
          "E20,C8,2024-06-01 00:00:00,tier_change,tier,bronze,gold",
          "E21,C8,2024-07-01 00:00:00,kyc_upgrade,kyc_level,1,2",
          "E20,C8,2024-06-01 00:00:00,tier_change,tier,bronze,gold",
        ],
      });
      const result = await runEtl(wh, { input: dir });
      expect(result.counts).toMatchObject({ clients_loaded: 2, clients_rejected: 2, changes_rejected: 1 });
      const rejects = await wh.query<{ line_number: number; message: string }>(
        `SELECT line_number, message FROM dwh_audit.etl_rejects WHERE batch_id = $1 ORDER BY record_kind, line_number`,
        [result.batchId],
      );
      expect(rejects.map((r) => [Number(r.line_number), r.message])).toEqual([
        [4, "client_id C7 already appears in clients.csv line 2"],
        [5, "client_id C7 already appears in clients.csv line 2"],
        [4, "change_id E20 already appears in client_changes.csv line 2"],
      ]);
      expect((await versionsOf(wh, "C8")).map((v) => v.tier)).toEqual(["bronze", "gold", "gold"]);
    });
  });
}
