import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchClients } from "../../src/serve/queries/client-detail.ts";
import type { SqlValue, Warehouse } from "../../src/warehouse/warehouse.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import { type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

// PostgreSQL only (registered only when it answers): DuckDB has no index to use.
if (ENGINES_UNDER_TEST.includes("postgres")) {
  describe("the client search on PostgreSQL", () => {
    let input: Awaited<ReturnType<typeof tinyInput>>;
    let tiny: TinyWarehouse;
    let wh: Warehouse;
    beforeAll(async () => {
      input = await tinyInput();
      tiny = await tinyWarehouse("postgres", input.input, false);
      wh = await tiny.db.open();
    });
    afterAll(async () => {
      await wh?.close();
      await tiny?.db.drop();
      input?.cleanup();
    });

    it("can find names by the trigram index of the current names", async () => {
      // The statement searchClients sends, captured as it goes.
      const sent: { sql: string; values: readonly SqlValue[] }[] = [];
      const spy = new Proxy(wh, {
        get(target, name) {
          if (name !== "query") return Reflect.get(target, name);
          return (sql: string, values: readonly SqlValue[] = []) => {
            sent.push({ sql, values });
            return target.query(sql, values);
          };
        },
      });
      const [client] = await wh.query<{ client_name: string }>(
        "SELECT client_name FROM dwh.dim_client WHERE is_current ORDER BY client_id LIMIT 1",
      );
      const found = await searchClients(spy, String(client?.client_name).slice(2, 9), 20);
      expect(found.length).toBeGreaterThan(0);
      const [statement] = sent;
      if (!statement) throw new Error("searchClients sent nothing");
      // The tiny table is cheaper to read whole, or all its current rows: the plan is asked for with scans and rows
      // made dear (settings of a transaction rolled back), to see that the trigram index fits the statement.
      class Plan extends Error {}
      const plan = await wh
        .transaction(async (tx) => {
          await tx.exec(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; SET LOCAL cpu_tuple_cost = 1",
          );
          const rows = await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement.sql}`, statement.values);
          throw new Plan(rows.map((r) => r["QUERY PLAN"]).join("\n"));
        })
        .catch((error: unknown) => {
          if (error instanceof Plan) return error.message;
          throw error;
        });
      expect(plan, plan).toContain("ix_dim_client_name_trgm");
    });
  });
}
