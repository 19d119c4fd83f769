// `npm run bench -- gbdt [--rows N] [--rounds N] ...`: momo's GBDT against XGBoost (hist) on the same
// synthetic, imbalanced fraud-like data, same parameters, same threshold rule; prints time and quality.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Rng } from "../src/generate/rng.ts";
import { type Dataset, type GbdtModel, trainGbdt } from "../src/ml/gbdt/index.ts";
import {
  chooseThreshold,
  confusionAt,
  prAuc,
  precisionRecallF1,
  recallByGroup,
  rocAuc,
} from "../src/ml/metrics.ts";

const PYTHON = "/usr/bin/python3";
const XGB_SCRIPT = fileURLToPath(new URL("./ml/xgb_reference.py", import.meta.url));

const FEATURES = [
  "amount_log",
  "amount_z",
  "hour",
  "is_night",
  "count_1h",
  "count_24h",
  "seconds_since_prev",
  "new_counterparty",
  "fan_in_24h",
  "channel_unusual",
  "service_risk",
  "tenure_days",
  "kyc_level",
  "round_amount",
  "below_threshold",
  "failed_1h",
  "noise_a",
  "noise_b",
  "noise_c",
  "noise_missing",
] as const;

interface Synthetic {
  split: ("train" | "valid" | "test")[];
  fraudType: string[];
  labels: Uint8Array;
  features: Float32Array;
}

/**
 * Deterministic fraud-like rows: ~1% positives from four mechanisms (interactions, a missingness signal),
 * values rounded to 4 decimals so the CSV text holds exactly the float32 values both libraries train on.
 * Rows are in time order: the first 70% train, the next 15% valid, the last 15% test.
 */
export function synthesize(rows: number, seed: number): Synthetic {
  const rng = new Rng(seed, 0x6bd7);
  const cols = FEATURES.length;
  const features = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  const fraudType: string[] = new Array(rows);
  const split: Synthetic["split"] = new Array(rows);
  const round4 = (x: number) => Math.fround(Math.round(x * 1e4) / 1e4);
  for (let r = 0; r < rows; r++) {
    const hour = rng.int(24);
    const night = hour < 6 ? 1 : 0;
    const amountZ = rng.normal();
    const count1h = rng.poisson(0.5);
    const secondsMissing = rng.chance(0.1);
    const newCp = rng.chance(0.3) ? 1 : 0;
    const unusual = rng.chance(0.025) ? 1 : 0;
    const tenure = rng.exponential(400);
    const kyc = rng.int(4);
    const below = rng.chance(0.012) ? 1 : 0;
    const failed = rng.poisson(0.15);
    const risk = rng.next();
    const v = [
      3 + 0.8 * amountZ + 0.2 * rng.normal(),
      amountZ,
      hour,
      night,
      count1h,
      count1h + rng.poisson(4),
      secondsMissing ? Number.NaN : rng.exponential(3600),
      newCp,
      rng.poisson(1),
      unusual,
      risk,
      tenure,
      kyc,
      rng.chance(0.1) ? 1 : 0,
      below,
      failed,
      rng.normal(),
      rng.normal(),
      rng.next(),
      rng.chance(0.3) ? Number.NaN : rng.normal(),
    ];
    for (let f = 0; f < cols; f++) features[r * cols + f] = round4(v[f] as number);
    const mechanisms: [string, number][] = [
      ["account_takeover", 2 * Math.max(amountZ - 1, 0) * newCp * (tenure < 60 ? 3.5 : 1)],
      ["sim_swap", 10.5 * night * unusual * (count1h > 0 ? 1.1 : 0.7)],
      ["structuring", 11 * below * (kyc === 0 ? 1 : 0.45)],
      ["brute_force", 2.6 * Math.max(failed - 1, 0) + 3 * (secondsMissing ? failed : 0)],
    ];
    const logit = -8 + 1.2 * risk + mechanisms.reduce((sum, [, m]) => sum + m, 0);
    labels[r] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    fraudType[r] = labels[r] ? mechanisms.reduce((a, b) => (b[1] > a[1] ? b : a))[0] : "";
    split[r] = r < rows * 0.7 ? "train" : r < rows * 0.85 ? "valid" : "test";
  }
  return { split, fraudType, labels, features };
}

