import { Command, Option } from "commander";
import { type EvaluationReport, evaluateFraudModel, type HeldOutMetrics } from "../ml/fraud/evaluate.ts";
import { scoreFraud } from "../ml/fraud/score-fraud.ts";
import { IMBALANCE_METHODS, type TrainFraudResult, trainFraudModel } from "../ml/fraud/train-fraud.ts";
import type { GbdtParams } from "../ml/gbdt/index.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  integerFlag,
  type JsonOptions,
  numberFlag,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";
import { progressBar } from "./progress.ts";

interface TrainFlags extends EngineOptions, JsonOptions {
  rounds?: string;
  learningRate?: string;
  maxDepth?: string;
  seed?: string;
  imbalance: "best" | "weighting" | "smote";
  smoteRatio: string;
  sampleNegatives: string;
  minPrecision: string;
}

/** `momo ml train`: features, both imbalance treatments, threshold on validation, the kept model registered. */
export function trainCommand(): Command {
  const command = new Command("train")
    .description(
      "train the fraud model on the earliest months, choose its threshold on the next, test on the latest",
    )
    .option("--rounds <n>", "boosting rounds at most (early stopping on validation PR-AUC)")
    .option("--learning-rate <x>", "shrinkage of each tree")
    .option("--max-depth <n>", "depth of each tree")
    .option("--seed <n>", "random seed")
    .addOption(
      new Option("--imbalance <method>", "class imbalance treatment kept; best = the better on validation")
        .choices(["best", ...IMBALANCE_METHODS])
        .default("best"),
    )
    .option("--smote-ratio <x>", "minority : majority ratio after SMOTE", "0.1")
    .option("--sample-negatives <rate>", "share of legitimate training rows kept, weighted back", "1")
    .option("--min-precision <x>", "precision the threshold must reach on validation", "0.92");
  return withJsonOption(withEngineOption(command)).action(async (flags: TrainFlags) => {
    const params: Partial<GbdtParams> = {
      ...optional("rounds", flags.rounds, "--rounds"),
      ...optional("learningRate", flags.learningRate, "--learning-rate"),
      ...optional("maxDepth", flags.maxDepth, "--max-depth"),
      ...optional("seed", flags.seed, "--seed"),
    };
    const bar = progressBar(flags.json);
    const result = await withWarehouse(configFrom(flags), (wh) =>
      trainFraudModel(wh, {
        params,
        imbalance: flags.imbalance,
        smoteRatio: numberFlag("--smote-ratio", flags.smoteRatio),
        sampleNegatives: numberFlag("--sample-negatives", flags.sampleNegatives),
        minPrecision: numberFlag("--min-precision", flags.minPrecision),
        onStep: (step) => {
          bar.stop();
          if (!flags.json) process.stderr.write(`  ${step}\n`);
        },
        onProgress: (p) =>
          bar.update(
            p.stage === "compute" ? "computing features" : "reading features",
            p.rows,
            Math.max(p.total, 1),
            p.rows,
          ),
        onRound: (method, round, rounds) => bar.update(`boosting (${method})`, round, rounds),
      }),
    ).finally(() => bar.stop());
    if (flags.json) return printJson(result);
    process.stdout.write(`${describeTraining(result)}\n`);
  });
}

