import type { Warehouse } from "../../warehouse/warehouse.ts";
import { readFeatures } from "../features/matrix.ts";
import type { FeatureProgress } from "../features/read.ts";
import { loadedTimeSplit, type TimeSplit } from "../features/split.ts";
import type { GbdtModel } from "../gbdt/index.ts";
import {
  type ChosenThreshold,
  type Confusion,
  chooseThreshold,
  confusionAt,
  type GroupRecall,
  prAuc,
  precisionRecallF1,
  recallByGroup,
  rocAuc,
} from "../metrics.ts";
import { type SplitRows, splitRows } from "./datasets.ts";
import { loadFraudModel } from "./score-fraud.ts";

/** How a model does on held-out rows at a threshold. */
export interface HeldOutMetrics {
  readonly rows: number;
  readonly frauds: number;
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly prAuc: number;
  readonly rocAuc: number;
  readonly confusion: Confusion;
  readonly recallByFraudType: GroupRecall[];
}

/**
 * The operating threshold chosen on the validation rows (best recall at `minPrecision`, else best F1),
 * with the validation PR-AUC from the same predictions.
 */
export function thresholdOnValidation(
  model: GbdtModel,
  valid: SplitRows,
  minPrecision: number,
): ChosenThreshold & { readonly prAuc: number } {
  const scores = model.predict(valid.features, valid.rows);
  return { ...chooseThreshold(scores, valid.labels, { minPrecision }), prAuc: prAuc(scores, valid.labels) };
}

export function heldOutMetrics(model: GbdtModel, rows: SplitRows, threshold: number): HeldOutMetrics {
  const scores = model.predict(rows.features, rows.rows);
  const confusion = confusionAt(scores, rows.labels, threshold);
  let frauds = 0;
  for (const label of rows.labels) frauds += label;
  return {
    rows: rows.rows,
    frauds,
    threshold,
    ...precisionRecallF1(confusion),
    prAuc: prAuc(scores, rows.labels),
    rocAuc: rocAuc(scores, rows.labels),
    confusion,
    recallByFraudType: recallByGroup(scores, rows.labels, rows.fraudTypes, threshold),
  };
}

export interface EvaluationReport {
  readonly modelVersion: number;
  readonly split: TimeSplit;
  readonly validation: HeldOutMetrics;
  readonly test: HeldOutMetrics;
  readonly seconds: number;
}

/**
 * Measures a registered fraud model (default: the active one) on its validation months and on every month
 * from its test start to the last loaded, at the threshold it was registered with.
 */
export async function evaluateFraudModel(
  wh: Warehouse,
  options: { version?: number; onProgress?: (p: FeatureProgress) => void } = {},
): Promise<EvaluationReport> {
  const started = performance.now();
  const { entry, model, threshold } = await loadFraudModel(wh, options.version);
  const stored = (entry.metrics as { split?: TimeSplit }).split;
  const loaded = await loadedTimeSplit(wh);
  const split = stored ? { ...stored, lastMonth: loaded.lastMonth } : loaded;
  const matrix = await readFeatures(wh, {
    from: split.validFrom,
    timeSplit: split,
    onProgress: options.onProgress,
  });
  return {
    modelVersion: entry.version,
    split,
    validation: heldOutMetrics(model, splitRows(matrix, "valid"), threshold),
    test: heldOutMetrics(model, splitRows(matrix, "test"), threshold),
    seconds: (performance.now() - started) / 1000,
  };
}
