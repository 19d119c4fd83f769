import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { client, writeInput } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "momo-stage-text-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Client rows are staged as tab-separated text; values the text cannot carry (a backslash, a tab, a line
// break, the NULL marker) take the appender instead and must arrive unchanged.
const input = writeInput(join(root, "in"), {
  clients: [
    client("C1"),
    "C2,Chez \\N Ami,merchant,commerce,small,bronze,1,CI-ABOBO,,2024-01-01,active",
    'C3,"Chez\tAwa, Dakar",merchant,commerce,small,bronze,1,CI-ABOBO,C1,2024-01-01,active',
    'C4,"Maquis\nBelle Vue",merchant,commerce,small,bronze,1,CI-ABOBO,,2024-01-01,active',
  ],
  changes: [
    "E1,C3,2024-02-01 00:00:00,profile_update,parent_client_id,C1,",
    "E2,C2,2024-02-01 00:00:00,profile_update,client_name,x,Chez \\ Ami",
  ],
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`staging text on ${engine}`, () => {
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

    it("stages every client value as it was read, NULLs and empty strings included", async () => {
      const result = await runEtl(wh, { input });
      expect(result.counts).toMatchObject({ clients_loaded: 4, changes_loaded: 2, changes_rejected: 0 });
      const rows = await wh.query<Row>(
        "SELECT client_id, version, client_name, parent_client_id FROM dwh.dim_client ORDER BY client_id, version",
      );
      expect(rows).toEqual([
        { client_id: "C1", version: 1, client_name: "Boutique C1", parent_client_id: null },
        { client_id: "C2", version: 1, client_name: "Chez \\N Ami", parent_client_id: null },
        { client_id: "C2", version: 2, client_name: "Chez \\ Ami", parent_client_id: null },
        { client_id: "C3", version: 1, client_name: "Chez\tAwa, Dakar", parent_client_id: "C1" },
        { client_id: "C3", version: 2, client_name: "Chez\tAwa, Dakar", parent_client_id: null },
        { client_id: "C4", version: 1, client_name: "Maquis\nBelle Vue", parent_client_id: null },
      ]);
      const [event] = await wh.query<Row>(
        "SELECT old_value, new_value FROM dwh_audit.client_change_events WHERE change_id = 'E1'",
      );
      expect(event).toEqual({ old_value: "C1", new_value: "" });
    });
  });
}
