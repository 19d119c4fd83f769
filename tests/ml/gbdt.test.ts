import { describe, expect, it } from "vitest";
import { Rng } from "../../src/generate/rng.ts";
import { binMatrix, computeCuts } from "../../src/ml/gbdt/binning.ts";
import {
  type Dataset,
  GbdtModel,
  PredictPool,
  type RoundMetrics,
  trainGbdt,
} from "../../src/ml/gbdt/index.ts";
import { marginLogloss, sigmoid } from "../../src/ml/gbdt/objective.ts";
import { leafOf } from "../../src/ml/gbdt/tree.ts";
import { Workspace } from "../../src/ml/gbdt/workspace.ts";
import { confusionAt, logloss, precisionRecallF1, rocAuc } from "../../src/ml/metrics.ts";

/** `rows` rows of `cols` uniform features in [−1, 1), labelled by `label(row values)`. */
function dataset(
  rows: number,
  cols: number,
  seed: number,
  label: (x: (f: number) => number) => boolean,
): Dataset {
  const rng = new Rng(seed);
  const features = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < cols; f++) features[r * cols + f] = rng.next() * 2 - 1;
    labels[r] = label((f) => features[r * cols + f] as number) ? 1 : 0;
  }
  return { rows, cols, features, labels, featureNames: Array.from({ length: cols }, (_, f) => `x${f}`) };
}

function accuracy(model: GbdtModel, data: Dataset): number {
  const p = model.predict(data.features, data.rows);
  let right = 0;
  for (let r = 0; r < data.rows; r++) right += (p[r] as number) >= 0.5 === (data.labels[r] === 1) ? 1 : 0;
  return right / data.rows;
}

describe("trainGbdt learns known functions", () => {
  it("a threshold on one feature among noise", () => {
    const rule = (x: (f: number) => number) => x(2) > 0.3;
    const model = trainGbdt(dataset(4000, 5, 1, rule), { rounds: 20, maxDepth: 3 });
    expect(accuracy(model, dataset(2000, 5, 2, rule))).toBeGreaterThan(0.99);
    expect(model.featureImportance()[0]?.feature).toBe("x2");
  });

  it("an interaction no single feature explains (XOR)", () => {
    const rule = (x: (f: number) => number) => x(0) > 0 !== x(1) > 0;
    const train = dataset(6000, 4, 3, rule);
    const model = trainGbdt(train, { rounds: 60, maxDepth: 3, learningRate: 0.3 });
    expect(accuracy(model, dataset(2000, 4, 4, rule))).toBeGreaterThan(0.97);
  });

  it("a monotone trend: an oblique boundary, scores rising along it", () => {
    const rule = (x: (f: number) => number) => 2 * x(0) + x(1) > 0.5;
    const model = trainGbdt(dataset(6000, 3, 5, rule), { rounds: 100, maxDepth: 4, learningRate: 0.2 });
    const test = dataset(2000, 3, 6, rule);
    expect(accuracy(model, test)).toBeGreaterThan(0.97);
    const grid = new Float32Array(21 * 3);
    for (let i = 0; i <= 20; i++) grid[i * 3] = -1 + i / 10;
    const p = model.predict(grid, 21);
    expect(p[0]).toBeLessThan(0.05);
    expect(p[20]).toBeGreaterThan(0.95);
    for (let i = 1; i <= 20; i++) expect(p[i]).toBeGreaterThanOrEqual((p[i - 1] as number) - 0.05);
  });
});

