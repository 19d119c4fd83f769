// A PredictPool helper thread: rebuilds the model once, then predicts the row ranges it is sent.
import { parentPort, workerData } from "node:worker_threads";
import { GbdtModel, type GbdtModelJson } from "./model.ts";

export interface PredictSetup {
  readonly model: GbdtModelJson;
}

/** Rows [begin, end) of `features` (shared, row-major, `cols` wide) into the same rows of `out` (shared). */
export interface PredictJob {
  readonly features: Float32Array;
  readonly out: Float64Array;
  readonly cols: number;
  readonly begin: number;
  readonly end: number;
}

const port = parentPort;
if (!port) throw new Error("predict-worker.ts runs only as a worker thread");
const model = GbdtModel.fromJSON((workerData as PredictSetup).model);
port.on("message", (job: PredictJob) => {
  try {
    const rows = job.end - job.begin;
    const scores = model.predict(job.features.subarray(job.begin * job.cols, job.end * job.cols), rows);
    job.out.set(scores, job.begin);
    port.postMessage({});
  } catch (error) {
    port.postMessage({ error: String((error as Error)?.stack ?? error) });
  }
});
port.postMessage("ready");
