/**
 * Gradient-boosted trees for binary classification, XGBoost's `hist` algorithm in TypeScript:
 *
 *   const model = trainGbdt(train, { rounds: 300, maxDepth: 6, learningRate: 0.1, earlyStoppingRounds: 20 }, { valid });
 *   const p = model.predict(features, rows);            // probabilities, row-major features, NaN = missing
 *   const why = model.topReasons(features, row, 3);     // features that pushed this row's score up
 *   const copy = GbdtModel.fromJSON(JSON.parse(JSON.stringify(model)));
 */
export type { Dataset } from "./dataset.ts";
export { type Contributions, GbdtModel, type GbdtModelJson, type Reason } from "./model.ts";
export { DEFAULT_PARAMS, EVAL_METRICS, type EvalMetric, type GbdtParams, resolveParams } from "./params.ts";
export { PredictPool } from "./predict-pool.ts";
export { type RoundMetrics, type TrainOptions, trainGbdt } from "./train.ts";
