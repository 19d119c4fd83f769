import type { Row, Warehouse } from "../../warehouse/warehouse.ts";
import { FEATURE_NAMES, HISTORY_DAYS } from "./catalog.ts";
import { featureDialectOf } from "./dialect.ts";
import {
  type FeatureQueryParams,
  featureOrder,
  featureQuerySql,
  featureQueryValues,
  SPLITS,
  type Split,
} from "./query.ts";
import { addDays, dateKey, loadedTimeSplit, type TimeSplit } from "./split.ts";

/** Keeps a deterministic share of the legitimate rows of some splits; kept ones weigh 1 / rate. */
export interface NegativeSampling {
  /** Share kept, in [1e-6, 1]: a row is kept when the first 32 bits of md5(transaction_id) / 2^32 < rate. */
  readonly rate: number;
  /** Splits sampled (default: train only, so validation and test stay whole). */
  readonly splits?: readonly Split[];
}

export interface ReadFeaturesOptions {
  /** First and last day read, `YYYY-MM-DD`, both included (default: everything loaded). */
  readonly from?: string;
  readonly to?: string;
  /** Only the rows of this split. */
  readonly split?: Split;
  readonly sampleNegatives?: number | NegativeSampling;
  /** The split to use (default: computed from the loaded months). */
  readonly timeSplit?: TimeSplit;
  readonly pageRows?: number;
  readonly onProgress?: (progress: FeatureProgress) => void;
}

export interface FeatureProgress {
  /** `compute`: the warehouse computes the windows; `read`: rows arrive. */
  readonly stage: "compute" | "read";
  readonly rows: number;
  /** Rows expected. */
  readonly total: number;
}

/** One page of feature rows, columnar. */
export interface FeatureBatch {
  readonly rows: number;
  /** rows × FEATURE_NAMES.length, row-major, as the warehouse computed them (doubles); NaN is missing. */
  readonly values: Float64Array;
  readonly labels: Uint8Array;
  readonly weights: Float32Array;
  /** Index into SPLITS. */
  readonly splits: Uint8Array;
  readonly transactionIds: readonly string[];
  readonly transactionKeys: Float64Array;
  readonly dateKeys: Int32Array;
  readonly fraudTypes: readonly (string | null)[];
}

const DEFAULT_PAGE_ROWS = 16_384;
const ALL_HASHES = 2 ** 32;

/** What `options` resolve to: the split, the query parameters and the weight of sampled rows. */
export interface FeaturePlan {
  readonly timeSplit: TimeSplit;
  readonly params: FeatureQueryParams;
  /** Weight of a kept legitimate row of a sampled split. */
  readonly negativeWeight: number;
}

export async function planFeatures(wh: Warehouse, options: ReadFeaturesOptions = {}): Promise<FeaturePlan> {
  for (const day of [options.from, options.to]) if (day !== undefined) dateKey(day);
  const timeSplit = options.timeSplit ?? (await loadedTimeSplit(wh));
  const sampling = normaliseSampling(options.sampleNegatives);
  const from = latest(options.from, splitStart(timeSplit, options.split)) ?? `${timeSplit.firstMonth}-01`;
  const toExclusive = earliest(options.to && addDays(options.to, 1), splitEnd(timeSplit, options.split));
  if (options.from && options.to && options.from > options.to)
    throw new Error(`from ${options.from} is after to ${options.to}`);
  const keepBelowHash = Math.floor(sampling.rate * ALL_HASHES);
  return {
    timeSplit,
    params: {
      // new-counterparty flags of the hour before look HISTORY_DAYS further back: one more day
      lookbackKey: dateKey(addDays(from, -(HISTORY_DAYS + 1))),
      fromKey: dateKey(from),
      toKey: toExclusive ? dateKey(toExclusive) : 99_991_231,
      validFromKey: dateKey(timeSplit.validFrom),
      testFromKey: dateKey(timeSplit.testFrom),
      keepBelowHash,
      sampledSplits: sampling.rate < 1 ? sampling.splits : [],
    },
    negativeWeight: ALL_HASHES / keepBelowHash,
  };
}

