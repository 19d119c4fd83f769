/**
 * K-means on row-major Float64Array points: greedy k-means++ seeding as scikit-learn does it, Lloyd
 * iterations accelerated with Hamerly's bounds (exact: same fixed points as plain Lloyd), empty clusters
 * re-seeded with the farthest point, best of several restarts by inertia. Deterministic per seed.
 *
 * Convergence follows scikit-learn: stop when no label changes, or when the summed squared centroid shift
 * is at most `tolerance × mean per-feature variance`. Every iteration ends with an assignment step, so
 * the labels returned are each point's nearest final centroid, and the inertia is measured on them.
 * A restart never ends with an empty cluster unless it runs out of iterations.
 */
import { Rng } from "../../generate/rng.ts";

export interface KmeansOptions {
  /** Number of clusters (default 5). */
  k?: number;
  /** Independent k-means++ seedings, the best kept by inertia (scikit-learn's `n_init`, default 10). */
  restarts?: number;
  maxIterations?: number;
  /** Relative to the mean per-feature variance, as scikit-learn's `tol` (default 1e-4). */
  tolerance?: number;
  seed?: number;
}

export interface KmeansResult {
  /** k × d, row-major. */
  centroids: Float64Array;
  labels: Int32Array;
  /** Sum of squared distances from each point to its centroid. */
  inertia: number;
  /** Lloyd iterations of the kept restart. */
  iterations: number;
  /** Whether the kept restart converged before `maxIterations`. */
  converged: boolean;
  restartsRun: number;
}

/** Scratch arrays shared by the restarts of one call. */
interface Work {
  labels: Int32Array;
  upper: Float64Array;
  lower: Float64Array;
  /** k-means++: running sum of the squared distances to the closest chosen centre. */
  cumulative: Float64Array;
  sums: Float64Array;
  counts: Float64Array;
}

export function kmeans(
  points: Float64Array,
  n: number,
  d: number,
  options: KmeansOptions = {},
): KmeansResult {
  const { k = 5, restarts = 10, maxIterations = 300, tolerance = 1e-4, seed = 0 } = options;
  checkShape(points, n, d);
  positiveInteger("k", k);
  positiveInteger("restarts", restarts);
  positiveInteger("maxIterations", maxIterations);
  if (!(tolerance >= 0)) throw new Error(`kmeans: tolerance is ${tolerance}; it must be >= 0`);
  if (k > n) throw new Error(`kmeans: k = ${k} but there are only ${n} points`);

  const { x, stride, mean } = centreAndPad(points, n, d);
  const absoluteTolerance = tolerance * meanVariance(x, n, d);
  const work: Work = {
    labels: new Int32Array(n),
    upper: new Float64Array(n),
    lower: new Float64Array(n),
    cumulative: new Float64Array(n),
    sums: new Float64Array(k * stride),
    counts: new Float64Array(k),
  };

  let best: KmeansResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const centroids = seedKmeansPlusPlus(x, n, stride, k, new Rng(seed, r), work);
    const run = lloyd(x, n, stride, k, centroids, maxIterations, absoluteTolerance, work);
    if (best === undefined || run.inertia < best.inertia) {
      best = { centroids, labels: work.labels.slice(), ...run, restartsRun: restarts };
    }
  }
  const result = best as KmeansResult;
  const centroids = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    for (let f = 0; f < d; f++) {
      centroids[j * d + f] = (result.centroids[j * stride + f] as number) + (mean[f] as number);
    }
  }
  return { ...result, centroids };
}

