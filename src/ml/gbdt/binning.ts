import type { Dataset } from "./dataset.ts";

/**
 * Bin boundaries of every feature. Value x of feature f falls in bin "number of cuts ≤ x", so bins ≤ j
 * hold exactly the values x < cuts[f][j]; NaN falls in the feature's missing bin, `cuts[f].length + 1`.
 */
export interface BinCuts {
  readonly cuts: readonly Float32Array[];
  /** First histogram slot of each feature's bins (value bins then the missing bin); length cols + 1. */
  readonly histStart: Uint32Array;
}

/** Every value binned, in two layouts. */
export interface BinnedMatrix {
  readonly rows: number;
  readonly cols: number;
  /**
   * Histogram slot (`histStart[f]` + bin) of each value, row-major like the features (`data[r * cols + f]`):
   * building a histogram reads a row's slots together. 16 bits unless all features have over 65,536 slots.
   */
  readonly data: Uint16Array | Uint32Array;
  /**
   * Bin of each value, column-major (`columns[f * rows + r]`): a split reads one feature of many rows,
   * which stays in cache this way.
   */
  readonly columns: Uint8Array;
  readonly cuts: BinCuts;
}

const SIGN = 0x80000000;
const isNaNBits = (bits: number): boolean => (bits & 0x7fffffff) > 0x7f800000;

/** float32 bits → uint32 key in the numbers' order (−0 and +0 share a key). */
function orderedKey(bits: number): number {
  if (bits === SIGN) return SIGN;
  return bits & SIGN ? ~bits >>> 0 : (bits | SIGN) >>> 0;
}

function keyToBits(key: number): number {
  return key & SIGN ? (key ^ SIGN) >>> 0 : ~key >>> 0;
}

const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;
const BUCKET_SHIFT = 32 - BUCKET_BITS;

const bitsOf = (values: Float32Array): Uint32Array =>
  new Uint32Array(values.buffer, values.byteOffset, values.length);

/**
 * Boundaries from the values of at most `sampleRows` evenly spaced rows. Distinct values are grouped into at
 * most `maxBins − 1` value bins of about equal counts; a value frequent enough to fill a bin gets its own.
 */
export function computeCuts(data: Dataset, maxBins: number, sampleRows: number): BinCuts {
  const { rows, cols } = data;
  const bits = bitsOf(data.features);
  const take = Math.min(rows, sampleRows);
  // The sampled rows, one pass in row order, transposed to one contiguous run of keys per feature.
  const sample = new Uint32Array(take * cols);
  const counts = new Int32Array(cols);
  for (let s = 0; s < take; s++) {
    const at = Math.floor((s * rows) / take) * cols;
    for (let f = 0; f < cols; f++) {
      const b = bits[at + f] as number;
      if (isNaNBits(b)) continue;
      const n = counts[f] as number;
      sample[f * take + n] = orderedKey(b);
      counts[f] = n + 1;
    }
  }
  const spare = new Uint32Array(take);
  const cuts: Float32Array[] = [];
  const histStart = new Uint32Array(cols + 1);
  for (let f = 0; f < cols; f++) {
    const keys = sample.subarray(f * take, f * take + (counts[f] as number));
    const cutKeys = equalCountCuts(radixSort(keys, spare.subarray(0, keys.length)), maxBins - 1);
    const featureCuts = new Float32Array(cutKeys.length);
    const cutBits = bitsOf(featureCuts);
    for (let j = 0; j < cutKeys.length; j++) cutBits[j] = keyToBits(cutKeys[j] as number);
    cuts.push(featureCuts);
    histStart[f + 1] = (histStart[f] as number) + featureCuts.length + 2;
  }
  return { cuts, histStart };
}

