// `npm run bench -- ml [--scale medium] [--rounds 200] [--depth 6] [--eta 0.1]`: our fraud GBDT and K-means
// against XGBoost (hist, 2 threads) and scikit-learn on identical data exported from the warehouse.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportFeaturesCsv } from "../src/ml/features/export-csv.ts";
import { readFeatures } from "../src/ml/features/matrix.ts";
import { splitRows } from "../src/ml/fraud/datasets.ts";
import { heldOutMetrics, thresholdOnValidation } from "../src/ml/fraud/evaluate.ts";
import { type GbdtModel, PredictPool, trainGbdt } from "../src/ml/gbdt/index.ts";
import { kmeans } from "../src/ml/segmentation/kmeans.ts";
import { lastSummaryDay, readRfm, stageRfm } from "../src/ml/segmentation/rfm.ts";
import { LogStandardScaler } from "../src/ml/segmentation/scaling.ts";
import { openDuckDb } from "../src/warehouse/duckdb/duckdb-warehouse.ts";

const BIN = fileURLToPath(new URL("../bin/momo.js", import.meta.url));
const PY = "/usr/bin/python3";
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function option(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? (args[at + 1] as string) : fallback;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(command, args, {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

function ensurePythonLibraries(): void {
  const probe = spawnSync(PY, ["-c", "import xgboost, sklearn"], { encoding: "utf8" });
  if (probe.status === 0) return;
  console.log("installing python3-xgboost and python3-sklearn with apt-get ...");
  run("apt-get", ["install", "-y", "python3-xgboost", "python3-sklearn"]);
}

/** A DuckDB warehouse of the preset, generated and loaded once, cached in $TMPDIR. */
function warehouseOf(scale: string): string {
  const dir = join(tmpdir(), `momo-bench-ml-${scale}`);
  const path = join(dir, "warehouse.duckdb");
  const done = join(dir, "loaded");
  if (existsSync(done)) {
    console.log(`warehouse: reusing ${path}`);
    return path;
  }
  mkdirSync(dir, { recursive: true });
  console.log(`warehouse: generating and loading --scale ${scale} into ${path} (once) ...`);
  run(process.execPath, [BIN, "pipeline", "--scale", scale, "--no-ml", "--out", join(dir, "raw"), "--json"], {
    MOMO_ENGINE: "duckdb",
    MOMO_DUCKDB_PATH: path,
  });
  writeFileSync(done, new Date().toISOString());
  return path;
}

function firstBytes(path: string, length: number): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    return buffer.toString("utf8", 0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

const f4 = (x: number) => x.toFixed(4);
const n0 = (x: number) => Math.round(x).toLocaleString("en-US");

/** Best of five passes over the rows, on one thread and on a pool of one thread per core. */
async function timePrediction(model: GbdtModel, features: Float32Array, rows: number) {
  const best = async (predict: () => unknown) => {
    let wall = Number.POSITIVE_INFINITY;
    let cpu = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < 5; pass++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await predict();
      const used = process.cpuUsage(cpu0);
      wall = Math.min(wall, (performance.now() - t0) / 1000);
      cpu = Math.min(cpu, (used.user + used.system) / 1e6);
    }
    return { wall, cpu };
  };
  const one = await best(() => model.predict(features, rows));
  const pool = await PredictPool.open(model);
  try {
    const many = await best(() => pool.predict(features, rows));
    return {
      threads: pool.threads,
      wallRate: rows / many.wall,
      cpuRate: rows / many.cpu,
      oneThreadRate: rows / one.wall,
    };
  } finally {
    await pool.close();
  }
}
const s1 = (x: number) => `${x.toFixed(1)} s`;

export async function benchMl(args: string[]): Promise<void> {
  const scale = option(args, "scale", "medium");
  const rounds = Number(option(args, "rounds", "200"));
  const depth = Number(option(args, "depth", "6"));
  const eta = Number(option(args, "eta", "0.1"));
  ensurePythonLibraries();
  const path = warehouseOf(scale);
  const wh = await openDuckDb({ path });
  const dir = join(tmpdir(), `momo-bench-ml-${scale}`);
  try {
    console.log("features: computing in the warehouse ...");
    let t0 = performance.now();
    const matrix = await readFeatures(wh);
    const featureSeconds = (performance.now() - t0) / 1000;
    const csv = join(dir, "features.csv");
    const header = `transaction_id,split,is_fraud,fraud_type,${matrix.featureNames.join(",")}`;
    const cachedHeader = existsSync(csv) ? firstBytes(csv, header.length + 1) : "";
    if (cachedHeader !== `${header}\n`) await exportFeaturesCsv(wh, csv);
    const [train, valid, test] = [
      splitRows(matrix, "train"),
      splitRows(matrix, "valid"),
      splitRows(matrix, "test"),
    ];
    let positives = 0;
    for (const l of train.labels) positives += l;
    const scalePosWeight = (train.rows - positives) / positives;
    const params = {
      rounds,
      maxDepth: depth,
      learningRate: eta,
      scalePosWeight,
      earlyStoppingRounds: 20,
      evalMetric: "aucpr" as const,
      seed: 0,
    };
    console.log(
      `GBDT: ${train.rows.toLocaleString("en-US")} training rows × ${train.cols} features, ${rounds} rounds, depth ${depth}, eta ${eta}`,
    );
    t0 = performance.now();
    const model = trainGbdt(train, params, { valid });
    const oursTrain = (performance.now() - t0) / 1000;
    const chosen = thresholdOnValidation(model, valid, 0.92);
    const ours = heldOutMetrics(model, test, chosen.threshold);
    const scoring = await timePrediction(model, test.features, test.rows);
    console.log("XGBoost: same CSV, same parameters, 2 threads ...");
    const xgb = JSON.parse(
      run(PY, [
        here("./ml/xgb_reference.py"),
        csv,
        "--rounds",
        String(rounds),
        "--depth",
        String(depth),
        "--eta",
        String(eta),
        "--scale-pos-weight",
        String(scalePosWeight),
        "--early-stopping-rounds",
        "20",
        "--eval-metric",
        "aucpr",
        "--threads",
        "2",
      ])
        .trim()
        .split("\n")
        .at(-1) as string,
    );

    console.log("K-means: RFM of the clients as of the last day ...");
    const asOf = await lastSummaryDay(wh);
    const clients = await stageRfm(wh, asOf, 365);
    const rfm = await readRfm(wh, clients);
    const columns = [rfm.recencyDays, rfm.frequency, rfm.monetary];
    const points = LogStandardScaler.fit(columns).transform(columns);
    t0 = performance.now();
    const clusters = kmeans(points, clients, 3, { k: 5, restarts: 10, seed: 0 });
    const kmeansSeconds = (performance.now() - t0) / 1000;
    const pointsCsv = join(dir, "rfm-points.csv");
    const lines = ["recency,frequency,monetary"];
    for (let i = 0; i < clients; i++)
      lines.push(`${points[i * 3]},${points[i * 3 + 1]},${points[i * 3 + 2]}`);
    writeFileSync(pointsCsv, `${lines.join("\n")}\n`);
    const sk = JSON.parse(
      run(PY, [here("./ml/kmeans_reference.py"), pointsCsv, "--k", "5", "--n-init", "10"])
        .trim()
        .split("\n")
        .at(-1) as string,
    );

    const rows: [string, string, string, string][] = [
      [
        "features (SQL windows, DuckDB)",
        s1(featureSeconds),
        "",
        `${matrix.rows.toLocaleString("en-US")} rows`,
      ],
      [
        "GBDT training",
        s1(oursTrain),
        s1(xgb.train_seconds),
        `ratio ${(oursTrain / xgb.train_seconds).toFixed(2)} (target <= 1.5)`,
      ],
      ["best iteration", String(model.bestIteration), String(xgb.best_iteration), ""],
      [
        "test PR-AUC",
        f4(ours.prAuc),
        f4(xgb.test.pr_auc),
        `diff ${(ours.prAuc - xgb.test.pr_auc).toFixed(4)} (target >= -0.005)`,
      ],
      ["test ROC-AUC", f4(ours.rocAuc), f4(xgb.test.roc_auc), ""],
      ["threshold (valid, precision >= 0.92)", f4(chosen.threshold), f4(xgb.threshold), ""],
      ["test precision at threshold", f4(ours.precision), f4(xgb.test.precision), "brief: 0.92"],
      ["test recall at threshold", f4(ours.recall), f4(xgb.test.recall), ""],
      [
        `batch scoring, ${scoring.threads} threads (wall)`,
        `${n0(scoring.wallRate)} rows/s`,
        "",
        `${n0(scoring.cpuRate)} rows per CPU second; one thread ${n0(scoring.oneThreadRate)} rows/s (target >= 200,000 rows/s)`,
      ],
      [
        "K-means inertia (k=5, 10 restarts)",
        clusters.inertia.toFixed(1),
        Number(sk.inertia).toFixed(1),
        `ratio ${(clusters.inertia / sk.inertia).toFixed(5)} (target <= 1.01)`,
      ],
      [
        "K-means seconds",
        s1(kmeansSeconds),
        s1(sk.wall_seconds ?? sk.seconds),
        `${clients.toLocaleString("en-US")} clients`,
      ],
    ];
    const width = rows
      .map((r) => r.map((c) => c.length))
      .reduce((a, b) => a.map((w, i) => Math.max(w, b[i] as number)));
    const pad = (r: string[]) => r.map((c, i) => c.padEnd(width[i] as number)).join("  ");
    console.log(`\nML bench, ${scale} preset (${asOf}), ours vs ${xgb.library} / scikit-learn`);
    console.log(pad(["figure", "momo", "reference", "note"]));
    for (const r of rows) console.log(pad(r));
  } finally {
    await wh.close();
  }
}
