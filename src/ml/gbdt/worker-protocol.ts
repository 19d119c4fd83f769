/** What a Workspace and its worker threads share: control words, jobs, states and buffers. */

/** Slots of each worker's control words (Int32Array over a SharedArrayBuffer). */
export const CONTROL = {
  seq: 0,
  done: 1,
  job: 2,
  begin: 3,
  end: 4,
  features: 5,
  state: 6,
  errorLength: 7,
  feature: 8,
  lefts: 9,
  leftAt: 10,
  rightAt: 11,
} as const;
export const CONTROL_WORDS = 12;
export const JOB = { histogram: 1, gradients: 2, exit: 3, scatter: 4, gather: 5 } as const;
export const STATE = { starting: 0, ready: 1, failed: 2 } as const;

/** What a worker receives (typed arrays over SharedArrayBuffers are shared, not copied). */
export interface WorkerSetup {
  control: Int32Array;
  error: Uint8Array;
  hist: Float64Array;
  slots: Uint16Array | Uint32Array;
  columns: Uint8Array;
  rows: number;
  cols: number;
  histStart: Uint32Array;
  order: Uint32Array;
  lefts: Uint32Array;
  rights: Uint32Array;
  goesLeft: Uint8Array;
  gradHess: Float32Array;
  margin: Float64Array;
  features: Int32Array;
  labels: Uint8Array;
  weights: Float32Array | undefined;
  scalePosWeight: number;
}