export function describeTraining(r: TrainFraudResult): string {
  const rows = r.variants.map((v) => [
    v.method + (v.method === r.kept ? " (kept)" : ""),
    formatCount(v.trainRows),
    v.trainSeconds.toFixed(1),
    String(v.bestIteration),
    v.validation.prAuc.toFixed(4),
    v.test.prAuc.toFixed(4),
    v.test.rocAuc.toFixed(4),
    v.test.precision.toFixed(3),
    v.test.recall.toFixed(3),
  ]);
  const table = formatTable(
    [
      "imbalance",
      "train rows",
      "seconds",
      "trees",
      "valid PR-AUC",
      "test PR-AUC",
      "ROC-AUC",
      "precision",
      "recall",
    ],
    rows,
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  const kept = r.variants.find((v) => v.method === r.kept);
  const rule =
    kept?.validation.rule === "min-precision"
      ? `best recall at precision >= ${kept.validation.minPrecision} on validation`
      : `no threshold reached precision ${kept?.validation.minPrecision} on validation: best F1`;
  return (
    `${table}\n\nfraud model version ${r.modelVersion}: threshold ${r.threshold.toFixed(4)} (${rule}); ` +
    `train to ${r.split.validFrom} (excluded), validation to ${r.split.testFrom}, test to the end of ${r.split.lastMonth}\n` +
    `${kept ? describeHeldOut("test", kept.test) : ""}\n` +
    `top features: ${r.featureImportance
      .slice(0, 5)
      .map((f) => f.feature)
      .join(", ")}\ndone in ${r.seconds.toFixed(1)} s (features ${r.featureSeconds.toFixed(1)} s)`
  );
}

function describeHeldOut(name: string, m: HeldOutMetrics): string {
  const c = m.confusion;
  const byType = m.recallByFraudType
    .map((g) => `${g.group} ${(g.recall * 100).toFixed(0)}% (${g.detected}/${g.positives})`)
    .join(", ");
  return (
    `${name}: ${formatCount(m.rows)} transactions, ${formatCount(m.frauds)} frauds; precision ${m.precision.toFixed(3)}, ` +
    `recall ${m.recall.toFixed(3)}, F1 ${m.f1.toFixed(3)}, PR-AUC ${m.prAuc.toFixed(4)}, ROC-AUC ${m.rocAuc.toFixed(4)}\n` +
    `  confusion: TP ${c.tp}, FP ${c.fp}, FN ${c.fn}, TN ${formatCount(c.tn)}\n  recall by fraud type: ${byType}`
  );
}

interface EvaluateFlags extends EngineOptions, JsonOptions {
  modelVersion?: string;
}

/** `momo ml evaluate`: the registered model on its validation and test months, at its threshold. */
export function evaluateCommand(): Command {
  const command = new Command("evaluate")
    .description("measure the active fraud model (or --model-version) on its validation and test months")
    .option("--model-version <n>", "model version (default: the active one)");
  return withJsonOption(withEngineOption(command)).action(async (flags: EvaluateFlags) => {
    const version =
      flags.modelVersion === undefined ? undefined : integerFlag("--model-version", flags.modelVersion);
    const bar = progressBar(flags.json);
    const report: EvaluationReport = await withWarehouse(
      configFrom(flags),
      (wh) =>
        evaluateFraudModel(wh, {
          version,
          onProgress: (p) => bar.update("computing features", p.rows, Math.max(p.total, 1), p.rows),
        }),
      { readOnly: true },
    ).finally(() => bar.stop());
    if (flags.json) return printJson(report);
    process.stdout.write(
      `fraud model version ${report.modelVersion} at threshold ${report.test.threshold.toFixed(4)}\n` +
        `${describeHeldOut("validation", report.validation)}\n${describeHeldOut("test", report.test)}\n`,
    );
  });
}

interface ScoreFlags extends EngineOptions, JsonOptions {
  modelVersion?: string;
  from?: string;
  to?: string;
}

/** `momo ml score`: every transaction (or a range) scored into dwh.fact_fraud_scores. */
export function scoreCommand(): Command {
  const command = new Command("score")
    .description(
      "score transactions with the fraud model into dwh.fact_fraud_scores (score, alert, top reasons)",
    )
    .option("--model-version <n>", "model version (default: the active one)")
    .option("--from <date>", "first day scored, YYYY-MM-DD")
    .option("--to <date>", "last day scored, YYYY-MM-DD, included");
  return withJsonOption(withEngineOption(command)).action(async (flags: ScoreFlags) => {
    const version =
      flags.modelVersion === undefined ? undefined : integerFlag("--model-version", flags.modelVersion);
    const bar = progressBar(flags.json);
    const result = await withWarehouse(configFrom(flags), (wh) =>
      scoreFraud(wh, {
        version,
        from: flags.from,
        to: flags.to,
        onProgress: (p) =>
          bar.update(
            p.stage === "compute" ? "computing features" : "scoring",
            p.rows,
            Math.max(p.total, 1),
            p.rows,
          ),
      }),
    ).finally(() => bar.stop());
    if (flags.json) return printJson(result);
    process.stdout.write(
      `scored ${formatCount(result.scored)} transactions with fraud model version ${result.modelVersion}: ` +
        `${formatCount(result.alerts)} alerts at threshold ${result.threshold.toFixed(4)}; ` +
        `${result.seconds.toFixed(1)} s (prediction ${formatCount(Math.round(result.scored / Math.max(result.predictSeconds, 1e-9)))} rows/s)\n`,
    );
  });
}

function optional<K extends keyof GbdtParams>(key: K, text: string | undefined, flag: string) {
  return text === undefined ? {} : { [key]: numberFlag(flag, text) };
}
