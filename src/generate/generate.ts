import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { loadGeography } from "../reference/geography.ts";
import { DIRTY_KINDS, FRAUD_TYPES } from "./catalog.ts";
import { generateClients } from "./clients.ts";
import type { WrittenFile } from "./file-sink.ts";
import { type GenerateOptions, SHARDS } from "./options.ts";
import { convertToParquet } from "./parquet.ts";
import { COUNTRIES, type ShardTotals } from "./shard.ts";
import { dayIso, makeWindow } from "./window.ts";
import type { WorkerJob, WorkerMessage } from "./worker.ts";

export interface Manifest {
  readonly generator: string;
  readonly seed: number;
  readonly parameters: Omit<GenerateOptions, "out"> & { readonly shards: number };
  readonly window: { readonly from: string; readonly to: string };
  readonly counts: {
    readonly clients: number;
    readonly clientChanges: number;
    /** Clean transactions (what the warehouse should hold after the ETL). */
    readonly transactions: number;
    readonly fraudTransactions: number;
    /** Deliberately broken extra rows in the transaction files. */
    readonly dirtyRows: number;
    /** Data rows in the transaction files: transactions + dirtyRows. */
    readonly transactionFileRows: number;
  };
  readonly fraudByType: Record<string, number>;
  readonly dirtyByKind: Record<string, number>;
  readonly changesByType: Record<string, number>;
  readonly files: readonly WrittenFile[];
}

export interface GenerateProgress {
  readonly phase: "clients" | "transactions" | "parquet";
  readonly rows: number;
  readonly total: number;
}

export const MANIFEST_FILE = "manifest.json";

/** The run was stopped through its AbortSignal; its partial files are gone and no manifest was written. */
export class GenerateInterrupted extends Error {
  override readonly name = "GenerateInterrupted";
}

