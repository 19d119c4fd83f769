/**
 * Binary classification metrics over scores (higher = more likely positive) and 0/1 labels. A row is
 * predicted positive when its score is ≥ the threshold. Curves are walked over distinct scores from the
 * highest down, ties taken together, in O(n log n) (two native numeric sorts, then a merge).
 */

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

export interface ChosenThreshold extends PrecisionRecallF1 {
  threshold: number;
  /** "min-precision": best recall among thresholds reaching minPrecision; "best-f1": none reached it. */
  rule: "min-precision" | "best-f1";
  minPrecision: number;
}

export interface GroupRecall {
  group: string;
  positives: number;
  detected: number;
  recall: number;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length)
    throw new RangeError(`scores holds ${scores.length} values but labels ${labels.length}`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} is ${y}; labels must be 0 or 1`);
  }
}

/**
 * Calls `visit(tp, fp)` after each distinct score, from the highest down: the counts of positives and
 * negatives scoring ≥ that score. Returns the totals.
 */
function walkThresholds(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  visit: (threshold: number, tp: number, fp: number) => void,
): { positives: number; negatives: number } {
  checkInputs(scores, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(labels.length - positives);
  for (let i = 0, p = 0, n = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[p++] = scores[i] as number;
    else neg[n++] = scores[i] as number;
  }
  pos.sort();
  neg.sort();
  let p = pos.length - 1;
  let n = neg.length - 1;
  while (p >= 0 || n >= 0) {
    const s = Math.max(p >= 0 ? (pos[p] as number) : -Infinity, n >= 0 ? (neg[n] as number) : -Infinity);
    while (p >= 0 && pos[p] === s) p--;
    while (n >= 0 && neg[n] === s) n--;
    visit(s, pos.length - 1 - p, neg.length - 1 - n);
  }
  return { positives: pos.length, negatives: neg.length };
}

/**
 * Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ, as scikit-learn's `average_precision_score`. Needs a positive.
 * Recall only moves at positive scores, so only those thresholds are visited: each negative is counted
 * against the sorted distinct positive scores by binary search, O(n log p) for p positives.
 */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkInputs(scores, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] as number;
  if (positives === 0) throw new RangeError("prAuc needs at least one positive label");
  const sorted = new Float64Array(positives);
  for (let i = 0, p = 0; i < labels.length; i++) if (labels[i] === 1) sorted[p++] = scores[i] as number;
  sorted.sort();
  // Distinct positive scores, ascending, and how many positives have each.
  const distinct = new Float64Array(positives);
  const posAt = new Float64Array(positives);
  let m = 0;
  for (let i = 0; i < positives; i++) {
    if (m === 0 || sorted[i] !== distinct[m - 1]) distinct[m++] = sorted[i] as number;
    posAt[m - 1] = (posAt[m - 1] as number) + 1;
  }
  // negAbove[k]: negatives scoring in [distinct[k − 1], distinct[k]), found by binary search.
  const negAbove = new Float64Array(m + 1);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) continue;
    const x = scores[i] as number;
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((distinct[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    negAbove[lo] = (negAbove[lo] as number) + 1;
  }
  let ap = 0;
  let tp = 0;
  let fp = 0;
  for (let k = m - 1; k >= 0; k--) {
    fp += negAbove[k + 1] as number;
    tp += posAt[k] as number;
    ap += (posAt[k] as number) * (tp / (tp + fp));
  }
  return ap / positives;
}

/** Area under the ROC curve by trapezoids (a tie between a positive and a negative counts ½). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let area = 0;
  let lastTp = 0;
  let lastFp = 0;
  const { positives, negatives } = walkThresholds(scores, labels, (_, tp, fp) => {
    area += ((fp - lastFp) * (tp + lastTp)) / 2;
    lastTp = tp;
    lastFp = fp;
  });
  if (positives === 0 || negatives === 0)
    throw new RangeError("rocAuc needs both positive and negative labels");
  return area / (positives * negatives);
}

export function confusionAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): Confusion {
  checkInputs(scores, labels);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const flagged = (scores[i] as number) >= threshold;
    if (labels[i] === 1) flagged ? c.tp++ : c.fn++;
    else flagged ? c.fp++ : c.tn++;
  }
  return c;
}

/** Precision, recall and F1 of a confusion matrix; a ratio with a zero denominator is 0 (as scikit-learn). */
export function precisionRecallF1({ tp, fp, fn }: Confusion): PrecisionRecallF1 {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/**
 * The operating threshold: among thresholds whose precision reaches `minPrecision`, the one with the best
 * recall (the highest such threshold on ties); when none does, the one with the best F1.
 */
export function chooseThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  { minPrecision = 0.92 }: { minPrecision?: number } = {},
): ChosenThreshold {
  if (!(minPrecision >= 0 && minPrecision <= 1))
    throw new RangeError(`minPrecision must be in [0, 1], got ${minPrecision}`);
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += labels[i] === 1 ? 1 : 0;
  let byPrecision: (PrecisionRecallF1 & { threshold: number }) | undefined;
  let byF1: (PrecisionRecallF1 & { threshold: number }) | undefined;
  walkThresholds(scores, labels, (threshold, tp, fp) => {
    const precision = tp / (tp + fp);
    const recall = total > 0 ? tp / total : 0;
    const f1 = tp > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    if (precision >= minPrecision && (!byPrecision || recall > byPrecision.recall))
      byPrecision = { threshold, precision, recall, f1 };
    if (!byF1 || f1 > byF1.f1) byF1 = { threshold, precision, recall, f1 };
  });
  if (total === 0) throw new RangeError("chooseThreshold needs at least one positive label");
  if (byPrecision && byPrecision.recall > 0) return { ...byPrecision, rule: "min-precision", minPrecision };
  return { ...(byF1 as PrecisionRecallF1 & { threshold: number }), rule: "best-f1", minPrecision };
}

/** Recall among the positives of each group (e.g. fraud type) at a threshold, groups sorted by name. */
export function recallByGroup(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  groups: ArrayLike<string | null | undefined>,
  threshold: number,
): GroupRecall[] {
  checkInputs(scores, labels);
  if (groups.length !== labels.length)
    throw new RangeError(`groups holds ${groups.length} values but labels ${labels.length}`);
  const byGroup = new Map<string, GroupRecall>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    const group = groups[i] || "unknown";
    const g = byGroup.get(group) ?? { group, positives: 0, detected: 0, recall: 0 };
    byGroup.set(group, g);
    g.positives++;
    if ((scores[i] as number) >= threshold) g.detected++;
  }
  const out = [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  for (const g of out) g.recall = g.detected / g.positives;
  return out;
}

/** Mean logloss of probabilities, clipped to [1e-15, 1 − 1e-15]; weighted when weights are given. */
export function logloss(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): number {
  checkInputs(probabilities, labels);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i] as number, 1e-15), 1 - 1e-15);
    const w = weights ? (weights[i] as number) : 1;
    sum -= w * (labels[i] === 1 ? Math.log(p) : Math.log(1 - p));
    total += w;
  }
  if (!(total > 0)) throw new RangeError("logloss needs at least one row of positive weight");
  return sum / total;
}
