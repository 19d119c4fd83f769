import { describe, expect, it } from "vitest";
import {
  chooseThreshold,
  confusionAt,
  logloss,
  prAuc,
  precisionRecallF1,
  recallByGroup,
  rocAuc,
} from "../../src/ml/metrics.ts";

// Ties at 0.8, 0.6 and 0.3 mix positives and negatives. Hand-computed: 5 positives, 7 negatives;
// AP = 0.2·1 + 0.2·2/3 + 0.2·3/4 + 0.2·4/7 + 0.2·5/10; ROC AUC = 27/35 (Mann–Whitney, ties ½).
const SCORES = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.3, 0.2, 0.1];
const LABELS = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0];

// 40 rows drawn with numpy (default_rng(3), scores rounded to 0.1, so many ties); the expected values
// come from scikit-learn 1.2.1: average_precision_score(y, s) and roc_auc_score(y, s).
const S2 = [
  0.1, 0.2, 0.8, 0.6, 0.1, 0.4, 0.5, 0.2, 0.7, 0.1, 0.4, 0.5, 0.4, 0.6, 0.7, 1.0, 0.3, 0.6, 0.7, 0.3, 0.0,
  1.0, 0.3, 0.3, 0.9, 0.6, 0.5, 0.8, 0.0, 0.7, 0.4, 0.1, 0.7, 0.9, 0.2, 0.6, 0.3, 0.7, 0.7, 0.2,
];
const Y2 = [
  0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0,
  1, 1, 1, 0,
];
const SKLEARN_AP = 0.3329813976872801;
const SKLEARN_ROC = 0.519345238095238;

describe("prAuc and rocAuc", () => {
  it("match hand-computed values with ties", () => {
    expect(prAuc(SCORES, LABELS)).toBeCloseTo(
      0.2 + 0.2 * (2 / 3) + 0.2 * 0.75 + 0.2 * (4 / 7) + 0.2 * 0.5,
      12,
    );
    expect(rocAuc(SCORES, LABELS)).toBeCloseTo(27 / 35, 12);
  });

  it("match scikit-learn on a tie-heavy sample", () => {
    expect(prAuc(S2, Y2)).toBeCloseTo(SKLEARN_AP, 12);
    expect(rocAuc(S2, Y2)).toBeCloseTo(SKLEARN_ROC, 12);
  });

  it("score a perfect ranking 1 and an inverted one 0 (ROC)", () => {
    expect(prAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
  });

  it("match a brute-force average precision on random tie-heavy data", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const scores = Array.from({ length: 400 }, () => Math.round(next() * 30) / 30);
    const labels = scores.map((s) => (next() < 0.2 + 0.5 * s ? 1 : 0));
    // Definition: each positive contributes the precision at its own score (ties counted in), / positives.
    let ap = 0;
    const positives = labels.filter((y) => y === 1).length;
    for (let i = 0; i < scores.length; i++) {
      if (labels[i] !== 1) continue;
      const at = scores.filter((s) => s >= (scores[i] as number));
      const tp = scores.filter((s, j) => labels[j] === 1 && s >= (scores[i] as number)).length;
      ap += tp / at.length;
    }
    expect(prAuc(scores, labels)).toBeCloseTo(ap / positives, 12);
  });

  it("do not depend on row order", () => {
    const order = SCORES.map((_, i) => i).reverse();
    expect(
      prAuc(
        order.map((i) => SCORES[i] as number),
        order.map((i) => LABELS[i] as number),
      ),
    ).toBeCloseTo(prAuc(SCORES, LABELS), 14);
  });

  it("refuse inputs they cannot score", () => {
    expect(() => prAuc([0.1, 0.2], [0, 0])).toThrow(/positive/);
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(/both/);
    expect(() => prAuc([0.1], [1, 0])).toThrow(/labels 2/);
    expect(() => prAuc([Number.NaN], [1])).toThrow(/NaN/);
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(/label 1 is 2/);
  });
});

describe("confusionAt and precisionRecallF1", () => {
  it("flag scores at or above the threshold", () => {
    const c = confusionAt(SCORES, LABELS, 0.7);
    expect(c).toEqual({ tp: 3, fp: 1, tn: 6, fn: 2 });
    const m = precisionRecallF1(c);
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBeCloseTo(0.6, 12);
    expect(m.f1).toBeCloseTo((2 * 0.75 * 0.6) / 1.35, 12);
  });

  it("give 0 where a ratio has no denominator, as scikit-learn", () => {
    expect(precisionRecallF1({ tp: 0, fp: 0, tn: 5, fn: 2 })).toEqual({ precision: 0, recall: 0, f1: 0 });
  });
});

describe("chooseThreshold", () => {
  it("takes the best recall among thresholds reaching the precision", () => {
    // Thresholds 0.9 (P 1, R 0.2), 0.8 (P 2/3, R 0.4), 0.7 (P 3/4, R 0.6), 0.6 (P 4/7, R 0.8).
    expect(chooseThreshold(SCORES, LABELS, { minPrecision: 0.7 })).toMatchObject({
      threshold: 0.7,
      rule: "min-precision",
      precision: 0.75,
      recall: 0.6,
    });
    expect(chooseThreshold(SCORES, LABELS)).toMatchObject({
      threshold: 0.9,
      rule: "min-precision",
      recall: 0.2,
    });
  });

  it("falls back to the best F1 and says so", () => {
    const chosen = chooseThreshold([0.9, 0.8, 0.7, 0.1], [0, 1, 1, 0], { minPrecision: 0.92 });
    expect(chosen.rule).toBe("best-f1");
    expect(chosen.threshold).toBe(0.7);
    expect(chosen.f1).toBeCloseTo(0.8, 12);
  });

  it("rejects a precision outside [0, 1] and a set without positives", () => {
    expect(() => chooseThreshold(SCORES, LABELS, { minPrecision: 1.5 })).toThrow(/minPrecision/);
    expect(() => chooseThreshold([0.2, 0.3], [0, 0])).toThrow(/positive/);
  });
});

describe("recallByGroup", () => {
  it("counts detected positives per group, negatives ignored", () => {
    const groups = ["a", "a", "", "b", "", "b", "", "", "a", "", "", ""];
    expect(recallByGroup(SCORES, LABELS, groups, 0.7)).toEqual([
      { group: "a", positives: 3, detected: 2, recall: 2 / 3 },
      { group: "b", positives: 2, detected: 1, recall: 0.5 },
    ]);
  });

  it("names positives without a group 'unknown'", () => {
    expect(recallByGroup([0.9], [1], [null], 0.5)).toEqual([
      { group: "unknown", positives: 1, detected: 1, recall: 1 },
    ]);
  });
});

describe("logloss", () => {
  it("averages −log of the probability given to the true label, weighted when asked", () => {
    expect(logloss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(logloss([0.8, 0.4], [1, 0], [3, 1])).toBeCloseTo(-(3 * Math.log(0.8) + Math.log(0.6)) / 4, 12);
    expect(Number.isFinite(logloss([0, 1], [1, 0]))).toBe(true);
  });
});
