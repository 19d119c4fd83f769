import { z } from "zod";

export const EVAL_METRICS = ["logloss", "aucpr"] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Training parameters; names follow XGBoost's (`eta` → learningRate, `max_bin` → maxBins, …). */
export interface GbdtParams {
  /** Boosting rounds (trees) at most. */
  readonly rounds: number;
  readonly learningRate: number;
  /** Depth of every tree at most (the root is depth 0). */
  readonly maxDepth: number;
  /** Minimum hessian sum in each child of a split. */
  readonly minChildWeight: number;
  /** L2 regularisation of leaf weights. */
  readonly lambda: number;
  /**
   * Minimum loss reduction for a split to be made. Applied as each split is chosen, where XGBoost prunes
   * afterwards (so XGBoost keeps a weak split whose children gain more than γ; this does not).
   */
  readonly gamma: number;
  /** Share of rows drawn (without replacement, per row) for each tree. */
  readonly subsample: number;
  /** Share of features drawn for each tree. */
  readonly colsampleByTree: number;
  /** Weight of positive rows in the gradients (negatives/positives is the usual choice). */
  readonly scalePosWeight: number;
  /** Bins per feature including the one for missing values, so at most maxBins − 1 value bins. */
  readonly maxBins: number;
  /** Rows sampled to compute the bin boundaries. */
  readonly binSampleRows: number;
  /** Initial prediction as a probability; by default the (weighted) positive share of the training set. */
  readonly baseScore: number | undefined;
  /** Stop when the validation metric has not improved for this many rounds; 0 turns it off. */
  readonly earlyStoppingRounds: number;
  /** Validation metric: logloss (weighted by the validation weights) or PR-AUC (average precision, unweighted). */
  readonly evalMetric: EvalMetric;
  readonly seed: number;
  /**
   * Threads sharing histograms, partitions and gradients (worker threads beyond the first, for 65,536 rows
   * or more). The model depends on it only through the rounding of histogram sums.
   */
  readonly threads: number;
}

export const DEFAULT_PARAMS: GbdtParams = Object.freeze({
  rounds: 100,
  learningRate: 0.3,
  maxDepth: 6,
  minChildWeight: 1,
  lambda: 1,
  gamma: 0,
  subsample: 1,
  colsampleByTree: 1,
  scalePosWeight: 1,
  maxBins: 256,
  binSampleRows: 200_000,
  baseScore: undefined,
  earlyStoppingRounds: 0,
  evalMetric: "logloss",
  seed: 0,
  threads: 2,
});

const share = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .gt(0, `${name} must be in (0, 1]`)
    .lte(1, `${name} must be in (0, 1]`);
const count = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);
const nonNegative = (name: string) =>
  z
    .number({ error: `${name} must be a number` })
    .min(0, `${name} must be >= 0`)
    .finite(`${name} must be finite`);

const schema = z.strictObject(
  {
    rounds: count("rounds", 1, 100_000),
    learningRate: share("learningRate"),
    maxDepth: count("maxDepth", 1, 16),
    minChildWeight: nonNegative("minChildWeight"),
    lambda: nonNegative("lambda"),
    gamma: nonNegative("gamma"),
    subsample: share("subsample"),
    colsampleByTree: share("colsampleByTree"),
    scalePosWeight: z
      .number({ error: "scalePosWeight must be a number" })
      .gt(0, "scalePosWeight must be > 0")
      .finite("scalePosWeight must be finite"),
    maxBins: count("maxBins", 2, 256),
    binSampleRows: count("binSampleRows", 1_000, 1e9),
    baseScore: z
      .number({ error: "baseScore must be a number" })
      .gt(0, "baseScore must be in (0, 1)")
      .lt(1, "baseScore must be in (0, 1)")
      .optional(),
    earlyStoppingRounds: count("earlyStoppingRounds", 0, 100_000),
    evalMetric: z.enum(EVAL_METRICS, { error: `evalMetric must be one of: ${EVAL_METRICS.join(", ")}` }),
    seed: count("seed", 0, 2 ** 32 - 1),
    threads: count("threads", 1, 16),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `unknown parameter(s): ${issue.keys.join(", ")}` : undefined,
  },
);

/** Fills defaults and checks every parameter; the error names each one that is wrong. */
export function resolveParams(params: Partial<GbdtParams> = {}): GbdtParams {
  const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse({ ...DEFAULT_PARAMS, ...given });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message);
    throw new RangeError(`invalid GBDT parameters: ${problems.join("; ")}`);
  }
  return Object.freeze({ ...parsed.data, baseScore: parsed.data.baseScore });
}
