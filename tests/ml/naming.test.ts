import { describe, expect, it } from "vitest";
import { Rng } from "../../src/generate/rng.ts";
import { kmeans } from "../../src/ml/segmentation/kmeans.ts";
import { nameSegments, type RfmCentroid, rfmCentroids } from "../../src/ml/segmentation/naming.ts";
import { fitLogStandardScaler, LogStandardScaler } from "../../src/ml/segmentation/scaling.ts";

const c = (recency: number, frequency: number, monetary: number): RfmCentroid => ({
  recency,
  frequency,
  monetary,
});

/** Hand-made centroids in log-standardised space (recency in days: lower is better). */
const ARCHETYPAL: Record<string, RfmCentroid> = {
  Champions: c(-1.0, 1.6, 1.7),
  Loyal: c(-0.4, 0.6, 0.5),
  Potential: c(-1.1, -0.7, -0.6),
  "At risk": c(0.6, 0.5, 0.6),
  Dormant: c(1.6, -1.3, -1.4),
};

describe("nameSegments", () => {
  it("gives each of five archetypal centroids its name, whatever their order", () => {
    const entries = Object.entries(ARCHETYPAL);
    for (let shift = 0; shift < entries.length; shift++) {
      const order = [...entries.slice(shift), ...entries.slice(0, shift)].reverse();
      expect(nameSegments(order.map(([, centroid]) => centroid))).toEqual(order.map(([name]) => name));
    }
  });

  it("uses each name once for k = 5 even when two centroids look alike", () => {
    const names = nameSegments([
      c(1.5, -1.2, -1.3),
      c(1.4, -1.1, -1.0),
      c(-1, 1.5, 1.5),
      c(-0.5, 0.4, 0.3),
      c(-1, -0.9, -1),
    ]);
    expect(new Set(names).size).toBe(5);
    expect(names.slice(2)).toEqual(["Champions", "Loyal", "Potential"]);
    // The staler, less valuable of the two stale centroids is the dormant one.
    expect(names.slice(0, 2)).toEqual(["Dormant", "At risk"]);
  });

  it("gives the same names in raw units (days, counts, XOF) as in a rescaled space", () => {
    const raw = [
      c(3, 40, 900_000),
      c(200, 2, 15_000),
      c(10, 1, 5_000),
      c(90, 25, 600_000),
      c(20, 12, 200_000),
    ];
    const rescaled = raw.map(({ recency, frequency, monetary }) =>
      c(recency / 30 - 2, frequency * 0.1 + 1, monetary / 1e5 - 3),
    );
    expect(nameSegments(raw)).toEqual(["Champions", "Dormant", "Potential", "At risk", "Loyal"]);
    expect(nameSegments(rescaled)).toEqual(nameSegments(raw));
  });

  it("for k < 5 gives distinct names from the five", () => {
    const names = nameSegments([
      ARCHETYPAL.Dormant,
      ARCHETYPAL.Champions,
      ARCHETYPAL.Potential,
    ] as RfmCentroid[]);
    expect(names).toEqual(["Dormant", "Champions", "Potential"]);
    expect(nameSegments([c(5, 30, 1e6), c(100, 1, 1e3)])).toEqual(["Champions", "Dormant"]);
  });

  it("for k > 5 uses every name and numbers shared names by value, best first", () => {
    const centroids = [...Object.values(ARCHETYPAL), c(1.8, -1.5, -1.6), c(-0.3, 0.7, 0.6)];
    const names = nameSegments(centroids);
    expect(names).toEqual([
      "Champions",
      "Loyal 2",
      "Potential",
      "At risk",
      "Dormant 1",
      "Dormant 2",
      "Loyal 1",
    ]);
  });

  it('calls a single segment "All clients" and refuses no or non-finite centroids', () => {
    expect(nameSegments([c(1, 2, 3)])).toEqual(["All clients"]);
    expect(() => nameSegments([])).toThrow("no centroids");
    expect(() => nameSegments([c(1, 2, 3), c(Number.NaN, 1, 1)])).toThrow("centroid 1 is not finite");
  });
});

