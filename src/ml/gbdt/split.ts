import type { BinCuts } from "./binning.ts";
import type { Histogram } from "./histogram.ts";

/** The best split of a node: rows with bin ≤ `bin` go left, missing values go `defaultLeft ? left : right`. */
export interface SplitCandidate {
  feature: number;
  bin: number;
  defaultLeft: boolean;
  /** Loss reduction G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), as XGBoost defines it (no ½, γ not subtracted). */
  gain: number;
  leftGrad: number;
  leftHess: number;
  rightGrad: number;
  rightHess: number;
}

export interface SplitRules {
  readonly lambda: number;
  readonly gamma: number;
  readonly minChildWeight: number;
}

/** Below this, a hessian sum or a gain is treated as zero (XGBoost's kRtEps). */
const EPS = 1e-6;

/**
 * Scans every bin boundary of every feature, sending the node's missing values left and then right
 * (sparsity-aware split finding); also tries "all values left, missing right", so missingness alone can split.
 * Returns undefined when no split gains more than γ with both children heavy enough.
 */
export function findBestSplit(
  hist: Histogram,
  cuts: BinCuts,
  features: Int32Array,
  grad: number,
  hess: number,
  rules: SplitRules,
): SplitCandidate | undefined {
  const { lambda } = rules;
  const minHess = Math.max(rules.minChildWeight, EPS);
  const parentScore = (grad * grad) / (hess + lambda);
  let best: SplitCandidate | undefined;
  let bestGain = Math.max(rules.gamma, EPS);
  const consider = (feature: number, bin: number, defaultLeft: boolean, gl: number, hl: number): void => {
    const hr = hess - hl;
    if (hl < minHess || hr < minHess) return;
    const gr = grad - gl;
    const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
    if (!(gain > bestGain)) return;
    bestGain = gain;
    best = { feature, bin, defaultLeft, gain, leftGrad: gl, leftHess: hl, rightGrad: gr, rightHess: hr };
  };
  for (let k = 0; k < features.length; k++) {
    const f = features[k] as number;
    const start = 2 * (cuts.histStart[f] as number);
    const valueBins = (cuts.cuts[f] as Float32Array).length + 1;
    const missingGrad = hist[start + 2 * valueBins] as number;
    const missingHess = hist[start + 2 * valueBins + 1] as number;
    const hasMissing = missingHess > 0;
    let gl = 0;
    let hl = 0;
    for (let j = 0; j < valueBins - 1; j++) {
      gl += hist[start + 2 * j] as number;
      hl += hist[start + 2 * j + 1] as number;
      consider(f, j, false, gl, hl);
      if (hasMissing) consider(f, j, true, gl + missingGrad, hl + missingHess);
    }
    if (hasMissing) {
      gl += hist[start + 2 * (valueBins - 1)] as number;
      hl += hist[start + 2 * (valueBins - 1) + 1] as number;
      consider(f, valueBins - 1, false, gl, hl);
    }
  }
  return best;
}
