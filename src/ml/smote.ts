/**
 * SMOTE (Chawla et al., 2002): synthetic minority rows, each on the segment between a minority row and
 * one of its k nearest minority neighbours: x + u·(neighbour − x), u uniform in [0, 1).
 *
 * Neighbours are searched in standardised space: each feature minus its minority mean, over its minority
 * standard deviation (1 when constant), so that no feature dominates by its units. A missing value (NaN)
 * counts as the minority mean (0 in that space) for the search. Interpolation keeps the base row's
 * missing values: a feature missing in the base stays missing; a feature missing only in the neighbour
 * keeps the base's value. The search is exact (see nearestNeighbours).
 */
import { Rng } from "../generate/rng.ts";

export interface SmoteOptions {
  /** Nearest minority neighbours to interpolate towards (default 5). */
  k?: number;
  /** Minority : majority ratio wanted after appending the synthetic rows (e.g. 0.1). */
  ratio?: number;
  /** Number of synthetic rows, instead of `ratio`. */
  count?: number;
  seed?: number;
  /** Label of the minority class (default 1); every other label is majority. */
  minorityLabel?: number;
}

/** Synthetic minority rows, row-major (count × cols), to append to the training features. */
export function smote(
  features: Float32Array,
  rows: number,
  cols: number,
  labels: Uint8Array,
  options: SmoteOptions,
): Float32Array {
  const { k = 5, seed = 0, minorityLabel = 1 } = options;
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new Error(`smote: rows = ${rows} and cols = ${cols} must be integers >= 1`);
  }
  if (features.length !== rows * cols) {
    throw new Error(`smote: features hold ${features.length} values, expected rows × cols = ${rows * cols}`);
  }
  if (labels.length !== rows) throw new Error(`smote: ${labels.length} labels for ${rows} rows`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`smote: k is ${k}; it must be an integer >= 1`);

  const minority: number[] = [];
  for (let i = 0; i < rows; i++) if (labels[i] === minorityLabel) minority.push(i);
  const count = syntheticCount(options, minority.length, rows - minority.length);
  if (count === 0) return new Float32Array(0);
  if (minority.length <= k) {
    throw new Error(
      `smote: k = ${k} needs at least ${k + 1} minority rows (label ${minorityLabel}); got ${minority.length}`,
    );
  }

  const m = minority.length;
  const neighbours = nearestNeighbours(standardise(features, cols, minority), m, cols, k);
  const rng = new Rng(seed);
  const synthetic = new Float32Array(count * cols);
  for (let s = 0; s < count; s++) {
    const b = rng.int(m);
    const base = (minority[b] as number) * cols;
    const other = (minority[neighbours[b * k + rng.int(k)] as number] as number) * cols;
    const u = rng.next();
    for (let f = 0; f < cols; f++) {
      const x = features[base + f] as number;
      const y = features[other + f] as number;
      synthetic[s * cols + f] = Number.isNaN(y) ? x : x + u * (y - x);
    }
  }
  return synthetic;
}

function syntheticCount({ ratio, count }: SmoteOptions, minority: number, majority: number): number {
  if ((ratio === undefined) === (count === undefined))
    throw new Error("smote: give exactly one of ratio or count");
  if (count !== undefined) {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`smote: count is ${count}; it must be an integer >= 0`);
    return count;
  }
  if (!(typeof ratio === "number" && ratio > 0 && Number.isFinite(ratio))) {
    throw new Error(`smote: ratio is ${ratio}; it must be a number > 0 (minority : majority after)`);
  }
  return Math.max(0, Math.round(ratio * majority) - minority);
}

/** The minority rows in standardised space (m × cols, Float64), missing values at 0. */
function standardise(features: Float32Array, cols: number, minority: number[]): Float64Array {
  const m = minority.length;
  const points = new Float64Array(m * cols);
  for (let f = 0; f < cols; f++) {
    let n = 0;
    let sum = 0;
    for (const row of minority) {
      const v = features[row * cols + f] as number;
      if (!Number.isNaN(v)) {
        n++;
        sum += v;
      }
    }
    const mean = n > 0 ? sum / n : 0;
    let squares = 0;
    for (const row of minority) {
      const v = features[row * cols + f] as number;
      if (!Number.isNaN(v)) squares += (v - mean) ** 2;
    }
    const std = n > 0 && squares > 0 ? Math.sqrt(squares / n) : 1;
    minority.forEach((row, j) => {
      const v = features[row * cols + f] as number;
      if (!Number.isFinite(v) && !Number.isNaN(v)) {
        throw new Error(`smote: row ${row}, feature ${f} is ${v}; values must be finite or NaN (missing)`);
      }
      points[j * cols + f] = Number.isNaN(v) ? 0 : (v - mean) / std;
    });
  }
  return points;
}

