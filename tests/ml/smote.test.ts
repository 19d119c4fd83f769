import { describe, expect, it } from "vitest";
import { Rng } from "../../src/generate/rng.ts";
import { nearestNeighbours, smote } from "../../src/ml/smote.ts";

const COLS = 4;

/** Labelled rows: minority (1) and majority (0), features on very different scales, some missing. */
function dataset(minority: number, majority: number, missingRate = 0, seed = 1) {
  const rng = new Rng(seed);
  const rows = minority + majority;
  const features = new Float32Array(rows * COLS);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const fraud = i % Math.ceil(rows / minority) === 0 && labels.filter((l) => l === 1).length < minority;
    labels[i] = fraud ? 1 : 0;
    const centre = fraud ? 2 : 0;
    features[i * COLS] = centre + rng.normal();
    features[i * COLS + 1] = 1000 * (centre + rng.normal());
    features[i * COLS + 2] = rng.int(3);
    features[i * COLS + 3] = rng.chance(missingRate) ? Number.NaN : 0.01 * rng.normal();
  }
  return { features, labels, rows };
}

/** The test's own reading of the spec: minority rows standardised on minority statistics, NaN → 0. */
function standardisedMinority(features: Float32Array, labels: Uint8Array) {
  const rows = Array.from(labels.keys()).filter((i) => labels[i] === 1);
  const points = rows.map((r) => Array.from(features.subarray(r * COLS, r * COLS + COLS)));
  for (let f = 0; f < COLS; f++) {
    const present = points.map((p) => p[f] as number).filter((v) => !Number.isNaN(v));
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    const std = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length) || 1;
    for (const p of points) p[f] = Number.isNaN(p[f] as number) ? 0 : ((p[f] as number) - mean) / std;
  }
  return { rows, points };
}

function bruteNeighbours(points: number[][], k: number): number[][] {
  return points.map((p, i) =>
    points
      .map((q, j) => ({ j, dist: p.reduce((sum, v, f) => sum + (v - (q[f] as number)) ** 2, 0) }))
      .filter(({ j }) => j !== i)
      .sort((a, b) => a.dist - b.dist)
      .slice(0, k)
      .map(({ j }) => j),
  );
}

/** Whether `point` is x + u·(y − x) for some u in [0, 1], feature by feature as the spec says for NaN. */
function onSegment(point: Float32Array, x: Float32Array, y: Float32Array): boolean {
  let u: number | undefined;
  let widest = 0;
  for (let f = 0; f < COLS; f++) {
    const span = (y[f] as number) - (x[f] as number);
    if (Math.abs(span) > widest) {
      widest = Math.abs(span);
      u = ((point[f] as number) - (x[f] as number)) / span;
    }
  }
  if (u === undefined) u = 0;
  if (u < -1e-6 || u > 1 + 1e-6) return false;
  for (let f = 0; f < COLS; f++) {
    const [p, a, b] = [point[f] as number, x[f] as number, y[f] as number];
    if (Number.isNaN(a)) {
      if (!Number.isNaN(p)) return false;
    } else if (Number.isNaN(b)) {
      if (p !== a) return false;
    } else if (Math.abs(p - (a + u * (b - a))) > 1e-5 * (1 + Math.abs(a) + Math.abs(b))) return false;
  }
  return true;
}

function checkSegments(features: Float32Array, labels: Uint8Array, synthetic: Float32Array, k: number) {
  const { rows, points } = standardisedMinority(features, labels);
  const neighbours = bruteNeighbours(points, k);
  const row = (r: number) => features.subarray(r * COLS, r * COLS + COLS);
  for (let s = 0; s < synthetic.length / COLS; s++) {
    const point = synthetic.subarray(s * COLS, s * COLS + COLS);
    const explained = rows.some((base, b) =>
      (neighbours[b] as number[]).some((n) => onSegment(point, row(base), row(rows[n] as number))),
    );
    expect(explained, `synthetic row ${s}: ${Array.from(point)}`).toBe(true);
  }
}

