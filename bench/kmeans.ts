// `npm run bench -- kmeans [--clients N] [--k K] [--restarts R] [--smote-minority M]`: our K-means against
// scikit-learn's KMeans on identical synthetic RFM points, then SMOTE timings.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../src/generate/rng.ts";
import { kmeans } from "../src/ml/segmentation/kmeans.ts";
import { fitLogStandardScaler } from "../src/ml/segmentation/scaling.ts";
import { smote } from "../src/ml/smote.ts";

const PYTHON = "/usr/bin/python3";
const REFERENCE = fileURLToPath(new URL("./ml/kmeans_reference.py", import.meta.url));
const INERTIA_TARGET = 1.01;

interface Reference {
  library: string;
  threads: number;
  inertia: number;
  iterations: number;
  seconds: number;
  cpu_seconds: number;
}

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} takes an integer >= 1, got ${args[at + 1]}`);
  return value;
}

/**
 * RFM-like clients over a one-year window: 70% active (recent, frequent), 30% lapsed; transaction counts
 * and amounts log-normal, so frequency and monetary value have the long right tails of real RFM data.
 * Columns: recency (days), frequency, monetary (XOF), tenure (days).
 */
function rfmColumns(clients: number): Float64Array[] {
  const rng = new Rng(2024);
  const columns = [0, 1, 2, 3].map(() => new Float64Array(clients));
  for (let i = 0; i < clients; i++) {
    const active = rng.chance(0.7);
    const frequency = Math.max(1, Math.round(rng.logNormal(active ? 12 : 2, 1.1)));
    (columns[0] as Float64Array)[i] = Math.min(
      365,
      Math.floor(active ? rng.exponential(10) : 60 + rng.exponential(200)),
    );
    (columns[1] as Float64Array)[i] = frequency;
    (columns[2] as Float64Array)[i] = Math.round(frequency * rng.logNormal(15_000, 1));
    (columns[3] as Float64Array)[i] = rng.between(30, 1500);
  }
  return columns;
}

function ensureScikitLearn() {
  if (spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0) return;
  console.log("scikit-learn missing under /usr/bin/python3: apt-get install -y python3-sklearn ...");
  const install = spawnSync("apt-get", ["install", "-y", "python3-sklearn"], { stdio: "inherit" });
  if (install.status !== 0)
    throw new Error("apt-get install -y python3-sklearn failed; install it and rerun");
}

function reference(csv: string, k: number, restarts: number, threads: number): Reference {
  const args = [REFERENCE, csv, "--k", String(k), "--n-init", String(restarts), "--threads", String(threads)];
  const run = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`kmeans_reference.py failed: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout);
}

function timed<T>(work: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = work();
  return { value, seconds: (performance.now() - start) / 1000, cpuSeconds: process.cpuUsage(cpu).user / 1e6 };
}

/** Fraud-like features: a few correlated amount/velocity signals per typology, flags, hours, counts. */
function fraudFeatures(rows: number, cols: number, seed: number, independent: boolean): Float32Array {
  const rng = new Rng(seed);
  const features = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const typology = rng.int(7);
    const latent = [rng.normal(), rng.normal(), rng.normal()];
    for (let f = 0; f < cols; f++) {
      let value: number;
      if (independent) value = rng.normal();
      else if (f < 6) value = typology + 0.5 * (latent[f % 3] as number) + 0.1 * rng.normal();
      else if (f < 12) value = rng.chance(0.2) ? 1 : 0;
      else if (f < 16) value = rng.int(24);
      else value = Math.log1p(rng.logNormal(5000, 1)) + (latent[0] as number);
      features[i * cols + f] = rng.chance(0.02) ? Number.NaN : value;
    }
  }
  return features;
}