const LEAF_SIZE = 32;

/**
 * The k nearest other points of every point (m × k indices, nearest first), exactly, with a k-d tree
 * built on the points rotated onto their principal axes (distances unchanged; splits then follow the
 * directions the data spreads along). A cell is split at the median of its widest coordinate; a search
 * enters the far side of a split only when the cell's distance lower bound, kept incrementally per
 * coordinate, beats the current k-th best; a candidate is dropped as soon as its partial distance over
 * the leading axes does.
 */
export function nearestNeighbours(points: Float64Array, m: number, d: number, k: number): Int32Array {
  const rotated = principalAxes(points, m, d);
  const tree = buildTree(rotated, m, d);
  // Rows in tree order (a leaf's rows are contiguous), padded with zeros to a multiple of 4 values.
  const stride = Math.ceil(d / 4) * 4;
  const y = new Float64Array(m * stride);
  tree.order.forEach((row, s) => {
    y.set(rotated.subarray(row * d, row * d + d), s * stride);
  });

  const search = new TreeSearch(tree, y, stride, d, k);
  const result = new Int32Array(m * k);
  for (let s = 0; s < m; s++) {
    const found = search.nearest(s);
    const row = tree.order[s] as number;
    for (let j = 0; j < k; j++) result[row * k + j] = tree.order[found[j] as number] as number;
  }
  return result;
}

class TreeSearch {
  readonly #tree: Tree;
  readonly #y: Float64Array;
  readonly #stride: number;
  readonly #k: number;
  readonly #bestDist: Float64Array;
  readonly #bestIndex: Int32Array;
  readonly #offsets: Float64Array;
  #query = 0;

  constructor(tree: Tree, y: Float64Array, stride: number, d: number, k: number) {
    this.#tree = tree;
    this.#y = y;
    this.#stride = stride;
    this.#k = k;
    this.#bestDist = new Float64Array(k);
    this.#bestIndex = new Int32Array(k);
    this.#offsets = new Float64Array(d);
  }

  /** The k nearest rows (tree positions) to row `query`, other than itself. */
  nearest(query: number): Int32Array {
    this.#query = query;
    this.#bestDist.fill(Number.POSITIVE_INFINITY);
    this.#offsets.fill(0);
    this.#visit(0, 0);
    return this.#bestIndex;
  }

  #visit(node: number, lowerBound: number): void {
    const tree = this.#tree;
    const bestDist = this.#bestDist;
    const k = this.#k;
    if (lowerBound >= (bestDist[k - 1] as number)) return;
    const y = this.#y;
    const stride = this.#stride;
    const qo = this.#query * stride;
    const dim = tree.dim[node] as number;
    if (dim >= 0) {
      const diff = (y[qo + dim] as number) - (tree.split[node] as number);
      const left = tree.left[node] as number;
      this.#visit(diff <= 0 ? left : left + 1, lowerBound);
      const offsets = this.#offsets;
      const previous = offsets[dim] as number;
      offsets[dim] = diff;
      this.#visit(diff <= 0 ? left + 1 : left, lowerBound - previous * previous + diff * diff);
      offsets[dim] = previous;
      return;
    }
    for (let c = tree.start[node] as number, end = tree.end[node] as number; c < end; c++) {
      if (c === this.#query) continue;
      const co = c * stride;
      const worst = bestDist[k - 1] as number;
      let dist = 0;
      for (let f = 0; f < stride && dist < worst; f += 4) {
        const d0 = (y[qo + f] as number) - (y[co + f] as number);
        const d1 = (y[qo + f + 1] as number) - (y[co + f + 1] as number);
        const d2 = (y[qo + f + 2] as number) - (y[co + f + 2] as number);
        const d3 = (y[qo + f + 3] as number) - (y[co + f + 3] as number);
        dist += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
      }
      if (dist < worst) insert(bestDist, this.#bestIndex, dist, c);
    }
  }
}

/** Inserts (dist, index) into the sorted k-best lists, dropping the last. */
function insert(bestDist: Float64Array, bestIndex: Int32Array, dist: number, index: number) {
  let slot = bestDist.length - 1;
  while (slot > 0 && (bestDist[slot - 1] as number) > dist) {
    bestDist[slot] = bestDist[slot - 1] as number;
    bestIndex[slot] = bestIndex[slot - 1] as number;
    slot--;
  }
  bestDist[slot] = dist;
  bestIndex[slot] = index;
}

/**
 * Node j is a leaf (dim −1) over tree positions [start, end), or a split of them on `dim` at `split`
 * (left child: values <= split, right child left + 1: values >= split). order[position] = row.
 */
interface Tree {
  order: Int32Array;
  start: Int32Array;
  end: Int32Array;
  dim: Int32Array;
  split: Float64Array;
  left: Int32Array;
}

function buildTree(points: Float64Array, m: number, d: number): Tree {
  // Split cells hold more than LEAF_SIZE rows, so every leaf holds at least LEAF_SIZE / 2.
  const capacity = 4 * Math.ceil(m / LEAF_SIZE) + 1;
  const tree: Tree = {
    order: Int32Array.from({ length: m }, (_, i) => i),
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    dim: new Int32Array(capacity),
    split: new Float64Array(capacity),
    left: new Int32Array(capacity),
  };
  let nodes = 1;
  tree.end[0] = m;
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    const start = tree.start[node] as number;
    const end = tree.end[node] as number;
    const dim = end - start > LEAF_SIZE ? widestDimension(points, tree.order, start, end, d) : -1;
    tree.dim[node] = dim;
    if (dim < 0) continue;
    const mid = (start + end) >>> 1;
    select(points, tree.order, start, end, mid, d, dim);
    tree.split[node] = points[(tree.order[mid] as number) * d + dim] as number;
    const left = nodes;
    nodes += 2;
    tree.left[node] = left;
    tree.start[left] = start;
    tree.end[left] = mid;
    tree.start[left + 1] = mid;
    tree.end[left + 1] = end;
    stack.push(left, left + 1);
  }
  return tree;
}