describe("rfmCentroids", () => {
  it("reads the recency, frequency and monetary columns of flat centroids", () => {
    const flat = new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rfmCentroids(flat, 4, { recency: 3, frequency: 0, monetary: 1 })).toEqual([
      c(4, 1, 2),
      c(8, 5, 6),
    ]);
    expect(() => rfmCentroids(flat, 3)).toThrow("8 values is not a multiple of d = 3");
    expect(() => rfmCentroids(flat, 4, { recency: 4, frequency: 0, monetary: 1 })).toThrow(
      "recency column 4 is outside 0..3",
    );
  });
});

describe("LogStandardScaler", () => {
  const recency = [0, 3, 10, 30, 365];
  const frequency = [1, 1, 4, 20, 200];
  const constant = [7, 7, 7, 7, 7];

  it("takes log1p then z-scores each column (population std), constant columns to 0", () => {
    const scaler = fitLogStandardScaler([recency, frequency, constant], ["recency", "frequency", "tenure"]);
    const points = scaler.transform([recency, frequency, constant]);
    for (let col = 0; col < 3; col++) {
      const column = Array.from({ length: 5 }, (_, i) => points[i * 3 + col] as number);
      const mean = column.reduce((a, b) => a + b, 0) / 5;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
      expect(mean).toBeCloseTo(0, 12);
      expect(variance).toBeCloseTo(col === 2 ? 0 : 1, 12);
    }
    const logs = recency.map(Math.log1p);
    const mean = logs.reduce((a, b) => a + b, 0) / 5;
    expect(scaler.means[0]).toBeCloseTo(mean, 12);
    expect(points[3 * 3]).toBeCloseTo((Math.log1p(30) - mean) / (scaler.stds[0] as number), 12);
    expect(scaler.stds[2]).toBe(1);
  });

  it("round-trips through JSON and scores later data on the fitted scale; inverts back to units", () => {
    const scaler = fitLogStandardScaler([recency, frequency]);
    const restored = LogStandardScaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
    const later = [
      [1, 500],
      [2, 9],
    ];
    expect(Array.from(restored.transform(later))).toEqual(Array.from(scaler.transform(later)));
    const back = scaler.inverseTransform(scaler.transform(later));
    expect(back[0]).toBeCloseTo(1, 9);
    expect(back[1]).toBeCloseTo(2, 9);
    expect(back[2]).toBeCloseTo(500, 7);
  });

  it("names what is wrong", () => {
    expect(() => fitLogStandardScaler([recency, [1, 2]], ["recency", "frequency"])).toThrow(
      "frequency has 2 values, recency has 5",
    );
    expect(() => fitLogStandardScaler([[1, -2, 3]], ["monetary"])).toThrow(
      "monetary[1] is -2; RFM values must be finite and >= 0",
    );
    expect(() => fitLogStandardScaler([recency]).transform([recency, frequency])).toThrow(
      "2 columns, fitted on 1",
    );
    expect(() =>
      LogStandardScaler.fromJSON({ kind: "log1p-standard", names: ["a"], means: [0], stds: [0] }),
    ).toThrow("stds > 0");
  });
});

describe("RFM segmentation end to end", () => {
  it("scales raw RFM values, clusters them and names each population after its archetype", () => {
    const rng = new Rng(5);
    // [median recency days, median transactions, median XOF per transaction] per population
    const populations: Record<string, [number, number, number]> = {
      Champions: [2, 60, 40_000],
      Loyal: [12, 15, 15_000],
      Potential: [4, 2, 3_000],
      "At risk": [120, 25, 20_000],
      Dormant: [400, 2, 2_000],
    };
    const truth: string[] = [];
    const columns: number[][] = [[], [], []];
    for (const [name, [r, f, m]] of Object.entries(populations)) {
      for (let i = 0; i < 300; i++) {
        const count = Math.max(1, Math.round(rng.logNormal(f, 0.2)));
        truth.push(name);
        columns[0]?.push(Math.round(rng.logNormal(r, 0.2)));
        columns[1]?.push(count);
        columns[2]?.push(count * rng.logNormal(m, 0.2));
      }
    }
    const scaler = fitLogStandardScaler(columns, ["recency", "frequency", "monetary"]);
    const result = kmeans(scaler.transform(columns), truth.length, 3, { k: 5, seed: 1 });
    const names = nameSegments(rfmCentroids(result.centroids, 3));
    const agree = truth.filter((name, i) => names[result.labels[i] as number] === name).length;
    expect(agree / truth.length).toBeGreaterThan(0.99);
  });
});
