import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DuckDbWarehouse, openDuckDb } from "../../src/warehouse/duckdb/duckdb-warehouse.ts";
import { monthSlices, slicedScan } from "../../src/warehouse/sliced-scan.ts";

describe("monthSlices", () => {
  const months = [202311, 202312, 202401, 202402, 202403, 202404, 202405];

  it("cuts the months into at most `count` runs that cover each month once, in order", () => {
    expect(monthSlices(months, 3, "month_key")).toEqual([
      [202311, 202401],
      [202402, 202404],
      [202405, 202405],
    ]);
    expect(monthSlices(months, 10, "month_key")).toHaveLength(months.length);
    expect(monthSlices(months, 1, "month_key")).toEqual([[202311, 202405]]);
  });

  it("gives date keys from the first day of the first month to the last possible day of the last", () => {
    expect(monthSlices([202402, 202403], 2, "date_key")).toEqual([
      [20240200, 20240299],
      [20240300, 20240399],
    ]);
  });
});

describe("slicedScan", () => {
  it("leaves the table alone on PostgreSQL and for a single slice", () => {
    expect(
      slicedScan("postgres", "dwh.t", "d", [
        [1, 2],
        [3, 4],
      ]),
    ).toBe("dwh.t");
    expect(slicedScan("duckdb", "dwh.t", "d", [[1, 4]])).toBe("dwh.t");
  });

  let wh: DuckDbWarehouse;
  beforeAll(async () => {
    wh = await openDuckDb({ path: ":memory:" });
    await wh.exec("CREATE TABLE t (d INTEGER, c INTEGER, a DOUBLE)");
  });
  afterAll(() => wh.close());

  it("reads, on DuckDB, the rows of the open transaction in its slices and none outside them", async () => {
    const sum = (from: string) =>
      wh.query<{ d: number; c: number; n: number; s: number }>(
        `SELECT d, c, COUNT(*) AS n, SUM(a) AS s FROM ${from} AS x GROUP BY d, c ORDER BY d, c`,
      );
    await wh.transaction(async (tx) => {
      await tx.exec("INSERT INTO t SELECT i // 1000, i % 7, i * 0.5 FROM range(20000) AS r(i)");
      const whole = await sum("t");
      const sliced = slicedScan("duckdb", "t", "d", [
        [0, 4],
        [5, 12],
        [13, 19],
      ]);
      expect(sliced).toContain("UNION ALL");
      expect(await sum(sliced)).toEqual(whole);
      const partial = await sum(
        slicedScan("duckdb", "t", "d", [
          [0, 1],
          [18, 19],
        ]),
      );
      expect(partial).toEqual(whole.filter((r) => r.d <= 1 || r.d >= 18));
    });
  });
});