/** The coordinate with the largest spread over order[start, end), or −1 when all points coincide. */
function widestDimension(
  points: Float64Array,
  order: Int32Array,
  start: number,
  end: number,
  d: number,
): number {
  let best = -1;
  let widest = 0;
  for (let f = 0; f < d; f++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let s = start; s < end; s++) {
      const v = points[(order[s] as number) * d + f] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi - lo > widest) {
      widest = hi - lo;
      best = f;
    }
  }
  return best;
}

/** Quickselect: rearranges order[start, end) so that order[nth] has its rank on `dim`, smaller before. */
function select(
  points: Float64Array,
  order: Int32Array,
  start: number,
  end: number,
  nth: number,
  d: number,
  dim: number,
) {
  const value = (s: number) => points[(order[s] as number) * d + dim] as number;
  let lo = start;
  let hi = end - 1;
  while (lo < hi) {
    const pivot = value((lo + hi) >>> 1);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (value(i) < pivot) i++;
      while (value(j) > pivot) j--;
      if (i <= j) {
        const t = order[i] as number;
        order[i] = order[j] as number;
        order[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return;
  }
}

/** The centred points in the basis of their covariance's eigenvectors, largest variance first. */
function principalAxes(points: Float64Array, m: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < m * d; i++) mean[i % d] = (mean[i % d] as number) + (points[i] as number) / m;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    for (let f = 0; f < d; f++) row[f] = (points[i * d + f] as number) - (mean[f] as number);
    for (let a = 0; a < d; a++) {
      const ra = row[a] as number;
      for (let b = a; b < d; b++) cov[a * d + b] = (cov[a * d + b] as number) + ra * (row[b] as number);
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a] as number;
  const { values, vectors } = symmetricEigen(cov, d);
  const axes = Array.from({ length: d }, (_, j) => j).sort(
    (a, b) => (values[b] as number) - (values[a] as number),
  );

  const rotated = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    for (let f = 0; f < d; f++) row[f] = (points[i * d + f] as number) - (mean[f] as number);
    axes.forEach((axis, out) => {
      let dot = 0;
      for (let f = 0; f < d; f++) dot += (row[f] as number) * (vectors[f * d + axis] as number);
      rotated[i * d + out] = dot;
    });
  }
  return rotated;
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric d × d matrix, by cyclic Jacobi. */
function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diagonal = 0;
    for (let p = 0; p < d; p++) {
      diagonal += (a[p * d + p] as number) ** 2;
      for (let q = p + 1; q < d; q++) off += (a[p * d + q] as number) ** 2;
    }
    if (off <= 1e-30 * diagonal || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q] as number;
        if (apq === 0) continue;
        const theta = ((a[q * d + q] as number) - (a[p * d + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let r = 0; r < d; r++) {
          const arp = a[r * d + p] as number;
          const arq = a[r * d + q] as number;
          a[r * d + p] = cos * arp - sin * arq;
          a[r * d + q] = sin * arp + cos * arq;
        }
        for (let r = 0; r < d; r++) {
          const apr = a[p * d + r] as number;
          const aqr = a[q * d + r] as number;
          a[p * d + r] = cos * apr - sin * aqr;
          a[q * d + r] = sin * apr + cos * aqr;
        }
        for (let r = 0; r < d; r++) {
          const vrp = v[r * d + p] as number;
          const vrq = v[r * d + q] as number;
          v[r * d + p] = cos * vrp - sin * vrq;
          v[r * d + q] = sin * vrp + cos * vrq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i] as number;
  return { values, vectors: v };
}
