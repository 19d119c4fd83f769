import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { GbdtModel } from "./model.ts";
import type { PredictJob, PredictSetup } from "./predict-worker.ts";

/** Below this many rows a batch is predicted on the calling thread alone: a hand-off costs more. */
const MIN_PARALLEL_ROWS = 4096;

interface Helper {
  readonly worker: Worker;
  /** Settles the job in flight, if any. */
  pending: { resolve: () => void; reject: (e: Error) => void } | null;
  failure: Error | null;
}

/**
 * Batch prediction over several threads: the calling thread predicts one share of the rows while worker
 * threads, each holding its own copy of the model, predict the others from shared memory.
 *
 *   const pool = await PredictPool.open(model, 2);
 *   const p = await pool.predict(features, rows);   // same probabilities as model.predict
 *   await pool.close();
 */
export class PredictPool {
  readonly #model: GbdtModel;
  readonly #helpers: Helper[];
  #features = new Float32Array(new SharedArrayBuffer(0));
  #out = new Float64Array(new SharedArrayBuffer(0));

  private constructor(model: GbdtModel, helpers: Helper[]) {
    this.#model = model;
    this.#helpers = helpers;
  }

  /** Threads used in all, the calling one included. */
  get threads(): number {
    return this.#helpers.length + 1;
  }

  /** Starts `threads − 1` workers (default: one per core); a worker that cannot start only costs speed. */
  static async open(model: GbdtModel, threads = availableParallelism()): Promise<PredictPool> {
    const setup: PredictSetup = { model: model.toJSON() };
    const started = await Promise.all(
      Array.from({ length: Math.max(0, threads - 1) }, () => startHelper(setup).catch(() => null)),
    );
    return new PredictPool(
      model,
      started.filter((h): h is Helper => h !== null),
    );
  }

  /** Probabilities of `rows` rows of row-major `features`, as `GbdtModel.predict` gives them. */
  async predict(features: Float32Array, rows: number): Promise<Float64Array> {
    const cols = this.#model.featureNames.length;
    if (this.#helpers.length === 0 || rows < MIN_PARALLEL_ROWS) return this.#model.predict(features, rows);
    if (features.length !== rows * cols)
      throw new RangeError(
        `features holds ${features.length} values, expected rows × ${cols} = ${rows * cols}`,
      );
    const shared = this.#sharedFeatures(features);
    const out = this.#sharedOut(rows);
    const parts = this.#helpers.length + 1;
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.floor((rows * i) / parts));
    const jobs = this.#helpers.map((h, i) =>
      run(h, { features: shared, out, cols, begin: bounds[i + 1] as number, end: bounds[i + 2] as number }),
    );
    const mine = this.#model.predict(shared.subarray(0, (bounds[1] as number) * cols), bounds[1] as number);
    await Promise.all(jobs);
    const result = new Float64Array(rows);
    result.set(mine);
    result.set(out.subarray(bounds[1] as number, rows), bounds[1] as number);
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.#helpers.map((h) => h.worker.terminate()));
    this.#helpers.length = 0;
  }

  #sharedFeatures(features: Float32Array): Float32Array {
    if (features.buffer instanceof SharedArrayBuffer) return features;
    if (this.#features.length < features.length)
      this.#features = new Float32Array(new SharedArrayBuffer(features.byteLength));
    const shared = this.#features.subarray(0, features.length);
    shared.set(features);
    return shared;
  }

  #sharedOut(rows: number): Float64Array {
    if (this.#out.length < rows) this.#out = new Float64Array(new SharedArrayBuffer(8 * rows));
    return this.#out;
  }
}

function startHelper(setup: PredictSetup): Promise<Helper> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./predict-worker-entry.mjs", import.meta.url), { workerData: setup });
    worker.unref();
    const helper: Helper = { worker, pending: null, failure: null };
    const fail = (error: Error) => {
      helper.failure = error;
      helper.pending?.reject(error);
      helper.pending = null;
    };
    worker.once("message", (message: unknown) => {
      if (message !== "ready") return reject(new Error(`prediction worker failed to start: ${message}`));
      worker.on("message", (answer: { error?: string }) => {
        const pending = helper.pending;
        helper.pending = null;
        if (answer.error) pending?.reject(new Error(`prediction worker failed: ${answer.error}`));
        else pending?.resolve();
      });
      resolve(helper);
    });
    worker.once("error", (error) => {
      reject(error);
      fail(error);
    });
    worker.once("exit", (code) => {
      const error = new Error(`prediction worker exited with code ${code}`);
      reject(error);
      fail(error);
    });
  });
}

function run(helper: Helper, job: PredictJob): Promise<void> {
  if (helper.failure) return Promise.reject(helper.failure);
  return new Promise((resolve, reject) => {
    helper.pending = { resolve, reject };
    helper.worker.postMessage(job);
  });
}
