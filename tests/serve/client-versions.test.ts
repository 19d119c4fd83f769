import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientVersions, distinctClientsIn } from "../../src/serve/client-versions.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import { type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

let input: Awaited<ReturnType<typeof tinyInput>>;

beforeAll(async () => {
  input = await tinyInput();
});

afterAll(() => input?.cleanup());

for (const engine of ENGINES_UNDER_TEST) {
  describe(`client version tables on ${engine}`, () => {
    let tiny: TinyWarehouse;
    let wh: Warehouse;

    beforeAll(async () => {
      tiny = await tinyWarehouse(engine, input.input, false);
      wh = await tiny.db.open();
    });

    afterAll(async () => {
      await wh?.close();
      await tiny?.db.drop();
    });

    // One test per engine, registered only for it (none is skipped).
    if (engine === "postgres")
      it("are not built on PostgreSQL, which has no bitstring aggregate", async () => {
        expect(await clientVersions(wh)).toBeNull();
      });

    if (engine === "duckdb")
      it("count every client once and are rebuilt when dim_client changes", async () => {
        const versions = await clientVersions(wh);
        if (!versions) throw new Error("no client versions on DuckDB");
        const [dim] = await wh.query<{ clients: number; versions: number; most: number; max: number }>(
          `SELECT COUNT(DISTINCT client_id) AS clients, COUNT(*) AS versions, MAX(version) AS most,
                MAX(client_key) AS max FROM dwh.dim_client`,
        );
        expect(versions.max).toBe(Number(dim?.max));
        expect(versions.maxVersions).toBe(Number(dim?.most));
        // Several versions of one client, so that moving bits matters here.
        expect(Number(dim?.versions)).toBeGreaterThan(Number(dim?.clients));
        expect(await clientVersions(wh)).toBe(versions);
        const facts = { from: "dwh.fact_transactions AS x", clientKey: "x.client_key", where: ["TRUE"] };
        const [all, none] = await distinctClientsIn(wh, versions, facts, ["TRUE", "FALSE"], []);
        const [expected] = await wh.query<{ n: number }>(
          "SELECT COUNT(DISTINCT client_id) AS n FROM dwh.fact_transactions",
        );
        expect([all, none]).toEqual([Number(expected?.n), 0]);

        // A new version of a client, as an ETL batch would write it: the tables are built again.
        await wh.exec(`INSERT INTO dwh.dim_client
        SELECT client_key + 1000000, client_id, version + 1, client_name, 'newtype', sector, size_band, tier, kyc_level,
               geography_key, parent_client_id, registration_date, status, valid_from, valid_to, is_current,
               change_reason, batch_id
          FROM dwh.dim_client WHERE client_key = (SELECT MAX(client_key) FROM dwh.dim_client)`);
        const rebuilt = await clientVersions(wh);
        expect(rebuilt).not.toBe(versions);
        expect(rebuilt?.max).toBe(Number(dim?.max) + 1_000_000);
      });
  });
}