/** Labels of `points` (n × d) by nearest centroid (k × d, k = centroids.length / d). */
export function assignToCentroids(
  points: Float64Array,
  n: number,
  d: number,
  centroids: Float64Array,
): Int32Array {
  checkShape(points, n, d);
  if (centroids.length === 0 || centroids.length % d !== 0) {
    throw new Error(
      `assignToCentroids: centroids hold ${centroids.length} values, not a multiple of d = ${d}`,
    );
  }
  const k = centroids.length / d;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let bestJ = 0;
    let bestDist = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) {
      const dist = squaredDistance(points, i * d, centroids, j * d, d);
      if (dist < bestDist) {
        bestDist = dist;
        bestJ = j;
      }
    }
    if (bestDist === Number.POSITIVE_INFINITY) {
      throw new Error(`assignToCentroids: point ${i} has a non-finite value`);
    }
    labels[i] = bestJ;
  }
  return labels;
}

/** Squared distance between a[ai..] and b[bi..] over d values; d = 4 (padded RFM points) is unrolled. */
function squaredDistance(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  if (d === 4) {
    const d0 = (a[ai] as number) - (b[bi] as number);
    const d1 = (a[ai + 1] as number) - (b[bi + 1] as number);
    const d2 = (a[ai + 2] as number) - (b[bi + 2] as number);
    const d3 = (a[ai + 3] as number) - (b[bi + 3] as number);
    return d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
  }
  let sum = 0;
  for (let f = 0; f < d; f++) {
    const diff = (a[ai + f] as number) - (b[bi + f] as number);
    sum += diff * diff;
  }
  return sum;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii; scikit-learn's variant): the first centre uniformly, then each
 * next one the best of 2 + ⌊ln k⌋ candidates drawn in proportion to their squared distance to the chosen
 * centres, "best" meaning the one that leaves the smallest total squared distance. Leaves each point's
 * nearest centre in labels and the squared distances to it and to the runner-up in upper and lower.
 */
function seedKmeansPlusPlus(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  work: Work,
): Float64Array {
  const { labels, upper: closest, lower: second, cumulative } = work;
  const centroids = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const candidates = new Int32Array(trials);
  const potentials = new Float64Array(trials);

  const first = rng.int(n);
  centroids.set(x.subarray(first * d, first * d + d), 0);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    const dist = squaredDistance(x, i * d, centroids, 0, d);
    labels[i] = 0;
    closest[i] = dist;
    second[i] = Number.POSITIVE_INFINITY;
    potential += dist;
    cumulative[i] = potential;
  }

  for (let c = 1; c < k; c++) {
    if (potential === 0) {
      throw new Error(`kmeans: k = ${k} but the points hold only ${c} distinct values; lower k`);
    }
    for (let t = 0; t < trials; t++) candidates[t] = firstAbove(cumulative, rng.next() * potential);

    potentials.fill(0);
    for (let i = 0; i < n; i++) {
      const own = closest[i] as number;
      for (let t = 0; t < trials; t++) {
        const dist = squaredDistance(x, i * d, x, (candidates[t] as number) * d, d);
        potentials[t] = (potentials[t] as number) + Math.min(dist, own);
      }
    }
    let chosen = 0;
    for (let t = 1; t < trials; t++)
      if ((potentials[t] as number) < (potentials[chosen] as number)) chosen = t;
    const id = candidates[chosen] as number;
    centroids.set(x.subarray(id * d, id * d + d), c * d);

    potential = 0;
    for (let i = 0; i < n; i++) {
      const dist = squaredDistance(x, i * d, centroids, c * d, d);
      const own = closest[i] as number;
      if (dist < own) {
        second[i] = own;
        closest[i] = dist;
        labels[i] = c;
        potential += dist;
      } else {
        if (dist < (second[i] as number)) second[i] = dist;
        potential += own;
      }
      cumulative[i] = potential;
    }
  }
  return centroids;
}

