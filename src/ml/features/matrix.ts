import type { Warehouse } from "../../warehouse/warehouse.ts";
import { FEATURE_NAMES } from "./catalog.ts";
import { type FeatureBatch, forEachFeatureBatch, planFeatures, type ReadFeaturesOptions } from "./read.ts";
import type { TimeSplit } from "./split.ts";

/** Strings packed in one byte buffer: no JS string per row is held. */
export class PackedStrings {
  #bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(1 << 16);
  #ends: Uint32Array<ArrayBufferLike> = new Uint32Array(1 << 12);
  #count = 0;
  #length = 0;
  static readonly #encoder = new TextEncoder();
  static readonly #decoder = new TextDecoder();

  get count(): number {
    return this.#count;
  }

  push(value: string): void {
    const encoded = PackedStrings.#encoder.encode(value);
    if (this.#length + encoded.length > this.#bytes.length)
      this.#bytes = grow(this.#bytes, this.#length + encoded.length) as Uint8Array;
    if (this.#count === this.#ends.length) this.#ends = grow(this.#ends, this.#count + 1) as Uint32Array;
    this.#bytes.set(encoded, this.#length);
    this.#length += encoded.length;
    this.#ends[this.#count++] = this.#length;
  }

  get(index: number): string {
    if (!(index >= 0 && index < this.#count)) throw new RangeError(`no string ${index} of ${this.#count}`);
    const start = index === 0 ? 0 : (this.#ends[index - 1] as number);
    return PackedStrings.#decoder.decode(this.#bytes.subarray(start, this.#ends[index]));
  }
}

/** The feature matrix, columnar, in (transaction_at, transaction_id) order. */
export interface FeatureMatrix {
  readonly featureNames: readonly string[];
  readonly rows: number;
  readonly cols: number;
  /** rows × cols, row-major; NaN is missing. */
  readonly values: Float32Array;
  readonly labels: Uint8Array;
  /** 1, or 1 / rate for the legitimate rows of a sampled split. */
  readonly weights: Float32Array;
  /** Index into SPLITS (train, valid, test). */
  readonly splits: Uint8Array;
  readonly transactionIds: PackedStrings;
  readonly transactionKeys: Float64Array;
  readonly dateKeys: Int32Array;
  /** 0 for legitimate rows, else 1 + index into fraudTypeNames. */
  readonly fraudTypes: Uint8Array;
  readonly fraudTypeNames: readonly string[];
  readonly timeSplit: TimeSplit;
}

/** Computes the features in the warehouse and gathers them into typed arrays, page by page. */
export async function readFeatures(wh: Warehouse, options: ReadFeaturesOptions = {}): Promise<FeatureMatrix> {
  const plan = await planFeatures(wh, options);
  const cols = FEATURE_NAMES.length;
  let capacity = 0;
  let rows = 0;
  let values = new Float32Array(0);
  let labels = new Uint8Array(0);
  let weights = new Float32Array(0);
  let splits = new Uint8Array(0);
  let transactionKeys = new Float64Array(0);
  let dateKeys = new Int32Array(0);
  let fraudTypes = new Uint8Array(0);
  const transactionIds = new PackedStrings();
  const fraudTypeNames: string[] = [];
  const reserve = (needed: number) => {
    if (needed <= capacity) return;
    capacity = Math.max(needed, Math.ceil(capacity * 1.5));
    values = resized(values, capacity * cols);
    labels = resized(labels, capacity);
    weights = resized(weights, capacity);
    splits = resized(splits, capacity);
    transactionKeys = resized(transactionKeys, capacity);
    dateKeys = resized(dateKeys, capacity);
    fraudTypes = resized(fraudTypes, capacity);
  };
  const append = (batch: FeatureBatch) => {
    reserve(rows + batch.rows);
    values.set(batch.values, rows * cols);
    labels.set(batch.labels, rows);
    weights.set(batch.weights, rows);
    splits.set(batch.splits, rows);
    transactionKeys.set(batch.transactionKeys, rows);
    dateKeys.set(batch.dateKeys, rows);
    for (let r = 0; r < batch.rows; r++) {
      transactionIds.push(batch.transactionIds[r] as string);
      fraudTypes[rows + r] = fraudTypeCode(batch.fraudTypes[r] ?? null, fraudTypeNames);
    }
    rows += batch.rows;
  };
  await forEachFeatureBatch(wh, plan, append, {
    pageRows: options.pageRows,
    onProgress: (p) => {
      if (p.stage === "compute") reserve(p.total);
      options.onProgress?.(p);
    },
  });
  return {
    featureNames: FEATURE_NAMES,
    rows,
    cols,
    values: values.subarray(0, rows * cols),
    labels: labels.subarray(0, rows),
    weights: weights.subarray(0, rows),
    splits: splits.subarray(0, rows),
    transactionIds,
    transactionKeys: transactionKeys.subarray(0, rows),
    dateKeys: dateKeys.subarray(0, rows),
    fraudTypes: fraudTypes.subarray(0, rows),
    fraudTypeNames,
    timeSplit: plan.timeSplit,
  };
}

function fraudTypeCode(type: string | null, names: string[]): number {
  if (type === null) return 0;
  let index = names.indexOf(type);
  if (index < 0) index = names.push(type) - 1;
  if (index >= 255) throw new Error("more than 255 fraud types");
  return index + 1;
}

type TypedArray = Float32Array | Float64Array | Uint8Array | Int32Array | Uint32Array;

function resized<T extends TypedArray>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array.subarray(0, Math.min(array.length, length)) as never);
  return next;
}

function grow(array: Uint8Array | Uint32Array, atLeast: number): Uint8Array | Uint32Array {
  return resized(array, Math.max(atLeast, array.length * 2));
}