/** Computes the features in the warehouse and hands them over page by page, in (transaction_at, transaction_id) order. */
export async function forEachFeatureBatch(
  wh: Warehouse,
  plan: FeaturePlan,
  onBatch: (batch: FeatureBatch) => Promise<void> | void,
  options: Pick<ReadFeaturesOptions, "pageRows" | "onProgress"> = {},
): Promise<number> {
  const pageRows = options.pageRows ?? DEFAULT_PAGE_ROWS;
  if (!Number.isSafeInteger(pageRows) || pageRows < 1)
    throw new Error(`pageRows must be a positive integer, got ${pageRows}`);
  const dialect = featureDialectOf(wh);
  const total = await countRows(wh, plan);
  options.onProgress?.({ stage: "compute", rows: 0, total });
  let done = 0;
  await dialect.readPages(
    wh,
    featureQuerySql(dialect, plan.params),
    featureOrder(dialect),
    featureQueryValues(plan.params),
    pageRows,
    (rows) => {
      const batch = toBatch(rows, plan);
      done += batch.rows;
      options.onProgress?.({ stage: "read", rows: done, total: Math.max(total, done) });
      return onBatch(batch);
    },
  );
  return done;
}

function toBatch(rows: Row[], plan: FeaturePlan): FeatureBatch {
  const n = rows.length;
  const cols = FEATURE_NAMES.length;
  const values = new Float64Array(n * cols);
  const labels = new Uint8Array(n);
  const weights = new Float32Array(n);
  const splits = new Uint8Array(n);
  const transactionKeys = new Float64Array(n);
  const dateKeys = new Int32Array(n);
  const transactionIds: string[] = new Array(n);
  const fraudTypes: (string | null)[] = new Array(n);
  const sampled = new Set(plan.params.sampledSplits.map((s) => SPLITS.indexOf(s)));
  for (let r = 0; r < n; r++) {
    const row = rows[r] as Record<string, unknown>;
    const features = row.features as (number | null)[];
    if (features.length !== cols)
      throw new Error(`feature row of ${features.length} values, expected ${cols}`);
    for (let c = 0; c < cols; c++) {
      const value = features[c];
      values[r * cols + c] = value === null || value === undefined ? Number.NaN : value;
    }
    const label = Number(row.is_fraud);
    const split = Number(row.split);
    labels[r] = label;
    splits[r] = split;
    weights[r] = label === 0 && sampled.has(split) ? plan.negativeWeight : 1;
    transactionKeys[r] = Number(row.transaction_key);
    dateKeys[r] = Number(row.date_key);
    transactionIds[r] = String(row.transaction_id);
    fraudTypes[r] = (row.fraud_type as string | null) ?? null;
  }
  return { rows: n, values, labels, weights, splits, transactionIds, transactionKeys, dateKeys, fraudTypes };
}

/** Rows the feature query will return: the same range and sampling, without the windows. */
async function countRows(wh: Warehouse, plan: FeaturePlan): Promise<number> {
  const p = plan.params;
  const sampled = p.sampledSplits.map((s) => SPLITS.indexOf(s));
  const range = "SELECT COUNT(*) AS n FROM dwh.fact_transactions WHERE date_key >= $1 AND date_key < $2";
  const [row] = sampled.length
    ? await wh.query<{ n: number }>(
        `${range} AND (is_fraud
           OR CASE WHEN date_key < $3 THEN 0 WHEN date_key < $4 THEN 1 ELSE 2 END NOT IN (${sampled.join(", ")})
           OR ${featureDialectOf(wh).md5Prefix32("transaction_id")} < $5)`,
        [p.fromKey, p.toKey, p.validFromKey, p.testFromKey, p.keepBelowHash],
      )
    : await wh.query<{ n: number }>(range, [p.fromKey, p.toKey]);
  return Number(row?.n ?? 0);
}

function normaliseSampling(option: ReadFeaturesOptions["sampleNegatives"]): Required<NegativeSampling> {
  const sampling = typeof option === "number" ? { rate: option } : (option ?? { rate: 1 });
  if (!(sampling.rate >= 1e-6 && sampling.rate <= 1))
    throw new Error(`negative sampling rate must be in [0.000001, 1], got ${sampling.rate}`);
  const splits = sampling.splits ?? ["train"];
  for (const s of splits) if (!SPLITS.includes(s)) throw new Error(`unknown split "${s}"; known: ${SPLITS}`);
  return { rate: sampling.rate, splits };
}

function splitStart(s: TimeSplit, split: Split | undefined): string | undefined {
  return split === "valid" ? s.validFrom : split === "test" ? s.testFrom : undefined;
}

function splitEnd(s: TimeSplit, split: Split | undefined): string | undefined {
  return split === "train" ? s.validFrom : split === "valid" ? s.testFrom : undefined;
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? (a > b ? a : b) : (a ?? b);
}

function earliest(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? (a < b ? a : b) : (a ?? b);
}
