import { Worker } from "node:worker_threads";
import type { BinnedMatrix } from "./binning.ts";
import { addHistogram, buildHistogram, type Histogram, type RowSlots } from "./histogram.ts";
import { loglossGradients } from "./objective.ts";
import { gather, type ScatterArgs, scatter } from "./partition.ts";
import { CONTROL, CONTROL_WORDS, JOB, STATE, type WorkerSetup } from "./worker-protocol.ts";

/** Fewer training rows than this do not repay starting workers (about 0.3 s each, tsx included). */
const MIN_ROWS_FOR_WORKERS = 65_536;
/** A node with fewer rows per thread than this is handled by the calling thread alone. */
const MIN_ROWS_PER_THREAD = 4096;
const START_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 600_000;

interface Helper {
  worker: Worker;
  control: Int32Array;
  error: Uint8Array;
  hist: Float64Array;
  seq: number;
}

const sharedArray = <T>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T =>
  make(new SharedArrayBuffer(bytes));

/**
 * The per-row buffers of one training (row order, gradient pairs, margins) and, when `threads` > 1, the
 * worker threads that share them: the histograms and partitions of large nodes and the gradients are split
 * into row ranges, one per thread, and the partial histograms summed. Results differ from one thread only
 * by the rounding of those sums. If a worker cannot start, everything runs on the calling thread.
 */
export class Workspace {
  readonly order: Uint32Array;
  readonly gradHess: Float32Array;
  readonly margin: Float64Array;
  readonly #slots: RowSlots;
  readonly #columns: Uint8Array;
  /** Scratch for partitions: a range's left rows, its right rows, and which bins go left. */
  readonly #lefts: Uint32Array;
  readonly #rights: Uint32Array;
  readonly #goesLeft: Uint8Array;
  readonly #labels: Uint8Array;
  readonly #weights: Float32Array | undefined;
  readonly #scalePosWeight: number;
  readonly #features: Int32Array;
  #lastFeatures: Int32Array | undefined;
  #helpers: Helper[] = [];

