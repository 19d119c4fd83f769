import { describe, expect, it } from "vitest";
import { Rng } from "../../src/generate/rng.ts";
import { assignToCentroids, kmeans } from "../../src/ml/segmentation/kmeans.ts";

/** `perBlob` points around each centre (row-major), with their true blob index. */
function blobs(centres: number[][], perBlob: number, spread: number, seed = 1) {
  const rng = new Rng(seed);
  const d = (centres[0] as number[]).length;
  const n = centres.length * perBlob;
  const points = new Float64Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const blob = i % centres.length;
    truth[i] = blob;
    for (let f = 0; f < d; f++)
      points[i * d + f] = ((centres[blob] as number[])[f] as number) + spread * rng.normal();
  }
  return { points, truth, n, d };
}

/** RFM-like skewed points (log of exponential / log-normal draws): no clear clusters, many local optima. */
function skewed(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const points = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    points[i * 3] = Math.log1p(rng.exponential(60));
    points[i * 3 + 1] = Math.log1p(rng.logNormal(8, 1.2));
    points[i * 3 + 2] = Math.log1p(rng.logNormal(20000, 1.5));
  }
  return points;
}

function inertiaOf(points: Float64Array, d: number, centroids: Float64Array, labels: Int32Array): number {
  let sum = 0;
  labels.forEach((label, i) => {
    for (let f = 0; f < d; f++)
      sum += ((points[i * d + f] as number) - (centroids[label * d + f] as number)) ** 2;
  });
  return sum;
}

