export type { Dataset } from "./dataset.ts";
export { type Contributions, GbdtModel, type GbdtModelJson, type Reason } from "./model.ts";
export { DEFAULT_PARAMS, EVAL_METRICS, type EvalMetric, type GbdtParams, resolveParams } from "./params.ts";
export { type RoundMetrics, type TrainOptions, trainGbdt } from "./train.ts";
