/**
 * Names RFM segments from their centroids.
 *
 * The rule: each centroid is described by three scores, standardised across the k centroids (mean 0,
 * standard deviation 1 over the centroids, so only how segments compare matters): R = how recent
 * (minus the standardised recency in days, so higher is better), F = frequency, M = monetary value.
 * Each name has an archetype in (R, F, M):
 *
 *   Champions (+1, +1, +1)        bought recently, often, a lot
 *   Loyal     (+½, +½, +½)        good on all three, less so
 *   Potential (+1, −1, −1)        recent but still small and infrequent (new or growing clients)
 *   At risk   (−1, +½, +½)        were frequent and valuable, have gone quiet
 *   Dormant   (−1, −1, −1)        long gone, rarely bought, little value
 *
 * Names go to centroids so that the summed squared distance between each centroid's scores and its
 * name's archetype is smallest, subject to: for k ≤ 5 every segment gets a different name (for k = 5
 * each name exactly once); for k > 5 every name is used at least once and a name shared by several
 * segments is numbered by value (R + F + M, best first): "Loyal 1", "Loyal 2". Ties go to the earlier
 * centroid and the earlier name above, so the result is deterministic. One segment is "All clients".
 *
 * Centroids are expected in the space K-means ran in (log-standardised features); any per-feature
 * positive affine rescaling of it gives the same names.
 */

export const SEGMENT_NAMES = ["Champions", "Loyal", "Potential", "At risk", "Dormant"] as const;
export type SegmentName = (typeof SEGMENT_NAMES)[number];

const ARCHETYPES: readonly (readonly [r: number, f: number, m: number])[] = [
  [1, 1, 1],
  [0.5, 0.5, 0.5],
  [1, -1, -1],
  [-1, 0.5, 0.5],
  [-1, -1, -1],
];

export interface RfmCentroid {
  /** Days since the last transaction (or its scaled value): lower is better. */
  recency: number;
  frequency: number;
  monetary: number;
}

/** The RFM centroids held in a row-major k × d array, reading the given columns. */
export function rfmCentroids(
  centroids: Float64Array,
  d: number,
  columns: { recency: number; frequency: number; monetary: number } = {
    recency: 0,
    frequency: 1,
    monetary: 2,
  },
): RfmCentroid[] {
  if (centroids.length % d !== 0) {
    throw new Error(`rfmCentroids: ${centroids.length} values is not a multiple of d = ${d}`);
  }
  for (const [name, column] of Object.entries(columns)) {
    if (!Number.isInteger(column) || column < 0 || column >= d) {
      throw new Error(`rfmCentroids: ${name} column ${column} is outside 0..${d - 1}`);
    }
  }
  return Array.from({ length: centroids.length / d }, (_, j) => ({
    recency: centroids[j * d + columns.recency] as number,
    frequency: centroids[j * d + columns.frequency] as number,
    monetary: centroids[j * d + columns.monetary] as number,
  }));
}

/** One name per centroid, in the order given (see the rule above). */
export function nameSegments(centroids: readonly RfmCentroid[]): string[] {
  const k = centroids.length;
  if (k === 0) throw new Error("nameSegments: no centroids");
  centroids.forEach((c, j) => {
    if (![c.recency, c.frequency, c.monetary].every(Number.isFinite)) {
      throw new Error(`nameSegments: centroid ${j} is not finite: ${JSON.stringify(c)}`);
    }
  });
  if (k === 1) return ["All clients"];

  const recent = standardise(centroids.map((c) => -c.recency));
  const frequent = standardise(centroids.map((c) => c.frequency));
  const spending = standardise(centroids.map((c) => c.monetary));
  const cost = centroids.map((_, j) =>
    ARCHETYPES.map(
      ([r, f, m]) =>
        ((recent[j] as number) - r) ** 2 +
        ((frequent[j] as number) - f) ** 2 +
        ((spending[j] as number) - m) ** 2,
    ),
  );
  const chosen = bestAssignment(cost, k <= SEGMENT_NAMES.length);

  const value = centroids.map(
    (_, j) => (recent[j] as number) + (frequent[j] as number) + (spending[j] as number),
  );
  const names: string[] = [];
  chosen.forEach((nameIndex, j) => {
    const sharing = chosen.map((other, i) => ({ other, i })).filter(({ other }) => other === nameIndex);
    const base = SEGMENT_NAMES[nameIndex] as string;
    if (sharing.length === 1) {
      names.push(base);
      return;
    }
    const rank = sharing
      .map(({ i }) => i)
      .sort((a, b) => (value[b] as number) - (value[a] as number) || a - b)
      .indexOf(j);
    names.push(`${base} ${rank + 1}`);
  });
  return names;
}

/**
 * The name index for each centroid minimising the summed cost, by dynamic programming over the set of
 * names used so far (32 states): `distinct` forbids reusing a name; otherwise all names must be used.
 */
function bestAssignment(cost: number[][], distinct: boolean): number[] {
  const names = SEGMENT_NAMES.length;
  const states = 1 << names;
  const k = cost.length;
  let best = new Float64Array(states).fill(Number.POSITIVE_INFINITY);
  best[0] = 0;
  const choice: Int8Array[] = [];
  const from: Int32Array[] = [];
  for (let j = 0; j < k; j++) {
    const next = new Float64Array(states).fill(Number.POSITIVE_INFINITY);
    const pick = new Int8Array(states).fill(-1);
    const previous = new Int32Array(states).fill(-1);
    for (let mask = 0; mask < states; mask++) {
      const base = best[mask] as number;
      if (base === Number.POSITIVE_INFINITY) continue;
      for (let name = 0; name < names; name++) {
        const bit = 1 << name;
        if (distinct && mask & bit) continue;
        const total = base + ((cost[j] as number[])[name] as number);
        if (total < (next[mask | bit] as number)) {
          next[mask | bit] = total;
          pick[mask | bit] = name;
          previous[mask | bit] = mask;
        }
      }
    }
    best = next;
    choice.push(pick);
    from.push(previous);
  }

  let mask = states - 1;
  if (distinct) {
    let lowest = Number.POSITIVE_INFINITY;
    for (let m = 0; m < states; m++) {
      if ((best[m] as number) < lowest) {
        lowest = best[m] as number;
        mask = m;
      }
    }
  }
  const assignment = new Array<number>(k);
  for (let j = k - 1; j >= 0; j--) {
    assignment[j] = (choice[j] as Int8Array)[mask] as number;
    mask = (from[j] as Int32Array)[mask] as number;
  }
  return assignment;
}

function standardise(values: number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return values.map((v) => (std > 0 ? (v - mean) / std : 0));
}