function writeCsv(path: string, data: Synthetic): void {
  const cols = FEATURES.length;
  const fd = openSync(path, "w");
  try {
    writeSync(fd, `transaction_id,split,is_fraud,fraud_type,${FEATURES.join(",")}\n`);
    let chunk: string[] = [];
    for (let r = 0; r < data.labels.length; r++) {
      const values = Array.from(data.features.subarray(r * cols, (r + 1) * cols), (x) =>
        Number.isNaN(x) ? "" : String(Math.round(x * 1e4) / 1e4),
      );
      chunk.push(`T${r},${data.split[r]},${data.labels[r]},${data.fraudType[r]},${values.join(",")}`);
      if (chunk.length === 20_000) {
        writeSync(fd, `${chunk.join("\n")}\n`);
        chunk = [];
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join("\n")}\n`);
  } finally {
    closeSync(fd);
  }
}

function subset(data: Synthetic, name: Synthetic["split"][number]): Dataset & { fraudType: string[] } {
  const cols = FEATURES.length;
  const rows = data.split.filter((s) => s === name).length;
  const first = data.split.indexOf(name);
  return {
    rows,
    cols,
    features: data.features.subarray(first * cols, (first + rows) * cols),
    labels: data.labels.subarray(first, first + rows),
    featureNames: FEATURES,
    fraudType: data.fraudType.slice(first, first + rows),
  };
}

function ensurePythonLibraries(): void {
  const probe = spawnSync(PYTHON, ["-c", "import xgboost, sklearn, numpy"], { encoding: "utf8" });
  if (probe.status === 0) return;
  console.log("installing python3-xgboost and python3-sklearn with apt-get ...");
  const install = spawnSync("apt-get", ["install", "-y", "python3-xgboost", "python3-sklearn"], {
    stdio: "inherit",
  });
  if (install.status !== 0) throw new Error("apt-get install python3-xgboost python3-sklearn failed");
}

interface XgbResult {
  library: string;
  train_seconds: number;
  train_cpu_seconds: number;
  best_iteration: number;
  threshold_rule: string;
  predict_rows_per_second: number;
  test: {
    pr_auc: number;
    roc_auc: number;
    precision: number;
    recall: number;
    f1: number;
    recall_by_type: Record<string, number>;
  };
}

/** Wall and CPU seconds of one training. */
interface Timing {
  seconds: number;
  cpuSeconds: number;
}

const fmt = (x: number, digits = 4) => x.toFixed(digits);
const whole = (x: number) => Math.round(x).toLocaleString("en-US");
const load = () => loadavg()[0]?.toFixed(1);
const fastest = (runs: Timing[]): Timing => ({
  seconds: Math.min(...runs.map((r) => r.seconds)),
  cpuSeconds: Math.min(...runs.map((r) => r.cpuSeconds)),
});

export async function benchGbdt(args: string[]): Promise<void> {
  const { values: o } = parseArgs({
    args,
    options: {
      rows: { type: "string", default: "1000000" },
      rounds: { type: "string", default: "300" },
      depth: { type: "string", default: "6" },
      eta: { type: "string", default: "0.1" },
      "early-stopping": { type: "string", default: "20" },
      metric: { type: "string", default: "logloss" },
      "scale-pos-weight": { type: "string", default: "1" },
      subsample: { type: "string", default: "1" },
      colsample: { type: "string", default: "1" },
      threads: { type: "string", default: "2" },
      seed: { type: "string", default: "1" },
      "min-precision": { type: "string", default: "0.92" },
      repeat: { type: "string", default: "1" },
    },
  });
  const rows = Number(o.rows);
  const seed = Number(o.seed);
  const threads = Number(o.threads);
  const repeat = Number(o.repeat);
  const minPrecision = Number(o["min-precision"]);
  if (!(rows >= 1000)) throw new Error(`--rows must be at least 1000, got ${o.rows}`);
  if (!(repeat >= 1)) throw new Error(`--repeat must be at least 1, got ${o.repeat}`);
  if (o.metric !== "logloss" && o.metric !== "aucpr") throw new Error("--metric accepts logloss or aucpr");

  console.log(`data: ${whole(rows)} synthetic rows × ${FEATURES.length} features (seed ${seed})`);
  const data = synthesize(rows, seed);
  const csv = join(tmpdir(), `momo-bench-gbdt-${rows}-${seed}.csv`);
  if (!existsSync(csv)) writeCsv(csv, data);
  const train = subset(data, "train");
  const valid = subset(data, "valid");
  const test = subset(data, "test");
  // Both libraries start from the same base score (XGBoost 1.7 would start from 0.5).
  const baseScore = train.labels.reduce((a, b) => a + b, 0) / train.rows;
  console.log(`      ${csv}; train positives ${fmt(100 * baseScore, 2)}%`);
  ensurePythonLibraries();

  const params = {
    rounds: Number(o.rounds),
    maxDepth: Number(o.depth),
    learningRate: Number(o.eta),
    earlyStoppingRounds: Number(o["early-stopping"]),
    evalMetric: o.metric,
    scalePosWeight: Number(o["scale-pos-weight"]),
    subsample: Number(o.subsample),
    colsampleByTree: Number(o.colsample),
    baseScore,
    seed,
  } as const;
  const momo = (t: number) => {
    console.log(`  momo GBDT, threads=${t} (load average ${load()}) ...`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const model = trainGbdt(train, { ...params, threads: t }, { valid });
    const used = process.cpuUsage(cpu);
    return {
      model,
      seconds: (performance.now() - started) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  };
  const xgboost = (t: number): XgbResult => {
    console.log(`  XGBoost hist, nthread=${t} (load average ${load()}) ...`);
    const xgbArgs = [
      XGB_SCRIPT,
      csv,
      ...["--rounds", o.rounds, "--depth", o.depth, "--eta", o.eta, "--threads", String(t)],
      ...["--early-stopping-rounds", o["early-stopping"], "--eval-metric", o.metric, "--seed", o.seed],
      ...["--scale-pos-weight", o["scale-pos-weight"], "--base-score", String(baseScore)],
      ...["--subsample", o.subsample, "--colsample-bytree", o.colsample],
      ...["--min-precision", o["min-precision"]],
    ];
    const run = spawnSync(PYTHON, xgbArgs, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    if (run.status !== 0)
      throw new Error(`${PYTHON} ${xgbArgs.join(" ")} failed: ${run.stderr || run.error}`);
    return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as XgbResult;
  };
  const xgbTiming = (r: XgbResult): Timing => ({ seconds: r.train_seconds, cpuSeconds: r.train_cpu_seconds });

  // Interleaved runs, the fastest of each kept: the machine may be shared.
  const runs = { momo: [] as Timing[], xgb: [] as Timing[], momo1: [] as Timing[], xgb1: [] as Timing[] };
  let first: { model: GbdtModel; xgb: XgbResult } | undefined;
  for (let i = 0; i < repeat; i++) {
    console.log(`run ${i + 1} of ${repeat}:`);
    const m = momo(threads);
    const xr = xgboost(threads);
    first ??= { model: m.model, xgb: xr };
    runs.momo.push(m);
    runs.xgb.push(xgbTiming(xr));
    if (threads !== 1) {
      runs.momo1.push(momo(1));
      runs.xgb1.push(xgbTiming(xgboost(1)));
    }
  }
  const { model, xgb: x } = first as { model: GbdtModel; xgb: XgbResult };

  let started = performance.now();
  const testScores = model.predict(test.features, test.rows);
  const testPredictSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  model.predict(data.features, rows);
  const allPredictSeconds = (performance.now() - started) / 1000;
  const chosen = chooseThreshold(model.predict(valid.features, valid.rows), valid.labels, { minPrecision });
  const ours = {
    pr_auc: prAuc(testScores, test.labels),
    roc_auc: rocAuc(testScores, test.labels),
    ...precisionRecallF1(confusionAt(testScores, test.labels, chosen.threshold)),
  };

  const ourTime = fastest(runs.momo);
  const theirTime = fastest(runs.xgb);
  const table: [string, string, string, string][] = [
    [
      `train seconds, wall (threads ${threads})`,
      fmt(ourTime.seconds, 2),
      fmt(theirTime.seconds, 2),
      `${fmt(ourTime.seconds / theirTime.seconds, 2)}× (target <= 1.5×)`,
    ],
    [
      `train seconds, CPU (threads ${threads})`,
      fmt(ourTime.cpuSeconds, 2),
      fmt(theirTime.cpuSeconds, 2),
      `${fmt(ourTime.cpuSeconds / theirTime.cpuSeconds, 2)}×`,
    ],
  ];
  if (threads !== 1) {
    const our1 = fastest(runs.momo1);
    const their1 = fastest(runs.xgb1);
    table.push(
      [
        "train seconds, wall (threads 1)",
        fmt(our1.seconds, 2),
        fmt(their1.seconds, 2),
        `${fmt(our1.seconds / their1.seconds, 2)}×`,
      ],
      [
        "train seconds, CPU (threads 1)",
        fmt(our1.cpuSeconds, 2),
        fmt(their1.cpuSeconds, 2),
        `${fmt(our1.cpuSeconds / their1.cpuSeconds, 2)}×`,
      ],
    );
  }
  table.push(
    ["best iteration", String(model.bestIteration), String(x.best_iteration), ""],
    [
      "test PR-AUC",
      fmt(ours.pr_auc),
      fmt(x.test.pr_auc),
      `${fmt(ours.pr_auc - x.test.pr_auc)} (target >= -0.005)`,
    ],
    ["test ROC-AUC", fmt(ours.roc_auc), fmt(x.test.roc_auc), fmt(ours.roc_auc - x.test.roc_auc)],
    [
      `precision at threshold (${chosen.rule} / ${x.threshold_rule})`,
      fmt(ours.precision),
      fmt(x.test.precision),
      fmt(ours.precision - x.test.precision),
    ],
    ["recall at threshold", fmt(ours.recall), fmt(x.test.recall), fmt(ours.recall - x.test.recall)],
    ["F1 at threshold", fmt(ours.f1), fmt(x.test.f1), fmt(ours.f1 - x.test.f1)],
    [
      "predict rows/s, test split",
      whole(test.rows / testPredictSeconds),
      whole(x.predict_rows_per_second),
      "target >= 200,000",
    ],
    [`predict rows/s, all ${whole(rows)} rows`, whole(rows / allPredictSeconds), "", "momo: one thread"],
  );
  const width = Math.max(...table.map((r) => r[0].length));
  console.log(`\n${"".padEnd(width)}  ${"momo".padStart(10)}  ${"xgboost".padStart(10)}  ratio / difference`);
  for (const [name, a, b, c] of table)
    console.log(`${name.padEnd(width)}  ${a.padStart(10)}  ${b.padStart(10)}  ${c}`);
  const groups = recallByGroup(testScores, test.labels, test.fraudType, chosen.threshold);
  console.log(
    `\nrecall by fraud type at the threshold, momo: ${groups.map((g) => `${g.group} ${fmt(g.recall, 3)}`).join(", ")}`,
  );
  console.log(
    `recall by fraud type at the threshold, xgboost: ${Object.entries(x.test.recall_by_type)
      .map(([k, r]) => `${k} ${fmt(r, 3)}`)
      .join(", ")}`,
  );
  console.log(
    `${x.library}; momo kept ${model.trees.length} trees; times are the fastest of ${repeat} run(s); load average now ${load()}`,
  );
}
