/** Binary logistic loss: margins are log-odds, predictions sigmoid(margin). */

export const sigmoid = (margin: number): number => 1 / (1 + Math.exp(-margin));

export const logit = (p: number): number => Math.log(p / (1 - p));

/** XGBoost's floor on the hessian, so leaves of near-certain rows stay finite. */
const MIN_HESSIAN = 1e-16;

/**
 * Interleaved first and second derivatives of the logloss at the margins of rows [begin, end) (gradient at
 * 2·r, hessian at 2·r + 1), each times the row's weight and, for positives, `scalePosWeight`.
 */
export function loglossGradients(
  margin: Float64Array,
  labels: Uint8Array,
  weights: Float32Array | undefined,
  scalePosWeight: number,
  out: Float32Array,
  begin = 0,
  end = margin.length,
): void {
  for (let r = begin; r < end; r++) {
    const p = 1 / (1 + Math.exp(-(margin[r] as number)));
    const y = labels[r] as number;
    const w = (weights ? (weights[r] as number) : 1) * (y === 1 ? scalePosWeight : 1);
    out[2 * r] = (p - y) * w;
    out[2 * r + 1] = Math.max(p * (1 - p), MIN_HESSIAN) * w;
  }
}

/**
 * The constant margin minimising the weighted logloss: the logit of the weighted positive share, kept inside
 * [1e-6, 1 − 1e-6] so a one-class training set still gives a finite start.
 */
export function optimalBaseMargin(
  labels: Uint8Array,
  weights: Float32Array | undefined,
  scalePosWeight: number,
): number {
  let positive = 0;
  let total = 0;
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r] as number;
    const w = (weights ? (weights[r] as number) : 1) * (y === 1 ? scalePosWeight : 1);
    positive += y * w;
    total += w;
  }
  const share = total > 0 ? positive / total : 0.5;
  return logit(Math.min(Math.max(share, 1e-6), 1 - 1e-6));
}

/** −ln(1e−15): the loss of a probability clipped to 1e−15, as metrics.logloss clips. */
const MAX_LOSS = -Math.log(1e-15);

/**
 * Mean logloss of sigmoid(margin) straight from the margins (log(1 + e^±m) per row, no probabilities
 * materialised), each row's loss capped like a probability clipped to [1e−15, 1 − 1e−15].
 */
export function marginLogloss(
  margin: Float64Array,
  labels: Uint8Array,
  weights: Float32Array | undefined,
): number {
  let sum = 0;
  let total = 0;
  for (let r = 0; r < margin.length; r++) {
    const z = labels[r] === 1 ? -(margin[r] as number) : (margin[r] as number);
    const loss = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    const w = weights ? (weights[r] as number) : 1;
    sum += w * Math.min(loss, MAX_LOSS);
    total += w;
  }
  if (!(total > 0)) throw new RangeError("logloss needs at least one row of positive weight");
  return sum / total;
}