describe("determinism and the JSON format", () => {
  const train = dataset(3000, 6, 7, (x) => x(0) + x(1) * x(2) > 0.2);
  const params = { rounds: 15, maxDepth: 4, subsample: 0.7, colsampleByTree: 0.5, seed: 11 };

  it("gives the same model for the same seed, another for another seed", () => {
    const a = JSON.stringify(trainGbdt(train, params));
    expect(JSON.stringify(trainGbdt(train, params))).toBe(a);
    expect(JSON.stringify(trainGbdt(train, { ...params, seed: 12 }))).not.toBe(a);
  });

  it("round-trips through JSON text with identical predictions, missing values included", () => {
    const model = trainGbdt(train, params);
    const copy = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model)));
    const features = train.features.slice(0, 600);
    for (let i = 0; i < features.length; i += 7) features[i] = Number.NaN;
    expect(copy.predictRaw(features, 100)).toEqual(model.predictRaw(features, 100));
    expect(copy.bestIteration).toBe(model.bestIteration);
    expect(copy.params).toEqual(model.params);
  });

  it("refuses JSON that is not a model", () => {
    const json = trainGbdt(train, { rounds: 2 }).toJSON();
    expect(() => GbdtModel.fromJSON({ ...json, format: "xgboost" })).toThrow(/momo-gbdt/);
    const broken = { ...json, trees: [{ ...json.trees[0], left: json.trees[0]?.left.map(() => 99) }] };
    expect(() => GbdtModel.fromJSON({ ...broken, bestIteration: 0 })).toThrow(/tree 0: node 0/);
    expect(() => GbdtModel.fromJSON({ ...json, params: { ...json.params, maxDepth: -1 } })).toThrow(
      /params are invalid/,
    );
  });
});

describe("batch prediction", () => {
  /** The margin by walking every tree with leafOf, the reference the fast paths must match. */
  function walked(model: GbdtModel, features: Float32Array, rows: number): Float64Array {
    const cols = model.featureNames.length;
    return Float64Array.from({ length: rows }, (_, r) =>
      model.trees.reduce(
        (sum, t) => sum + (t.value[leafOf(t, features, r * cols)] as number),
        model.baseMargin,
      ),
    );
  }
  const rule = (x: (f: number) => number) => Math.sin(9 * x(0)) + Math.cos(7 * x(1)) > 0.3 * x(2);
  const test = dataset(203, 3, 21, rule);
  for (let i = 0; i < test.features.length; i += 5) test.features[i] = Number.NaN;

  it("matches walking each tree, for shallow trees (complete-tree layout) and deep ones", () => {
    const train = dataset(5000, 3, 20, rule);
    for (let i = 1; i < train.features.length; i += 11) train.features[i] = Number.NaN;
    for (const maxDepth of [1, 4, 11]) {
      const model = trainGbdt(train, { rounds: 12, maxDepth, minChildWeight: 0, learningRate: 0.5 });
      expect(Math.max(...model.trees.map((t) => t.feature.length))).toBeGreaterThan(maxDepth);
      expect(model.predictRaw(test.features, test.rows)).toEqual(walked(model, test.features, test.rows));
    }
  });

  it("predicts over worker threads exactly as on one thread, missing values included", async () => {
    const train = dataset(3000, 3, 24, rule);
    const model = trainGbdt(train, { rounds: 20, maxDepth: 5, learningRate: 0.3 });
    const many = dataset(20_011, 3, 25, rule);
    for (let i = 2; i < many.features.length; i += 7) many.features[i] = Number.NaN;
    const pool = await PredictPool.open(model, 2);
    try {
      expect(pool.threads).toBe(2);
      expect(await pool.predict(many.features, many.rows)).toEqual(model.predict(many.features, many.rows));
      const few = many.features.subarray(0, 30);
      expect(await pool.predict(few, 10)).toEqual(model.predict(few, 10));
      await expect(pool.predict(many.features, many.rows + 1)).rejects.toThrow(/expected rows × 3/);
    } finally {
      await pool.close();
    }
  });

  it("sums histograms and gradients and partitions rows in a worker thread as on one thread", () => {
    const rows = 70_000;
    const data = dataset(rows, 3, 23, rule);
    const cuts = computeCuts(data, 256, rows);
    const spaces = [1, 2].map(
      (threads) => new Workspace(binMatrix(data, cuts, true), data.labels, undefined, 3, threads),
    );
    const features = Int32Array.of(0, 1, 2);
    const threads: number[] = [];
    const mids: number[] = [];
    const goesLeft = Uint8Array.from({ length: 256 }, (_, bin) => (bin < 100 || bin === 255 ? 1 : 0));
    const hists = spaces.map((space) => {
      for (let r = 0; r < rows; r++) space.order[r] = r;
      space.margin.fill(-1);
      space.computeGradients();
      const hist = new Float64Array(2 * (cuts.histStart[3] as number));
      space.buildHistogram(hist, features, 100, rows - 100);
      threads.push(space.threads);
      mids.push(space.partition(100, rows - 100, 1, goesLeft));
      space.close();
      return hist;
    });
    expect(threads).toEqual([1, 2]);
    expect(mids[1]).toBe(mids[0]);
    expect(spaces[1]?.order).toEqual(spaces[0]?.order);
    const order = spaces[0]?.order as Uint32Array;
    const column = binMatrix(data, cuts).columns.subarray(rows, 2 * rows);
    const mid = mids[0] as number;
    expect(mid).toBeGreaterThan(20_000);
    for (let i = 100; i < rows - 100; i++)
      expect(goesLeft[column[order[i] as number] as number]).toBe(i < mid ? 1 : 0);
    for (let i = 101; i < rows - 100; i++)
      if (i !== mid) expect(order[i]).toBeGreaterThan(order[i - 1] as number);
    expect(spaces[1]?.gradHess).toEqual(spaces[0]?.gradHess);
    for (const [slot, sum] of (hists[0] as Float64Array).entries())
      expect(hists[1]?.[slot]).toBeCloseTo(sum, 6);
  });

  it("gives the same trees with worker threads, up to the rounding of histogram sums", () => {
    const rows = 70_000;
    const train = dataset(rows, 3, 22, rule);
    const one = trainGbdt(train, { rounds: 8, maxDepth: 4, threads: 1 });
    const two = trainGbdt(train, { rounds: 8, maxDepth: 4, threads: 2 });
    expect(two.trees.map((t) => Array.from(t.feature))).toEqual(one.trees.map((t) => Array.from(t.feature)));
    const a = one.predictRaw(test.features, test.rows);
    const b = two.predictRaw(test.features, test.rows);
    for (let r = 0; r < test.rows; r++) expect(b[r]).toBeCloseTo(a[r] as number, 9);
  });
});