/** First index whose running sum exceeds `target` (so a point at distance 0 is never drawn). */
function firstAbove(cumulative: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Lloyd's algorithm with Hamerly's bounds: per point an upper bound on the distance to its centroid and a
 * lower bound on the distance to every other one; a point whose upper bound is below both its lower bound
 * and half the distance from its centroid to the nearest other centroid cannot change cluster, so its
 * distances are not computed. Starts from the labels and squared distances the seeding left in `work`;
 * centroid sums are kept up to date as points move. Each iteration moves the centroids to their means,
 * then reassigns: on return the labels are those of the returned centroids.
 *
 * Bounds are stored relative to the running totals of centroid moves (`Drift`), so a point that cannot
 * change cluster costs three reads and no write.
 */
function lloyd(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  centroids: Float64Array,
  maxIterations: number,
  tolerance: number,
  work: Work,
): Omit<KmeansResult, "centroids" | "labels" | "restartsRun"> {
  const { labels, upper, lower, sums, counts } = work;
  const drift: Drift = { byCluster: new Float64Array(k), max: 0 };
  const halfGap = new Float64Array(k);
  const previous = new Float64Array(k * d);

  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const a = labels[i] as number;
    upper[i] = Math.sqrt(upper[i] as number);
    lower[i] = Math.sqrt(lower[i] as number);
    counts[a] = (counts[a] as number) + 1;
    for (let f = 0; f < d; f++) sums[a * d + f] = (sums[a * d + f] as number) + (x[i * d + f] as number);
  }

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    relocateEmptyClusters(x, n, d, k, centroids, drift, work);
    previous.set(centroids);
    for (let j = 0; j < k; j++) {
      const count = counts[j] as number;
      for (let f = 0; f < d; f++) centroids[j * d + f] = (sums[j * d + f] as number) / count;
    }
    let totalShift = 0;
    let maxShift = 0;
    for (let j = 0; j < k; j++) {
      const moved = squaredDistance(centroids, j * d, previous, j * d, d);
      totalShift += moved;
      const shift = Math.sqrt(moved);
      drift.byCluster[j] = (drift.byCluster[j] as number) + shift;
      if (shift > maxShift) maxShift = shift;
    }
    drift.max += maxShift;
    halfGaps(centroids, d, k, halfGap);
    const changed = reassign(x, n, d, k, centroids, drift, halfGap, work);
    if (counts.includes(0)) continue;
    if (changed === 0 || totalShift <= tolerance) {
      converged = true;
      break;
    }
  }

  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(x, i * d, centroids, (labels[i] as number) * d, d);
  return { inertia, iterations, converged };
}

/**
 * How far the centroids moved since the bounds were first set: per cluster, and the sum over iterations
 * of the largest move. A point's true upper bound is upper[i] + byCluster[label], its lower bound
 * lower[i] − max.
 */
interface Drift {
  byCluster: Float64Array;
  max: number;
}

/** Half the distance from each centroid to its nearest other centroid. */
function halfGaps(centroids: Float64Array, d: number, k: number, halfGap: Float64Array) {
  for (let j = 0; j < k; j++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let other = 0; other < k; other++) {
      if (other === j) continue;
      const dist = squaredDistance(centroids, j * d, centroids, other * d, d);
      if (dist < nearest) nearest = dist;
    }
    halfGap[j] = Math.sqrt(nearest) / 2;
  }
}

/** Hamerly's assignment step after the centroids moved; returns how many points changed cluster. */
function reassign(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  centroids: Float64Array,
  drift: Drift,
  halfGap: Float64Array,
  work: Work,
): number {
  const { labels, upper, lower, sums, counts } = work;
  const byCluster = drift.byCluster;
  const maxDrift = drift.max;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    const a = labels[i] as number;
    const l = (lower[i] as number) - maxDrift;
    const gap = halfGap[a] as number;
    const bound = Math.max(gap, l);
    const own = byCluster[a] as number;
    if ((upper[i] as number) + own <= bound) continue;
    const u = Math.sqrt(squaredDistance(x, i * d, centroids, a * d, d));
    upper[i] = u - own;
    if (u <= bound) continue;
    const b = nearestTwo(x, i, d, k, centroids, upper, lower);
    upper[i] = (upper[i] as number) - (byCluster[b] as number);
    lower[i] = (lower[i] as number) + maxDrift;
    if (b === a) continue;
    changed++;
    labels[i] = b;
    counts[a] = (counts[a] as number) - 1;
    counts[b] = (counts[b] as number) + 1;
    for (let f = 0; f < d; f++) {
      const v = x[i * d + f] as number;
      sums[a * d + f] = (sums[a * d + f] as number) - v;
      sums[b * d + f] = (sums[b * d + f] as number) + v;
    }
  }
  return changed;
}

