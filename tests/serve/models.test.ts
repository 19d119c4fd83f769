import { describe, expect, it } from "vitest";
import { summariseFraudMetrics } from "../../src/serve/queries/models.ts";

describe("the fraud model's metrics as the pages show them", () => {
  it("falls back to the scalar entries of a shape it does not know, one level deep", () => {
    const summary = summariseFraudMetrics({
      auc: 0.97,
      note: "hand-made",
      confusion: { tp: 81, fp: 7 },
      list: [1, 2],
    });
    expect(summary.figures).toEqual([
      { label: "auc", value: 0.97 },
      { label: "note", value: "hand-made" },
      { label: "confusion.tp", value: 81 },
      { label: "confusion.fp", value: 7 },
    ]);
    expect(summary.recallByFraudType).toEqual([]);
    expect(summary.featureImportance).toEqual([]);
  });

  it("reads feature importance given as a map, largest gain first, at most 12", () => {
    const gains = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`f${i}`, i]));
    const { featureImportance } = summariseFraudMetrics({ featureImportance: gains });
    expect(featureImportance).toHaveLength(12);
    expect(featureImportance[0]).toEqual({ feature: "f14", gain: 14 });
  });
});
