import type { FeatureMatrix } from "../features/matrix.ts";
import { SPLITS, type Split } from "../features/query.ts";
import type { Dataset } from "../gbdt/index.ts";

/** The rows of one split of the feature matrix, with what evaluation needs beside the features. */
export interface SplitRows extends Dataset {
  readonly weights: Float32Array;
  /** Fraud type per row, null for legitimate rows. */
  readonly fraudTypes: (string | null)[];
}

/** Copies the rows of `split` out of the matrix (rows stay in time order). */
export function splitRows(matrix: FeatureMatrix, split: Split): SplitRows {
  const code = SPLITS.indexOf(split);
  let rows = 0;
  for (let i = 0; i < matrix.rows; i++) if (matrix.splits[i] === code) rows++;
  const cols = matrix.cols;
  const features = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  const weights = new Float32Array(rows);
  const fraudTypes: (string | null)[] = new Array(rows);
  let at = 0;
  for (let i = 0; i < matrix.rows; i++) {
    if (matrix.splits[i] !== code) continue;
    features.set(matrix.values.subarray(i * cols, (i + 1) * cols), at * cols);
    labels[at] = matrix.labels[i] as number;
    weights[at] = matrix.weights[i] as number;
    const type = matrix.fraudTypes[i] as number;
    fraudTypes[at] = type === 0 ? null : (matrix.fraudTypeNames[type - 1] as string);
    at++;
  }
  return { rows, cols, features, labels, weights, fraudTypes, featureNames: matrix.featureNames };
}

/** The training rows with synthetic minority rows appended (label 1, weight 1). */
export function withSyntheticPositives(train: SplitRows, synthetic: Float32Array): SplitRows {
  const added = synthetic.length / train.cols;
  const rows = train.rows + added;
  const features = new Float32Array(rows * train.cols);
  features.set(train.features);
  features.set(synthetic, train.features.length);
  const labels = new Uint8Array(rows);
  labels.set(train.labels);
  labels.fill(1, train.rows);
  const weights = new Float32Array(rows);
  weights.set(train.weights);
  weights.fill(1, train.rows);
  return {
    ...train,
    rows,
    features,
    labels,
    weights,
    fraudTypes: [...train.fraudTypes, ...new Array<string>(added).fill("synthetic")],
  };
}

/** Σ weights of negatives / Σ weights of positives: the usual scale_pos_weight. */
export function negativeToPositiveWeight(rows: SplitRows): number {
  let negatives = 0;
  let positives = 0;
  for (let i = 0; i < rows.rows; i++) {
    if (rows.labels[i] === 1) positives += rows.weights[i] as number;
    else negatives += rows.weights[i] as number;
  }
  if (positives === 0) throw new Error("the training months hold no fraud: nothing to learn from");
  return negatives / positives;
}