/** Writes clients, client changes, monthly transaction files and, last of all, the manifest. */
export async function generate(
  options: GenerateOptions,
  onProgress: (progress: GenerateProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<Manifest> {
  try {
    return await generateFiles(options, onProgress, signal);
  } catch (error) {
    removePartialFiles(options.out);
    if (signal?.aborted)
      throw new GenerateInterrupted(
        `interrupted: removed the partial files in ${options.out}; no manifest was written`,
      );
    throw error;
  }
}

async function generateFiles(
  options: GenerateOptions,
  onProgress: (progress: GenerateProgress) => void,
  signal: AbortSignal | undefined,
): Promise<Manifest> {
  const outDir = resolve(options.out);
  mkdirSync(outDir, { recursive: true });
  clearPreviousRun(outDir);
  const geography = loadGeography();
  const window = makeWindow(options.start, options.months);

  onProgress({ phase: "clients", rows: 0, total: options.clients });
  const clients = generateClients(options, window, geography, outDir, (done) =>
    onProgress({ phase: "clients", rows: done, total: options.clients }),
  );
  onProgress({ phase: "clients", rows: options.clients, total: options.clients });

  const job: Omit<WorkerJob, "shards"> = {
    outDir,
    start: options.start,
    months: options.months,
    input: {
      shards: SHARDS,
      seed: options.seed,
      fraudRate: options.fraudRate,
      dirtyRate: options.dirtyRate,
      table: clients.table,
      geoCodes: geography.map((g) => g.geoCode),
      geoCountry: Uint8Array.from(geography, (g) => COUNTRIES.indexOf(g.countryCode)),
      geoCurrency: geography.map((g) => g.currency),
    },
  };
  const expectedRows = Math.round(options.transactions * (1 + options.dirtyRate));
  let rows = 0;
  signal?.throwIfAborted();
  const workers = startWorkers(job, (added) => {
    rows += added;
    onProgress({ phase: "transactions", rows, total: expectedRows });
  });
  const stop = () => workers.stop();
  signal?.addEventListener("abort", stop);
  let clientFiles: WrittenFile[];
  let results: WorkerResult[];
  try {
    // The client files are written while the workers generate transactions.
    clientFiles = clients.writeFiles(outDir);
    results = await workers.done;
  } catch (error) {
    await workers.stop();
    throw error;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  signal?.throwIfAborted();
  let transactionFiles = results.flatMap((r) => r.files).sort((a, b) => a.path.localeCompare(b.path));
  if (options.format === "parquet") {
    const all = [...clientFiles, ...transactionFiles];
    const converted = await convertToParquet(outDir, all, (done) =>
      onProgress({ phase: "parquet", rows: done, total: all.length }),
    );
    clientFiles = converted.slice(0, clientFiles.length);
    transactionFiles = converted.slice(clientFiles.length);
  }
  const manifest = buildManifest(
    options,
    window,
    clients.changesByType,
    clientFiles,
    transactionFiles,
    results.flatMap((r) => r.totals),
  );
  const partial = join(outDir, `${MANIFEST_FILE}.partial`);
  writeFileSync(partial, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(partial, join(outDir, MANIFEST_FILE));
  return manifest;
}

/** Removes what an earlier run wrote here, manifest first, so nothing stale passes for this run's output. */
function clearPreviousRun(outDir: string): void {
  rmSync(join(outDir, MANIFEST_FILE), { force: true });
  for (const name of readdirSync(outDir)) {
    if (/^(clients|client_changes)\.(csv|parquet)(\.partial)?$/.test(name) || name === "transactions") {
      rmSync(join(outDir, name), { recursive: true, force: true });
    }
  }
}

/** Removes the `.partial` files a stopped run left behind. */
function removePartialFiles(outDir: string): void {
  if (!existsSync(outDir)) return;
  for (const entry of readdirSync(resolve(outDir), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".partial"))
      rmSync(join(entry.parentPath, entry.name), { force: true });
  }
}

interface WorkerResult {
  readonly files: WrittenFile[];
  readonly totals: ShardTotals[];
}

/** One worker thread per core (at most one per shard), each generating its shards' transaction files. */
function startWorkers(
  job: Omit<WorkerJob, "shards">,
  onRows: (rows: number) => void,
): { done: Promise<WorkerResult[]>; stop(): Promise<void> } {
  const count = Math.min(SHARDS, availableParallelism());
  const workers: Worker[] = [];
  const done = Promise.all(
    Array.from({ length: count }, (_, w) => {
      const shards = Array.from({ length: SHARDS }, (_, s) => s).filter((s) => s % count === w);
      return new Promise<WorkerResult>((resolvePromise, reject) => {
        const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), {
          workerData: { ...job, shards } satisfies WorkerJob,
        });
        workers.push(worker);
        worker.on("message", (message: WorkerMessage) => {
          if (message.type === "progress") onRows(message.rows);
          else resolvePromise({ files: message.files, totals: message.totals });
        });
        worker.on("error", reject);
        worker.on("exit", (code) => {
          if (code !== 0) reject(new Error(`transaction worker stopped with exit code ${code}`));
        });
      });
    }),
  );
  return {
    done,
    stop: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

function buildManifest(
  options: GenerateOptions,
  window: ReturnType<typeof makeWindow>,
  changesByType: Record<string, number>,
  clientFiles: readonly WrittenFile[],
  transactionFiles: readonly WrittenFile[],
  totals: readonly ShardTotals[],
): Manifest {
  const sum = (keys: readonly string[], pick: (t: ShardTotals) => Record<string, number>) =>
    Object.fromEntries(keys.map((k) => [k, totals.reduce((n, t) => n + (pick(t)[k] ?? 0), 0)]));
  const fraudByType = sum(FRAUD_TYPES, (t) => t.fraudByType);
  const dirtyByKind = sum(DIRTY_KINDS, (t) => t.dirtyByKind);
  const transactions = totals.reduce((n, t) => n + t.transactions, 0);
  const dirtyRows = Object.values(dirtyByKind).reduce((a, b) => a + b, 0);
  const { out: _out, ...parameters } = options;
  return {
    generator: "momo-dwh 0.1.0",
    seed: options.seed,
    parameters: { ...parameters, shards: SHARDS },
    window: { from: dayIso(window, 0), to: dayIso(window, window.days - 1) },
    counts: {
      clients: clientFiles[0]?.rows ?? 0,
      clientChanges: clientFiles[1]?.rows ?? 0,
      transactions,
      fraudTransactions: Object.values(fraudByType).reduce((a, b) => a + b, 0),
      dirtyRows,
      transactionFileRows: transactionFiles.reduce((n, f) => n + f.rows, 0),
    },
    fraudByType,
    dirtyByKind,
    changesByType: Object.fromEntries(Object.entries(changesByType).sort()),
    files: [...clientFiles, ...transactionFiles],
  };
}
