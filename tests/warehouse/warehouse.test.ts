import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const TABLE = { schema: "scratch", table: "things" };

for (const engine of ENGINES_UNDER_TEST) {
  describe(`Warehouse on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;

    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      await wh.exec(`CREATE SCHEMA scratch;
        CREATE TABLE scratch.things (
          id INTEGER NOT NULL, big BIGINT, label VARCHAR, amount DECIMAL(18, 2), ratio DOUBLE PRECISION,
          day DATE, happened_at TIMESTAMP, flag BOOLEAN, note VARCHAR DEFAULT 'none')`);
    });
    afterAll(async () => {
      await wh?.close();
      await db?.drop();
    });

    it("returns rows in the shared normal form", async () => {
      const [row] = await wh.query(
        `SELECT CAST(42 AS BIGINT) AS big, CAST(1234.5 AS DECIMAL(18, 2)) AS amount, DATE '2024-02-29' AS day,
                TIMESTAMP '2024-02-29 23:59:58.5' AS happened_at, true AS flag, CAST(7 AS INTEGER) AS n, $1 AS param`,
        ["text"],
      );
      expect(row).toEqual({
        big: 42,
        amount: "1234.50",
        day: "2024-02-29",
        happened_at: "2024-02-29 23:59:58.5",
        flag: true,
        n: 7,
        param: "text",
      });
    });

    it("bulk-loads every column, with awkward text and exact decimals", async () => {
      const rows = [
        [
          1,
          9_007_199_254_740_993n,
          "tab\there",
          "12345678901234.56",
          0.25,
          "2024-01-31",
          "2024-01-31 08:15:00",
          true,
          "a\\b",
        ],
        [2, null, "new\nline", "-0.01", null, "2027-12-31", "2027-12-31 23:59:59", false, null],
      ] as const;
      const loaded = await wh.bulkLoad(
        TABLE,
        ["id", "big", "label", "amount", "ratio", "day", "happened_at", "flag", "note"],
        rows,
      );
      expect(loaded).toBe(2);
      const back = await wh.query("SELECT * FROM scratch.things ORDER BY id");
      expect(back).toEqual([
        {
          id: 1,
          big: "9007199254740993",
          label: "tab\there",
          amount: "12345678901234.56",
          ratio: 0.25,
          day: "2024-01-31",
          happened_at: "2024-01-31 08:15:00",
          flag: true,
          note: "a\\b",
        },
        {
          id: 2,
          big: null,
          label: "new\nline",
          amount: "-0.01",
          ratio: null,
          day: "2027-12-31",
          happened_at: "2027-12-31 23:59:59",
          flag: false,
          note: null,
        },
      ]);
    });

    it("bulk-loads a subset of columns, leaving defaults to the table", async () => {
      await wh.bulkLoad(TABLE, ["label", "id"], [["subset", 3]]);
      const [row] = await wh.query("SELECT id, label, note FROM scratch.things WHERE id = 3");
      expect(row).toEqual({ id: 3, label: "subset", note: "none" });
    });

    it("exports rows as the text loadText reads, NULLs and empty strings apart", async () => {
      await wh.bulkLoad(
        TABLE,
        ["id", "label", "amount", "happened_at", "flag"],
        [
          [700, "", "12.50", "2024-02-29 23:59:58", true],
          [701, null, null, null, false],
        ],
      );
      const dir = mkdtempSync(join(tmpdir(), "momo-export-"));
      try {
        const file = join(dir, "rows.tsv");
        const query =
          "SELECT id, label, amount, happened_at, flag FROM scratch.things WHERE id IN (700, 701) ORDER BY id";
        expect(await wh.exportText(query, file)).toBe(2);
        const text = readFileSync(file, "utf8");
        expect(text.split("\n").map((l) => l.split("\t").slice(0, 3))).toEqual([
          ["700", "", "12.50"],
          ["701", "\\N", "\\N"],
          [""],
        ]);
        await wh.exec(
          "CREATE TABLE scratch.copied AS SELECT id, label, amount, happened_at, flag FROM scratch.things WHERE 1 = 0",
        );
        const copied = { schema: "scratch", table: "copied" };
        const columns = ["id", "label", "amount", "happened_at", "flag"];
        expect(await wh.loadText(copied, columns, [text])).toBe(2);
        expect(await wh.query("SELECT * FROM scratch.copied ORDER BY id")).toEqual(await wh.query(query));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("streams rows from an async source", async () => {
      async function* source() {
        for (let i = 0; i < 5000; i++) yield [1000 + i, `row ${i}`] as const;
      }
      expect(await wh.bulkLoad(TABLE, ["id", "label"], source())).toBe(5000);
      const [count] = await wh.query(
        "SELECT count(*) AS n, sum(id) AS s FROM scratch.things WHERE id >= 1000",
      );
      expect(count).toEqual({ n: 5000, s: 5000 * 1000 + (4999 * 5000) / 2 });
    });

    it("rolls back everything a failed transaction did, bulk loads included", async () => {
      const before = await wh.query("SELECT count(*) AS n FROM scratch.things");
      async function* failingHalfway() {
        for (let i = 0; i < 10_000; i++) {
          if (i === 6_000) throw new Error("source broke");
          yield [20_000 + i, "doomed"] as const;
        }
      }
      await expect(
        wh.transaction(async (tx) => {
          await tx.query("INSERT INTO scratch.things (id, label) VALUES (99, 'inside')");
          await tx.bulkLoad(TABLE, ["id", "label"], failingHalfway());
        }),
      ).rejects.toThrow("source broke");
      expect(await wh.query("SELECT count(*) AS n FROM scratch.things")).toEqual(before);
    });

    it("commits a transaction that succeeds", async () => {
      await wh.transaction(async (tx) => {
        await tx.bulkLoad(TABLE, ["id", "label"], [[500, "committed"]]);
      });
      expect(await wh.query("SELECT label FROM scratch.things WHERE id = 500")).toEqual([
        { label: "committed" },
      ]);
    });

    it("names the row and column of a value that does not fit", async () => {
      await expect(
        wh.bulkLoad(
          TABLE,
          ["id", "day"],
          [
            [600, "2024-01-01"],
            [601, "2024-02-30"],
          ],
        ),
      ).rejects.toThrow(engine === "duckdb" ? /row 2, column day/ : /2024-02-30/);
    });
  });
}
