import type { Warehouse } from "../../warehouse/warehouse.ts";
import { type FeatureMatrix, readFeatures } from "../features/matrix.ts";
import type { FeatureProgress } from "../features/read.ts";
import { addDays } from "../features/split.ts";
import { type GbdtModel, type GbdtParams, resolveParams, trainGbdt } from "../gbdt/index.ts";
import type { ChosenThreshold } from "../metrics.ts";
import { registerModel } from "../registry.ts";
import { smote } from "../smote.ts";
import { negativeToPositiveWeight, type SplitRows, splitRows, withSyntheticPositives } from "./datasets.ts";
import { type HeldOutMetrics, heldOutMetrics, thresholdOnValidation } from "./evaluate.ts";

export const IMBALANCE_METHODS = ["weighting", "smote"] as const;
export type ImbalanceMethod = (typeof IMBALANCE_METHODS)[number];

/** Our defaults: XGBoost's `hist` settings a fraud team would start from. */
export const FRAUD_GBDT_DEFAULTS: Partial<GbdtParams> = {
  rounds: 300,
  learningRate: 0.1,
  maxDepth: 6,
  minChildWeight: 1,
  subsample: 0.8,
  colsampleByTree: 0.8,
  earlyStoppingRounds: 30,
  evalMetric: "aucpr",
  seed: 42,
};

export interface TrainFraudOptions {
  readonly params?: Partial<GbdtParams>;
  /** Imbalance handling of the model kept; both are trained and reported (default: the better on validation). */
  readonly imbalance?: ImbalanceMethod | "best";
  /** Minority : majority ratio SMOTE brings the training rows to (default 0.1). */
  readonly smoteRatio?: number;
  /** Share of legitimate training rows kept (weighted back), for warehouses too big to train on whole. */
  readonly sampleNegatives?: number;
  /** Precision the operating threshold must reach on validation (default 0.92, the brief's claim). */
  readonly minPrecision?: number;
  readonly onStep?: (step: string) => void;
  readonly onProgress?: (progress: FeatureProgress) => void;
  readonly onRound?: (method: ImbalanceMethod, round: number, rounds: number) => void;
}

export interface VariantReport {
  readonly method: ImbalanceMethod;
  readonly trainRows: number;
  readonly trainSeconds: number;
  readonly bestIteration: number;
  readonly scalePosWeight: number;
  readonly validation: ChosenThreshold & { readonly prAuc: number };
  readonly test: HeldOutMetrics;
}

export interface TrainFraudResult {
  readonly modelVersion: number;
  readonly kept: ImbalanceMethod;
  readonly threshold: number;
  readonly featureNames: readonly string[];
  readonly split: FeatureMatrix["timeSplit"];
  readonly rows: { readonly train: number; readonly valid: number; readonly test: number };
  readonly variants: readonly VariantReport[];
  readonly featureImportance: { feature: string; gain: number }[];
  readonly featureSeconds: number;
  readonly seconds: number;
}

/**
 * Trains the fraud model on the earliest months, chooses its threshold on the next ones and measures it on
 * the latest, once with class weighting and once with SMOTE; registers the kept one as the active model.
 */
export async function trainFraudModel(
  wh: Warehouse,
  options: TrainFraudOptions = {},
): Promise<TrainFraudResult> {
  const started = performance.now();
  const { imbalance = "best", smoteRatio = 0.1, minPrecision = 0.92, onStep = () => {} } = options;
  const params = resolveParams({ ...FRAUD_GBDT_DEFAULTS, ...options.params });
  if (!(smoteRatio > 0 && smoteRatio <= 1))
    throw new Error(`--smote-ratio must be in (0, 1], got ${smoteRatio}`);
  onStep("computing the features in the warehouse");
  const matrix = await readFeatures(wh, {
    sampleNegatives: options.sampleNegatives,
    onProgress: options.onProgress,
  });
  const featureSeconds = (performance.now() - started) / 1000;
  const [train, valid, test] = [
    splitRows(matrix, "train"),
    splitRows(matrix, "valid"),
    splitRows(matrix, "test"),
  ];
  for (const [name, rows] of [
    ["training", train],
    ["validation", valid],
    ["test", test],
  ] as const) {
    if (rows.labels.every((l) => l === 0))
      throw new Error(`the ${name} months hold no fraud: load more months before training`);
  }
  const methods = imbalance === "best" ? IMBALANCE_METHODS : [imbalance];
  const trained: { report: VariantReport; model: GbdtModel }[] = [];
  for (const method of methods) {
    onStep(`training with ${method === "smote" ? `SMOTE (ratio ${smoteRatio})` : "class weighting"}`);
    trained.push(trainVariant(method, train, valid, test, params, { smoteRatio, minPrecision, ...options }));
  }
  const best = trained.reduce((a, b) => (b.report.validation.prAuc > a.report.validation.prAuc ? b : a));
  const threshold = best.report.validation.threshold;
  const lastTrainDay = addDays(matrix.timeSplit.validFrom, -1);
  const featureImportance = best.model.featureImportance();
  onStep("registering the model in dwh.ml_models");
  const modelVersion = await wh.transaction((tx) =>
    registerModel(tx, {
      kind: "fraud_gbdt",
      trainedFrom: `${matrix.timeSplit.firstMonth}-01`,
      trainedTo: lastTrainDay,
      featureNames: matrix.featureNames,
      parameters: {
        ...params,
        imbalance: best.report.method,
        smoteRatio,
        minPrecision,
        sampleNegatives: options.sampleNegatives ?? 1,
      },
      metrics: {
        kept: best.report.method,
        split: matrix.timeSplit,
        variants: trained.map((t) => t.report),
        featureImportance,
      },
      decisionThreshold: threshold,
      model: best.model.toJSON(),
    }),
  );
  return {
    modelVersion,
    kept: best.report.method,
    threshold,
    featureNames: matrix.featureNames,
    split: matrix.timeSplit,
    rows: { train: train.rows, valid: valid.rows, test: test.rows },
    variants: trained.map((t) => t.report),
    featureImportance,
    featureSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

function trainVariant(
  method: ImbalanceMethod,
  train: SplitRows,
  valid: SplitRows,
  test: SplitRows,
  params: GbdtParams,
  options: TrainFraudOptions & { smoteRatio: number; minPrecision: number },
): { report: VariantReport; model: GbdtModel } {
  const t0 = performance.now();
  const rows =
    method === "smote"
      ? withSyntheticPositives(
          train,
          smote(train.features, train.rows, train.cols, train.labels, {
            ratio: options.smoteRatio,
            seed: params.seed,
          }),
        )
      : train;
  const scalePosWeight = method === "weighting" ? negativeToPositiveWeight(rows) : 1;
  const model = trainGbdt(
    rows,
    { ...params, scalePosWeight },
    { valid, onRound: (round) => options.onRound?.(method, round + 1, params.rounds) },
  );
  const trainSeconds = (performance.now() - t0) / 1000;
  const validation = thresholdOnValidation(model, valid, options.minPrecision);
  return {
    model,
    report: {
      method,
      trainRows: rows.rows,
      trainSeconds,
      bestIteration: model.bestIteration,
      scalePosWeight,
      validation,
      test: heldOutMetrics(model, test, validation.threshold),
    },
  };
}