/** Sorts `keys` in two 16-bit counting passes, through `spare` and back. */
function radixSort(keys: Uint32Array, spare: Uint32Array): Uint32Array {
  const counts = new Uint32Array(65536);
  for (const [from, to, shift] of [
    [keys, spare, 0],
    [spare, keys, 16],
  ] as const) {
    counts.fill(0);
    for (let i = 0; i < from.length; i++) {
      const d = ((from[i] as number) >>> shift) & 0xffff;
      counts[d] = (counts[d] as number) + 1;
    }
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < from.length; i++) {
      const k = from[i] as number;
      const d = (k >>> shift) & 0xffff;
      to[counts[d] as number] = k;
      counts[d] = (counts[d] as number) + 1;
    }
  }
  return keys;
}

function equalCountCuts(sorted: Uint32Array, valueBins: number): Uint32Array {
  const distinct = new Uint32Array(sorted.length);
  const counts = new Uint32Array(sorted.length);
  let d = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i] as number;
    if (d > 0 && x === distinct[d - 1]) counts[d - 1] = (counts[d - 1] as number) + 1;
    else {
      distinct[d] = x;
      counts[d++] = 1;
    }
  }
  if (d <= valueBins) return distinct.slice(1, d);
  const cuts: number[] = [];
  let remaining = sorted.length;
  let binsLeft = valueBins;
  let inBin = 0;
  for (let i = 0; i < d - 1 && binsLeft > 1; i++) {
    inBin += counts[i] as number;
    const share = remaining / binsLeft;
    if (inBin >= share || (counts[i + 1] as number) >= share) {
      cuts.push(distinct[i + 1] as number);
      remaining -= inBin;
      inBin = 0;
      binsLeft--;
    }
  }
  return Uint32Array.from(cuts);
}

/**
 * Bins every value (both layouts in SharedArrayBuffers when `shared`, for worker threads to read).
 * A table per feature, indexed by the top BUCKET_BITS bits of the value's ordered key (sign, exponent and
 * the first mantissa bits), gives the number of cuts in lower buckets; a short scan over the cuts sharing
 * the value's bucket ends it (16 bits measured faster than 14: fewer cuts to scan).
 */
export function binMatrix(data: Dataset, cuts: BinCuts, shared = false): BinnedMatrix {
  const { rows, cols } = data;
  const bits = bitsOf(data.features);
  const keyStart = new Int32Array(cols + 1);
  for (let f = 0; f < cols; f++)
    keyStart[f + 1] = (keyStart[f] as number) + (cuts.cuts[f] as Float32Array).length;
  const cutKeys = new Uint32Array(keyStart[cols] as number);
  const table = new Uint8Array(cols * BUCKETS);
  for (let f = 0; f < cols; f++) {
    const featureBits = bitsOf(cuts.cuts[f] as Float32Array);
    const from = keyStart[f] as number;
    for (let j = 0; j < featureBits.length; j++) cutKeys[from + j] = orderedKey(featureBits[j] as number);
    let below = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      while (below < featureBits.length && (cutKeys[from + below] as number) >>> BUCKET_SHIFT < bucket)
        below++;
      table[f * BUCKETS + bucket] = below;
    }
  }
  const slots = cuts.histStart[cols] as number;
  const bytes = slots <= 65536 ? 2 : 4;
  const buffer = shared ? new SharedArrayBuffer(rows * cols * bytes) : new ArrayBuffer(rows * cols * bytes);
  const out = bytes === 2 ? new Uint16Array(buffer) : new Uint32Array(buffer);
  const columns = new Uint8Array(shared ? new SharedArrayBuffer(rows * cols) : new ArrayBuffer(rows * cols));
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let f = 0; f < cols; f++) {
      const b = bits[at + f] as number;
      const from = keyStart[f] as number;
      const count = (keyStart[f + 1] as number) - from;
      const slot0 = cuts.histStart[f] as number;
      let bin = count + 1;
      if (!isNaNBits(b)) {
        const key = orderedKey(b);
        bin = table[f * BUCKETS + (key >>> BUCKET_SHIFT)] as number;
        while (bin < count && (cutKeys[from + bin] as number) <= key) bin++;
      }
      out[at + f] = slot0 + bin;
      columns[f * rows + r] = bin;
    }
  }
  return { rows, cols, data: out, columns, cuts };
}