describe("missing values", () => {
  it("learn where to send them when missingness itself is the signal", () => {
    // Positives have x0 missing; x0 of negatives, and x1, are noise.
    const data = dataset(4000, 2, 8, (x) => x(1) > 2);
    for (let r = 0; r < data.rows; r += 3) {
      data.labels[r] = 1;
      data.features[r * 2] = Number.NaN;
    }
    const model = trainGbdt(data, { rounds: 10, maxDepth: 2 });
    expect(accuracy(model, data)).toBe(1);
    const rows = Float32Array.from([Number.NaN, 0.5, -0.9, 0.5, 0.9, 0.5, Number.NaN, Number.NaN]);
    const [nanRow, low, high, allNan] = model.predict(rows, 4);
    expect(nanRow).toBeGreaterThan(0.95);
    expect(allNan).toBeGreaterThan(0.95);
    expect(low).toBeLessThan(0.05);
    expect(high).toBeLessThan(0.05);
    expect(model.trees[0]?.feature[0]).toBe(0);
    expect(model.trees[0]?.defaultLeft[0]).toBe(0);
    expect(model.trees[0]?.threshold[0]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("early stopping", () => {
  it("stops once validation logloss stops improving and keeps the best round", () => {
    // Labels are 70% signal, 30% coin flips: deep trees on few rows soon overfit.
    const noisy = (seed: number) => {
      const rng = new Rng(seed, 1);
      return dataset(600, 5, seed, (x) => (rng.chance(0.3) ? rng.chance(0.5) : x(0) > 0));
    };
    const seen: RoundMetrics[] = [];
    const model = trainGbdt(
      noisy(9),
      { rounds: 500, maxDepth: 6, learningRate: 0.5, minChildWeight: 0, earlyStoppingRounds: 5 },
      { valid: noisy(10), onRound: (_, m) => seen.push(m) },
    );
    expect(seen.length).toBeLessThan(500);
    expect(seen.length).toBe(model.bestIteration + 1 + 5);
    expect(model.trees.length).toBe(model.bestIteration + 1);
    const best = Math.min(...seen.map((m) => m.valid as number));
    expect(seen[model.bestIteration]?.valid).toBe(best);
    expect(seen.at(-1)?.best).toBe(best);
  });

  it("can watch PR-AUC instead (higher is better)", () => {
    const rule = (x: (f: number) => number) => x(0) > 0.5;
    const seen: number[] = [];
    const model = trainGbdt(
      dataset(2000, 3, 12, rule),
      { rounds: 200, maxDepth: 2, evalMetric: "aucpr", earlyStoppingRounds: 3 },
      { valid: dataset(1000, 3, 13, rule), onRound: (_, m) => seen.push(m.valid as number) },
    );
    expect(seen[model.bestIteration]).toBe(Math.max(...seen));
    expect(seen.length).toBe(model.bestIteration + 4);
  });
});

describe("the early-stopping logloss", () => {
  it("equals the logloss of the probabilities", () => {
    const margin = Float64Array.from([-3, -0.5, 0, 0.2, 2.5, 7, 41, -38]);
    const labels = Uint8Array.from([0, 1, 0, 1, 1, 0, 1, 0]);
    const weights = Float32Array.from([2, 1, 0.5, 1, 3, 1, 2, 1]);
    const probabilities = Array.from(margin, sigmoid);
    expect(marginLogloss(margin, labels, undefined)).toBeCloseTo(logloss(probabilities, labels), 12);
    expect(marginLogloss(margin, labels, weights)).toBeCloseTo(logloss(probabilities, labels, weights), 12);
  });

  it("caps a confident mistake at −ln(1e−15), as clipping the probability does", () => {
    for (const [m, y] of [
      [-40, 1],
      [40, 0],
    ] as const) {
      const loss = marginLogloss(Float64Array.of(m), Uint8Array.of(y), undefined);
      expect(loss).toBeCloseTo(-Math.log(1e-15), 12);
      expect(loss).toBeCloseTo(logloss([sigmoid(m)], [y]), 2);
    }
  });
});

describe("scalePosWeight", () => {
  it("raises recall at 0.5 on an imbalanced set", () => {
    const rng = new Rng(14);
    const rule = (x: (f: number) => number) => x(0) + 0.8 * x(1) + (rng.next() - 0.5) > 1.3;
    const train = dataset(8000, 4, 15, rule);
    const test = dataset(4000, 4, 16, rule);
    const recall = (spw: number) => {
      const model = trainGbdt(train, { rounds: 30, maxDepth: 3, learningRate: 0.2, scalePosWeight: spw });
      return precisionRecallF1(confusionAt(model.predict(test.features, test.rows), test.labels, 0.5)).recall;
    };
    const plain = recall(1);
    expect(recall(10)).toBeGreaterThan(plain + 0.1);
  });
});

describe("contributions and reasons", () => {
  const train = dataset(3000, 4, 17, (x) => x(0) > 0.2 || (x(1) > 0.5 && x(3) < 0));
  const model = trainGbdt(train, { rounds: 25, maxDepth: 4 });

  it("sum with the bias to the raw margin, missing values included", () => {
    const features = train.features.slice(0, 200 * 4);
    features[5] = Number.NaN;
    features[10] = Number.NaN;
    const raw = model.predictRaw(features, 200);
    for (let row = 0; row < 200; row++) {
      const { bias, values } = model.contributions(features, row);
      expect(bias + values.reduce((a, b) => a + b, 0)).toBeCloseTo(raw[row] as number, 10);
    }
  });

  it("put the feature that decided a row first", () => {
    const row = Float32Array.from([0.9, -0.9, 0.1, 0.1]);
    const [top] = model.topReasons(row, 0, 2);
    expect(top).toMatchObject({ feature: "x0", value: expect.closeTo(0.9, 6) });
    expect(top?.contribution).toBeGreaterThan(0);
    const reasons = model.topReasons(row, 0, 4);
    expect(reasons.map((r) => r.contribution)).toEqual(
      [...reasons.map((r) => r.contribution)].sort((a, b) => b - a),
    );
  });

  it("rank well on held-out rows", () => {
    const test = dataset(2000, 4, 18, (x) => x(0) > 0.2 || (x(1) > 0.5 && x(3) < 0));
    expect(rocAuc(model.predict(test.features, test.rows), test.labels)).toBeGreaterThan(0.99);
  });
});

describe("parameters and inputs", () => {
  const data = dataset(200, 2, 19, (x) => x(0) > 0);

  it("rejects invalid parameters, naming each", () => {
    expect(() => trainGbdt(data, { maxDepth: 0 })).toThrow(/maxDepth must be at least 1/);
    expect(() => trainGbdt(data, { learningRate: 0 })).toThrow(/learningRate must be in \(0, 1\]/);
    expect(() => trainGbdt(data, { subsample: 1.5, lambda: -1 })).toThrow(
      /lambda must be >= 0; subsample must be in \(0, 1\]/,
    );
    expect(() => trainGbdt(data, { maxBins: 300 })).toThrow(/maxBins must be at most 256/);
    expect(() => trainGbdt(data, { evalMetric: "auc" as "aucpr" })).toThrow(/evalMetric must be one of/);
    expect(() => trainGbdt(data, { depth: 3 } as object)).toThrow(/unknown parameter\(s\): depth/);
    expect(() => trainGbdt(data, { earlyStoppingRounds: 5 })).toThrow(
      /earlyStoppingRounds needs a validation/,
    );
  });

  it("rejects inconsistent datasets, naming the field", () => {
    expect(() => trainGbdt({ ...data, labels: data.labels.subarray(1) })).toThrow(
      /training dataset: labels holds/,
    );
    expect(() => trainGbdt({ ...data, featureNames: ["a"] })).toThrow(/featureNames holds 1/);
    const valid = { ...data, featureNames: ["x0", "other"] };
    expect(() => trainGbdt(data, {}, { valid })).toThrow(/validation dataset: columns differ .* position 1/);
    expect(() => trainGbdt(data).predict(data.features, 7)).toThrow(/expected rows × 2 = 14/);
  });
});

describe("binning", () => {
  const names = ["a", "b"];
  it("puts values below a cut in the lower bin, missing values in the last, ±0 together", () => {
    const features = Float32Array.from([0, 1, -0, 2, 1, Number.NaN, 2, 3, 3, 1]);
    const data = { rows: 5, cols: 2, features, labels: new Uint8Array(5), featureNames: names };
    const cuts = computeCuts(data, 256, 1000);
    expect(Array.from(cuts.cuts[0] as Float32Array)).toEqual([1, 2, 3]);
    const { columns } = binMatrix(data, cuts);
    expect(Array.from(columns.subarray(0, 5))).toEqual([0, 0, 1, 2, 3]);
    expect(Array.from(columns.subarray(5, 10))).toEqual([0, 1, 3, 2, 0]);
  });

  it("keeps at most maxBins − 1 value bins, a heavy value in a bin of its own", () => {
    const rows = 10_000;
    const features = new Float32Array(rows);
    for (let r = 0; r < rows; r++) features[r] = r < 5000 ? 0 : r;
    const data = { rows, cols: 1, features, labels: new Uint8Array(rows), featureNames: ["a"] };
    const cuts = computeCuts(data, 16, rows).cuts[0] as Float32Array;
    expect(cuts.length).toBeLessThanOrEqual(14);
    expect(cuts[0]).toBe(5000);
    const bins = binMatrix(data, { cuts: [cuts], histStart: Uint32Array.of(0, cuts.length + 2) }).columns;
    const counts = new Map<number, number>();
    for (const b of bins) counts.set(b, (counts.get(b) ?? 0) + 1);
    expect(counts.get(0)).toBe(5000);
    for (const [bin, n] of counts) if (bin > 0) expect(n).toBeLessThan(800);
  });
});
