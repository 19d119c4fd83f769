import { describe, expect, it } from "vitest";
import { addMonths, monthEndKey } from "../../src/serve/dates.ts";
import { wholeMonthsOf } from "../../src/serve/sql.ts";

const range = (fromKey: number, toKey: number) => ({ fromKey, toKey });

describe("whole months of a date range", () => {
  it("knows month ends, leap years and year turns", () => {
    expect([monthEndKey(202402), monthEndKey(202502), monthEndKey(202412), monthEndKey(202404)]).toEqual([
      20240229, 20250228, 20241231, 20240430,
    ]);
    expect([
      addMonths(202412, 1),
      addMonths(202501, -1),
      addMonths(202403, 22),
      addMonths(202403, -15),
    ]).toEqual([202501, 202412, 202601, 202212]);
  });

  it("cuts a range into its whole months and the partial days at either end", () => {
    expect(wholeMonthsOf(range(20240215, 20250309))).toEqual({
      months: { from: 202403, to: 202502 },
      days: [range(20240215, 20240229), range(20250301, 20250309)],
    });
    expect(wholeMonthsOf(range(20240101, 20241231))).toEqual({
      months: { from: 202401, to: 202412 },
      days: [],
    });
    expect(wholeMonthsOf(range(20241201, 20250115))).toEqual({
      months: { from: 202412, to: 202412 },
      days: [range(20250101, 20250115)],
    });
  });

  it("leaves a range without a whole month as days", () => {
    for (const r of [range(20240202, 20240228), range(20240215, 20240314), range(20240301, 20240330)])
      expect(wholeMonthsOf(r)).toEqual({ months: null, days: [r] });
    expect(wholeMonthsOf(range(20240201, 20240229)).months).toEqual({ from: 202402, to: 202402 });
  });
});
