import type { GbdtModel } from "../gbdt/index.ts";
import {
  type Confusion,
  chooseThreshold,
  confusionAt,
  type GroupRecall,
  prAuc,
  precisionRecallF1,
  recallByGroup,
  rocAuc,
} from "../metrics.ts";
import type { SplitRows } from "./datasets.ts";

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

/** The operating threshold chosen on the validation rows: best recall at `minPrecision`, else best F1. */
export function thresholdOnValidation(model: GbdtModel, valid: SplitRows, minPrecision: number) {
  return chooseThreshold(model.predict(valid.features, valid.rows), valid.labels, { minPrecision });
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