describe("smote", () => {
  it("puts every synthetic row on a segment from a minority row to one of its k nearest minority neighbours", () => {
    const { features, labels, rows } = dataset(60, 600);
    const synthetic = smote(features, rows, COLS, labels, { count: 300, k: 5, seed: 3 });
    expect(synthetic.length).toBe(300 * COLS);
    checkSegments(features, labels, synthetic, 5);
  });

  it("searches neighbours in standardised space: not the raw neighbours when scales differ", () => {
    const { features, labels, rows } = dataset(60, 600);
    const synthetic = smote(features, rows, COLS, labels, { count: 300, k: 1, seed: 4 });
    checkSegments(features, labels, synthetic, 1);
    const minority = standardisedMinority(features, labels).rows;
    const raw = minority.map((r) => Array.from(features.subarray(r * COLS, r * COLS + COLS)));
    const standardised = standardisedMinority(features, labels).points;
    expect(bruteNeighbours(raw, 1)).not.toEqual(bruteNeighbours(standardised, 1));
  });

  it("keeps the base row's missing values and fills a value missing only in the neighbour from the base", () => {
    const { features, labels, rows } = dataset(80, 400, 0.3);
    const synthetic = smote(features, rows, COLS, labels, { count: 400, k: 3, seed: 5 });
    checkSegments(features, labels, synthetic, 3);
    const missing = Array.from({ length: 400 }, (_, s) => Number.isNaN(synthetic[s * COLS + 3] as number));
    expect(missing.filter(Boolean).length).toBeGreaterThan(50);
    expect(missing.filter((m) => !m).length).toBeGreaterThan(150);
  });

  it("makes the number of rows asked, or enough to reach the minority : majority ratio", () => {
    const { features, labels, rows } = dataset(50, 950);
    expect(smote(features, rows, COLS, labels, { ratio: 0.5 }).length / COLS).toBe(475 - 50);
    expect(smote(features, rows, COLS, labels, { ratio: 0.01 }).length).toBe(0);
    expect(smote(features, rows, COLS, labels, { count: 7 }).length / COLS).toBe(7);
    const flipped = labels.map((l) => 1 - l);
    expect(smote(features, rows, COLS, flipped, { ratio: 0.1, minorityLabel: 0 }).length / COLS).toBe(
      95 - 50,
    );
  });

  it("is deterministic for a seed", () => {
    const { features, labels, rows } = dataset(50, 500);
    const a = smote(features, rows, COLS, labels, { count: 100, seed: 8 });
    const b = smote(features, rows, COLS, labels, { count: 100, seed: 8 });
    const c = smote(features, rows, COLS, labels, { count: 100, seed: 9 });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("names what is wrong", () => {
    const { features, labels, rows } = dataset(5, 50);
    expect(() => smote(features, rows, COLS, labels, {})).toThrow("give exactly one of ratio or count");
    expect(() => smote(features, rows, COLS, labels, { ratio: 1, count: 2 })).toThrow("exactly one");
    expect(() => smote(features, rows, COLS, labels, { count: 10 })).toThrow(
      "k = 5 needs at least 6 minority rows (label 1); got 5",
    );
    expect(() => smote(features, rows + 1, COLS, labels, { count: 1 })).toThrow("features hold 220 values");
    expect(() => smote(features, rows, COLS, labels.subarray(1), { count: 1 })).toThrow(
      "54 labels for 55 rows",
    );
    expect(() => smote(features, rows, COLS, labels, { ratio: -1 })).toThrow("ratio is -1");
    const infinite = features.slice();
    infinite[0] = Number.POSITIVE_INFINITY;
    expect(() => smote(infinite, rows, COLS, labels, { count: 1, k: 2 })).toThrow(
      "row 0, feature 0 is Infinity",
    );
  });
});

describe("nearestNeighbours", () => {
  it("finds the exact k nearest (as distances), duplicates and clusters included", () => {
    const rng = new Rng(2);
    const d = 7;
    const m = 700;
    const points = new Float64Array(m * d);
    for (let i = 0; i < m; i++) {
      const cluster = rng.int(4);
      for (let f = 0; f < d; f++)
        points[i * d + f] = i % 10 === 0 ? 1 : cluster * (f % 3) + rng.normal() * 0.3;
    }
    const rows = Array.from({ length: m }, (_, i) => Array.from(points.subarray(i * d, i * d + d)));
    const dist = (a: number, b: number) =>
      (rows[a] as number[]).reduce((s, v, f) => s + (v - ((rows[b] as number[])[f] as number)) ** 2, 0);
    const found = nearestNeighbours(points, m, d, 6);
    const expected = bruteNeighbours(rows, 6);
    for (let i = 0; i < m; i++) {
      const ours = Array.from(found.subarray(i * 6, i * 6 + 6));
      expect(ours).not.toContain(i);
      ours.forEach((j, r) => {
        expect(dist(i, j)).toBeCloseTo(dist(i, (expected[i] as number[])[r] as number), 9);
      });
    }
  });
});