describe("kmeans", () => {
  const centres = [
    [0, 0, 0],
    [10, 0, 0],
    [0, 10, 0],
    [0, 0, 10],
    [10, 10, 10],
  ];

  it("recovers well-separated blobs: labels up to permutation, centroids close to the true centres", () => {
    const { points, truth, n, d } = blobs(centres, 200, 0.5);
    const result = kmeans(points, n, d, { k: 5, seed: 3 });

    const blobOfCluster = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const label = result.labels[i] as number;
      const blob = truth[i] as number;
      if (!blobOfCluster.has(label)) blobOfCluster.set(label, blob);
      expect(blobOfCluster.get(label)).toBe(blob);
    }
    expect(new Set(blobOfCluster.values()).size).toBe(5);

    for (const [label, blob] of blobOfCluster) {
      const centroid = Array.from(result.centroids.subarray(label * d, label * d + d));
      centroid.forEach((value, f) => {
        expect(Math.abs(value - ((centres[blob] as number[])[f] as number))).toBeLessThan(0.15);
      });
    }
    expect(result.converged).toBe(true);
    expect(result.restartsRun).toBe(10);
  });

  it("works past 4 dimensions (rows padded internally) and for k = 1", () => {
    const wide = [
      [0, 0, 0, 0, 0, 0],
      [5, 5, 5, 5, 5, 5],
      [-5, 5, -5, 5, -5, 5],
    ];
    const { points, truth, n, d } = blobs(wide, 100, 0.3, 2);
    const result = kmeans(points, n, d, { k: 3, seed: 1 });
    expect(result.centroids.length).toBe(3 * 6);
    for (let i = 1; i < n; i++) {
      expect(result.labels[i] === result.labels[0]).toBe(truth[i] === truth[0]);
    }

    const single = kmeans(points, n, d, { k: 1 });
    for (let f = 0; f < d; f++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += (points[i * d + f] as number) / n;
      expect(single.centroids[f]).toBeCloseTo(mean, 10);
    }
  });

  it("reports the inertia of the labels and centroids it returns, every cluster non-empty", () => {
    const points = skewed(3000, 4);
    const result = kmeans(points, 3000, 3, { k: 7, seed: 9 });
    expect(result.inertia).toBeCloseTo(inertiaOf(points, 3, result.centroids, result.labels), 6);
    const sizes = new Int32Array(7);
    for (const label of result.labels) sizes[label] = (sizes[label] as number) + 1;
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });

  it("ends on a Lloyd fixed point when run to strict convergence: centroids are means, labels nearest", () => {
    const points = skewed(4000, 5);
    const result = kmeans(points, 4000, 3, { k: 5, tolerance: 0, seed: 2 });
    expect(result.converged).toBe(true);
    expect(Array.from(assignToCentroids(points, 4000, 3, result.centroids))).toEqual(
      Array.from(result.labels),
    );
    const sums = new Float64Array(5 * 3);
    const counts = new Float64Array(5);
    result.labels.forEach((label, i) => {
      counts[label] = (counts[label] as number) + 1;
      for (let f = 0; f < 3; f++)
        sums[label * 3 + f] = (sums[label * 3 + f] as number) + (points[i * 3 + f] as number);
    });
    for (let j = 0; j < 5; j++) {
      for (let f = 0; f < 3; f++) {
        expect(result.centroids[j * 3 + f]).toBeCloseTo(
          (sums[j * 3 + f] as number) / (counts[j] as number),
          9,
        );
      }
    }
  });

  it("is deterministic for a seed", () => {
    const points = skewed(2000, 6);
    const a = kmeans(points, 2000, 3, { k: 5, seed: 11 });
    const b = kmeans(points, 2000, 3, { k: 5, seed: 11 });
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.inertia).toBe(a.inertia);
  });

  it("never does worse with more restarts (the first restart is the single-restart run)", () => {
    const points = skewed(2000, 7);
    for (const seed of [1, 2, 3, 4, 5]) {
      const one = kmeans(points, 2000, 3, { k: 6, restarts: 1, seed });
      const ten = kmeans(points, 2000, 3, { k: 6, restarts: 10, seed });
      expect(ten.inertia).toBeLessThanOrEqual(one.inertia);
      expect(ten.restartsRun).toBe(10);
    }
  });

  it("refuses k above the number of distinct points, with a clear error", () => {
    const points = new Float64Array([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 2, 2]);
    expect(() => kmeans(points, 8, 2, { k: 4 })).toThrow("k = 4 but the points hold only 3 distinct values");
    expect(kmeans(points, 8, 2, { k: 3 }).inertia).toBe(0);
    expect(() => kmeans(points, 8, 2, { k: 9 })).toThrow("k = 9 but there are only 8 points");
  });

  it("names what is wrong with bad input", () => {
    expect(() => kmeans(new Float64Array(5), 3, 2)).toThrow(
      "points hold 5 values, expected n × d = 3 × 2 = 6",
    );
    expect(() => kmeans(new Float64Array([0, Number.NaN, 1, 1]), 2, 2, { k: 1 })).toThrow(
      "point 0, feature 1 is NaN",
    );
    expect(() => kmeans(new Float64Array(4), 2, 2, { k: 0 })).toThrow("k is 0; it must be an integer >= 1");
    expect(() => kmeans(new Float64Array(4), 2, 2, { restarts: 1.5 })).toThrow("restarts is 1.5");
  });
});

describe("assignToCentroids", () => {
  it("labels new points by their nearest centroid", () => {
    const centroids = new Float64Array([0, 0, 10, 0, 0, 10]);
    const points = new Float64Array([1, 1, 9, -1, -2, 8, 4.9, 0, 5.1, 0]);
    expect(Array.from(assignToCentroids(points, 5, 2, centroids))).toEqual([0, 1, 2, 0, 1]);
  });

  it("refuses centroids of another dimension and non-finite points", () => {
    expect(() => assignToCentroids(new Float64Array(4), 2, 2, new Float64Array(3))).toThrow(
      "centroids hold 3 values, not a multiple of d = 2",
    );
    expect(() => assignToCentroids(new Float64Array([0, Number.NaN]), 1, 2, new Float64Array(2))).toThrow(
      "point 0 has a non-finite value",
    );
  });
});