function benchSmote(minority: number) {
  const cols = 20;
  const majority = 4 * minority;
  const count = 4 * minority;
  console.log(
    `\nSMOTE: ${minority.toLocaleString("en-US")} minority rows × ${cols} features, k = 5, ${count.toLocaleString("en-US")} synthetic rows`,
  );
  for (const [name, independent] of [
    ["fraud-like features (typology clusters, flags, hours)", false],
    ["independent Gaussian features (worst case for the k-d tree)", true],
  ] as const) {
    const rows = minority + majority;
    const minorityFeatures = fraudFeatures(minority, cols, 7, independent);
    const features = new Float32Array(rows * cols);
    features.set(minorityFeatures);
    features.set(fraudFeatures(majority, cols, 8, independent), minority * cols);
    const labels = new Uint8Array(rows);
    labels.fill(1, 0, minority);
    const run = timed(() => smote(features, rows, cols, labels, { count, k: 5, seed: 1 }));
    console.log(`  ${name.padEnd(62)} ${run.seconds.toFixed(2)} s wall, ${run.cpuSeconds.toFixed(2)} s CPU`);
  }
}

export async function benchKmeans(args: string[]): Promise<void> {
  const clients = option(args, "clients", 1_000_000);
  const k = option(args, "k", 5);
  const restarts = option(args, "restarts", 10);
  const smoteMinority = option(args, "smote-minority", 20_000);
  ensureScikitLearn();

  const columns = rfmColumns(clients);
  const scaler = fitLogStandardScaler(columns, ["recency", "frequency", "monetary", "tenure"]);
  const points = scaler.transform(columns);
  const d = columns.length;
  const dir = mkdtempSync(join(tmpdir(), "momo-bench-kmeans-"));
  try {
    const csv = join(dir, "points.csv");
    const lines = ["recency,frequency,monetary,tenure"];
    for (let i = 0; i < clients; i++) lines.push(Array.from(points.subarray(i * d, i * d + d)).join(","));
    writeFileSync(csv, `${lines.join("\n")}\n`);

    console.log(
      `K-means: ${clients.toLocaleString("en-US")} RFM-like clients × ${d} log-standardised features, k = ${k}, ${restarts} restarts`,
    );
    const ours = timed(() => kmeans(points, clients, d, { k, restarts, seed: 0 }));
    const single = timed(() => kmeans(points, clients, d, { k, restarts: 1, seed: 0 }));
    const references = [1, 2].map((threads) => reference(csv, k, restarts, threads));
    const row = (name: string, wall: number, cpu: number, inertia: number, iterations: number) =>
      console.log(
        `  ${name.padEnd(44)} ${wall.toFixed(2).padStart(7)} s ${cpu.toFixed(2).padStart(7)} s ${inertia.toFixed(1).padStart(14)} ${String(iterations).padStart(5)}`,
      );
    console.log(
      `  ${"".padEnd(44)} ${"wall".padStart(9)} ${"CPU".padStart(9)} ${"inertia".padStart(14)} iterations`,
    );
    row(
      `ours, ${restarts} restarts, 1 thread`,
      ours.seconds,
      ours.cpuSeconds,
      ours.value.inertia,
      ours.value.iterations,
    );
    row(
      "ours, 1 restart, 1 thread",
      single.seconds,
      single.cpuSeconds,
      single.value.inertia,
      single.value.iterations,
    );
    for (const ref of references) {
      const threads = `${ref.threads} thread${ref.threads > 1 ? "s" : ""}`;
      row(
        `${ref.library}, n_init=${restarts}, ${threads}`,
        ref.seconds,
        ref.cpu_seconds,
        ref.inertia,
        ref.iterations,
      );
    }

    const sizes = new Array<number>(k).fill(0);
    for (const label of ours.value.labels) sizes[label] = (sizes[label] as number) + 1;
    console.log(
      `  cluster sizes (ours): ${sizes.join(", ")}; empty clusters: ${sizes.filter((s) => s === 0).length}`,
    );
    const ratio = ours.value.inertia / Math.min(...references.map((r) => r.inertia));
    const met = ratio <= INERTIA_TARGET ? "met" : "NOT met";
    console.log(`  inertia ours / scikit-learn: ${ratio.toFixed(5)} (target <= ${INERTIA_TARGET}: ${met})`);
    for (const ref of references) {
      console.log(
        `  wall time ours / scikit-learn with ${ref.threads} thread${ref.threads > 1 ? "s" : ""}: ${(ours.seconds / ref.seconds).toFixed(2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  benchSmote(smoteMinority);
}