  constructor(
    binned: BinnedMatrix,
    labels: Uint8Array,
    weights: Float32Array | undefined,
    scalePosWeight: number,
    threads: number,
  ) {
    const rows = binned.rows;
    const parallel =
      threads > 1 && rows >= MIN_ROWS_FOR_WORKERS && binned.data.buffer instanceof SharedArrayBuffer;
    const buffer = (bytes: number) => (parallel ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.order = new Uint32Array(buffer(4 * rows));
    this.gradHess = new Float32Array(buffer(8 * rows));
    this.margin = new Float64Array(buffer(8 * rows));
    this.#features = new Int32Array(buffer(4 * binned.cols));
    this.#lefts = new Uint32Array(buffer(4 * rows));
    this.#rights = new Uint32Array(buffer(4 * rows));
    this.#goesLeft = new Uint8Array(buffer(256));
    this.#columns = binned.columns;
    this.#slots = { data: binned.data, cols: binned.cols, histStart: binned.cuts.histStart };
    this.#labels = labels;
    this.#weights = weights;
    this.#scalePosWeight = scalePosWeight;
    if (parallel) this.#startHelpers(threads - 1, binned);
  }

  /** Threads summing histograms: this one and the workers that started. */
  get threads(): number {
    return 1 + this.#helpers.length;
  }

  /** Sums the gradient pairs of rows order[begin..end) into `hist`, over `features`. */
  buildHistogram(hist: Histogram, features: Int32Array, begin: number, end: number): void {
    const parts = Math.min(this.threads, Math.floor((end - begin) / MIN_ROWS_PER_THREAD));
    if (parts < 2) {
      buildHistogram(hist, this.#slots, features, this.order, begin, end, this.gradHess);
      return;
    }
    if (features !== this.#lastFeatures) {
      this.#features.set(features);
      this.#lastFeatures = features;
    }
    const bounds = split(begin, end, parts);
    const helpers = this.#helpers.slice(0, parts - 1);
    helpers.forEach((h, i) => {
      h.control[CONTROL.features] = features.length;
      this.#post(h, JOB.histogram, bounds[i + 1] as number, bounds[i + 2] as number);
    });
    buildHistogram(hist, this.#slots, features, this.order, begin, bounds[1] as number, this.gradHess);
    for (const h of helpers) {
      this.#wait(h);
      addHistogram(hist, h.hist, this.#slots.histStart, features);
    }
  }

  /**
   * Stable partition of order[begin..end): rows whose bin of `feature` has `goesLeft` 1 first. Returns where
   * the right rows start. In parallel, each thread splits a chunk into scratch, then copies its left and
   * right rows to their final places.
   */
  partition(begin: number, end: number, feature: number, goesLeft: Uint8Array): number {
    const parts = Math.min(this.threads, Math.floor((end - begin) / MIN_ROWS_PER_THREAD));
    this.#goesLeft.set(goesLeft);
    if (parts < 2) {
      const lefts = scatter(this.#scatterArgs(feature), begin, end);
      gather(this.order, this.#lefts, this.#rights, begin, end, lefts, begin, begin + lefts);
      return begin + lefts;
    }
    const bounds = split(begin, end, parts);
    const helpers = this.#helpers.slice(0, parts - 1);
    helpers.forEach((h, i) => {
      h.control[CONTROL.feature] = feature;
      this.#post(h, JOB.scatter, bounds[i + 1] as number, bounds[i + 2] as number);
    });
    const lefts = [scatter(this.#scatterArgs(feature), begin, bounds[1] as number)];
    for (const h of helpers) {
      this.#wait(h);
      lefts.push(h.control[CONTROL.lefts] as number);
    }
    const mid = begin + lefts.reduce((a, b) => a + b, 0);
    let leftAt = begin;
    let rightAt = mid;
    const places = lefts.map((n, t) => {
      const place = { leftAt, rightAt };
      leftAt += n;
      rightAt += (bounds[t + 1] as number) - (bounds[t] as number) - n;
      return place;
    });
    helpers.forEach((h, i) => {
      h.control[CONTROL.lefts] = lefts[i + 1] as number;
      h.control[CONTROL.leftAt] = places[i + 1]?.leftAt as number;
      h.control[CONTROL.rightAt] = places[i + 1]?.rightAt as number;
      this.#post(h, JOB.gather, bounds[i + 1] as number, bounds[i + 2] as number);
    });
    gather(this.order, this.#lefts, this.#rights, begin, bounds[1] as number, lefts[0] as number, begin, mid);
    for (const h of helpers) this.#wait(h);
    return mid;
  }

  #scatterArgs(feature: number): ScatterArgs {
    const { rows } = this;
    return {
      order: this.order,
      column: this.#columns.subarray(feature * rows, (feature + 1) * rows),
      goesLeft: this.#goesLeft,
      lefts: this.#lefts,
      rights: this.#rights,
    };
  }

  get rows(): number {
    return this.order.length;
  }

  /** Logloss gradient pairs of every row at the current margins. */
  computeGradients(): void {
    const rows = this.margin.length;
    const bounds = split(0, rows, this.threads);
    this.#helpers.forEach((h, i) => {
      this.#post(h, JOB.gradients, bounds[i + 1] as number, bounds[i + 2] as number);
    });
    loglossGradients(
      this.margin,
      this.#labels,
      this.#weights,
      this.#scalePosWeight,
      this.gradHess,
      0,
      bounds[1],
    );
    for (const h of this.#helpers) this.#wait(h);
  }

  /** Stops the workers. */
  close(): void {
    for (const h of this.#helpers) {
      this.#post(h, JOB.exit, 0, 0);
      void h.worker.terminate();
    }
    this.#helpers = [];
  }

  #startHelpers(count: number, binned: BinnedMatrix): void {
    const slots = binned.cuts.histStart.at(-1) as number;
    for (let i = 0; i < count; i++) {
      const control = sharedArray((b) => new Int32Array(b), 4 * CONTROL_WORDS);
      const error = sharedArray((b) => new Uint8Array(b), 2048);
      const hist = sharedArray((b) => new Float64Array(b), 16 * slots);
      const setup: WorkerSetup = {
        control,
        error,
        hist,
        slots: this.#slots.data,
        columns: this.#columns,
        rows: binned.rows,
        cols: this.#slots.cols,
        histStart: this.#slots.histStart,
        order: this.order,
        lefts: this.#lefts,
        rights: this.#rights,
        goesLeft: this.#goesLeft,
        gradHess: this.gradHess,
        margin: this.margin,
        features: this.#features,
        labels: this.#labels,
        weights: this.#weights,
        scalePosWeight: this.#scalePosWeight,
      };
      const worker = new Worker(new URL("./workspace-worker-entry.mjs", import.meta.url), {
        workerData: setup,
      });
      worker.unref();
      this.#helpers.push({ worker, control, error, hist, seq: 0 });
    }
    for (const h of this.#helpers) {
      Atomics.wait(h.control, CONTROL.state, STATE.starting, START_TIMEOUT_MS);
      if (Atomics.load(h.control, CONTROL.state) !== STATE.ready) {
        // A worker that cannot start (no tsx loader, no threads) only costs speed: run on this thread.
        for (const other of this.#helpers) void other.worker.terminate();
        this.#helpers = [];
        return;
      }
    }
  }

  #post(h: Helper, job: number, begin: number, end: number): void {
    h.control[CONTROL.job] = job;
    h.control[CONTROL.begin] = begin;
    h.control[CONTROL.end] = end;
    h.seq = Atomics.add(h.control, CONTROL.seq, 1) + 1;
    Atomics.notify(h.control, CONTROL.seq);
  }

  #wait(h: Helper): void {
    const started = Date.now();
    for (;;) {
      const done = Atomics.load(h.control, CONTROL.done);
      if (Atomics.load(h.control, CONTROL.state) === STATE.failed) {
        const message = new TextDecoder().decode(h.error.slice(0, h.control[CONTROL.errorLength]));
        this.close();
        throw new Error(`GBDT worker thread failed: ${message}`);
      }
      if (done === h.seq) return;
      if (Date.now() - started > JOB_TIMEOUT_MS) {
        this.close();
        throw new Error(`GBDT worker thread gave no answer in ${JOB_TIMEOUT_MS / 1000} s`);
      }
      Atomics.wait(h.control, CONTROL.done, done, 1000);
    }
  }
}

/** `parts` + 1 boundaries cutting [begin, end) into near-equal ranges. */
function split(begin: number, end: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, i) => begin + Math.floor(((end - begin) * i) / parts));
}