/** Nearest centroid of point i; writes the distance to it in upper[i] and to the runner-up in lower[i]. */
function nearestTwo(
  x: Float64Array,
  i: number,
  d: number,
  k: number,
  centroids: Float64Array,
  upper: Float64Array,
  lower: Float64Array,
): number {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  let secondDist = Number.POSITIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    const dist = squaredDistance(x, i * d, centroids, j * d, d);
    if (dist < bestDist) {
      secondDist = bestDist;
      bestDist = dist;
      best = j;
    } else if (dist < secondDist) secondDist = dist;
  }
  upper[i] = Math.sqrt(bestDist);
  lower[i] = Math.sqrt(secondDist);
  return best;
}

/**
 * Gives each empty cluster the point farthest from its centroid (taken from a cluster that keeps at least
 * one point), as scikit-learn does. That point's bounds become 0 so that it is re-examined next pass.
 */
function relocateEmptyClusters(
  x: Float64Array,
  n: number,
  d: number,
  k: number,
  centroids: Float64Array,
  drift: Drift,
  work: Work,
) {
  const { labels, upper, lower, sums, counts } = work;
  for (let empty = 0; empty < k; empty++) {
    if ((counts[empty] as number) > 0) continue;
    let far = -1;
    let farDist = -1;
    for (let i = 0; i < n; i++) {
      const a = labels[i] as number;
      if ((counts[a] as number) < 2) continue;
      const dist = squaredDistance(x, i * d, centroids, a * d, d);
      if (dist > farDist) {
        farDist = dist;
        far = i;
      }
    }
    const from = labels[far] as number;
    labels[far] = empty;
    counts[from] = (counts[from] as number) - 1;
    counts[empty] = 1;
    for (let f = 0; f < d; f++) {
      const v = x[far * d + f] as number;
      sums[from * d + f] = (sums[from * d + f] as number) - v;
      sums[empty * d + f] = v;
    }
    upper[far] = -(drift.byCluster[empty] as number);
    lower[far] = drift.max;
  }
}

/**
 * The points minus their mean (no distance changes; squared-distance sums stay well conditioned), each
 * row padded with zeros to a multiple of 4 values so that the distance kernel is unrolled.
 */
function centreAndPad(points: Float64Array, n: number, d: number) {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) {
      const v = points[i * d + f] as number;
      if (!Number.isFinite(v))
        throw new Error(`kmeans: point ${i}, feature ${f} is ${v}; values must be finite`);
      mean[f] = (mean[f] as number) + v;
    }
  }
  for (let f = 0; f < d; f++) mean[f] = (mean[f] as number) / n;
  const stride = Math.ceil(d / 4) * 4;
  const x = new Float64Array(n * stride);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) x[i * stride + f] = (points[i * d + f] as number) - (mean[f] as number);
  }
  return { x, stride, mean };
}

function meanVariance(centred: Float64Array, n: number, d: number): number {
  let sum = 0;
  for (let i = 0; i < centred.length; i++) sum += (centred[i] as number) ** 2;
  return sum / (n * d);
}

function checkShape(points: Float64Array, n: number, d: number) {
  positiveInteger("n", n);
  positiveInteger("d", d);
  if (points.length !== n * d) {
    throw new Error(`kmeans: points hold ${points.length} values, expected n × d = ${n} × ${d} = ${n * d}`);
  }
}

function positiveInteger(name: string, value: number) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`kmeans: ${name} is ${value}; it must be an integer >= 1`);
}
