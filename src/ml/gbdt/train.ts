import { Rng } from "../../generate/rng.ts";
import { prAuc } from "../metrics.ts";
import { type BinnedMatrix, binMatrix, computeCuts } from "./binning.ts";
import { checkDataset, checkSameColumns, type Dataset } from "./dataset.ts";
import { Forest } from "./forest.ts";
import { type GrownTree, TreeGrower } from "./grower.ts";
import { GbdtModel } from "./model.ts";
import { logit, marginLogloss, optimalBaseMargin } from "./objective.ts";
import { type EvalMetric, type GbdtParams, resolveParams } from "./params.ts";
import type { Tree } from "./tree.ts";
import { Workspace } from "./workspace.ts";

export interface RoundMetrics {
  metric: EvalMetric;
  /** The validation metric after this round, when a validation dataset was given. */
  valid: number | undefined;
  /** Best validation metric so far and its round. */
  best: number | undefined;
  bestIteration: number;
}

export interface TrainOptions {
  valid?: Dataset;
  onRound?: (round: number, metrics: RoundMetrics) => void;
}

/**
 * Trains gradient-boosted trees for binary classification (logloss), XGBoost's `hist` algorithm: features
 * binned once, one depth-wise tree per round on gradient/hessian histograms. Same data and params (seed
 * included) give the same model. With `earlyStoppingRounds`, training stops once the validation metric has
 * not improved for that many rounds and the model keeps the rounds up to the best one.
 */
export function trainGbdt(
  train: Dataset,
  params: Partial<GbdtParams> = {},
  options: TrainOptions = {},
): GbdtModel {
  const p = resolveParams(params);
  checkDataset(train, "training");
  const { valid, onRound } = options;
  if (valid) checkSameColumns(valid, train.featureNames, "validation");
  if (p.earlyStoppingRounds > 0 && !valid)
    throw new RangeError("earlyStoppingRounds needs a validation dataset (options.valid)");

  const binned = binMatrix(train, computeCuts(train, p.maxBins, p.binSampleRows), p.threads > 1);
  const baseMargin =
    p.baseScore !== undefined
      ? logit(p.baseScore)
      : optimalBaseMargin(train.labels, train.weights, p.scalePosWeight);
  const workspace = new Workspace(binned, train.labels, train.weights, p.scalePosWeight, p.threads);
  const margin = workspace.margin.fill(baseMargin);
  const validMargin = new Float64Array(valid?.rows ?? 0).fill(baseMargin);
  const inSample = new Uint8Array(train.rows);
  const grower = new TreeGrower(binned, workspace, p);
  const trees: Tree[] = [];
  const higherIsBetter = p.evalMetric === "aucpr";
  let best: number | undefined;
  let bestIteration = -1;

  try {
    for (let round = 0; round < p.rounds; round++) {
      const rng = new Rng(p.seed, round);
      workspace.computeGradients();
      const count = sampleRows(workspace.order, inSample, p.subsample, rng);
      const grown = grower.grow(count, sampleFeatures(train.cols, p.colsampleByTree, rng));
      trees.push(grown.tree);
      addTreeToMargins(margin, grown, workspace.order, count < train.rows ? inSample : undefined, binned);

      let score: number | undefined;
      if (valid) {
        new Forest([grown.tree], valid.cols).addTo(validMargin, valid.features, valid.rows);
        score = evaluate(p.evalMetric, validMargin, valid);
        if (best === undefined || (higherIsBetter ? score > best : score < best)) {
          best = score;
          bestIteration = round;
        }
      } else bestIteration = round;
      onRound?.(round, { metric: p.evalMetric, valid: score, best, bestIteration });
      if (p.earlyStoppingRounds > 0 && round - bestIteration >= p.earlyStoppingRounds) break;
    }
  } finally {
    workspace.close();
  }
  const kept = p.earlyStoppingRounds > 0 ? trees.slice(0, bestIteration + 1) : trees;
  return new GbdtModel({
    params: p,
    featureNames: train.featureNames,
    baseMargin,
    bestIteration: kept.length - 1,
    trees: kept,
  });
}

/** Fills `order` with the rows drawn for this tree (each kept with probability `share`), ascending. */
function sampleRows(order: Uint32Array, inSample: Uint8Array, share: number, rng: Rng): number {
  const rows = inSample.length;
  if (share >= 1) {
    for (let r = 0; r < rows; r++) order[r] = r;
    return rows;
  }
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const take = rng.next() < share;
    inSample[r] = take ? 1 : 0;
    if (take) order[count++] = r;
  }
  return count;
}

/** max(1, round(share · cols)) distinct features, ascending. */
function sampleFeatures(cols: number, share: number, rng: Rng): Int32Array {
  const all = Int32Array.from({ length: cols }, (_, f) => f);
  const take = Math.max(1, Math.round(share * cols));
  if (take >= cols) return all;
  for (let i = 0; i < take; i++) {
    const j = i + rng.int(cols - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.subarray(0, take).sort();
}

/**
 * Adds the tree's output to each training row's margin: rows it was grown on through the leaf ranges and
 * the bottom splits, the others (when `inSample` is given) by walking the tree on their bins.
 */
function addTreeToMargins(
  margin: Float64Array,
  grown: GrownTree,
  order: Uint32Array,
  inSample: Uint8Array | undefined,
  binned: BinnedMatrix,
): void {
  const { value, feature, left, defaultLeft } = grown.tree;
  const { rows, columns, cuts } = binned;
  for (const leaf of grown.leaves) {
    const v = value[leaf.node] as number;
    for (let i = leaf.begin; i < leaf.end; i++) {
      const r = order[i] as number;
      margin[r] = (margin[r] as number) + v;
    }
  }
  const valueByBin = new Float64Array(256);
  for (const split of grown.bottomSplits) {
    const missing = (cuts.cuts[split.feature] as Float32Array).length + 1;
    const leftValue = value[split.left] as number;
    const rightValue = value[split.left + 1] as number;
    for (let b = 0; b <= missing; b++)
      valueByBin[b] = (b === missing ? !split.defaultLeft : b > split.bin) ? rightValue : leftValue;
    const column = columns.subarray(split.feature * rows, (split.feature + 1) * rows);
    for (let i = split.begin; i < split.end; i++) {
      const r = order[i] as number;
      margin[r] = (margin[r] as number) + (valueByBin[column[r] as number] as number);
    }
  }
  if (!inSample) return;
  const splitBin = grown.splitBin;
  for (let r = 0; r < rows; r++) {
    if (inSample[r] === 1) continue;
    let node = 0;
    let f = feature[0] as number;
    while (f >= 0) {
      const b = columns[f * rows + r] as number;
      const goLeft =
        b === (cuts.cuts[f] as Float32Array).length + 1
          ? defaultLeft[node] === 1
          : b <= (splitBin[node] as number);
      node = (left[node] as number) + (goLeft ? 0 : 1);
      f = feature[node] as number;
    }
    margin[r] = (margin[r] as number) + (value[node] as number);
  }
}

/** The validation metric; PR-AUC only ranks, so it reads the margins (same order as the probabilities). */
function evaluate(metric: EvalMetric, margin: Float64Array, data: Dataset): number {
  if (metric === "aucpr") return prAuc(margin, data.labels);
  return marginLogloss(margin, data.labels, data.weights);
}
