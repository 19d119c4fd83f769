import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { InputFile } from "./input.ts";
import type { Reject } from "./rejects.ts";
import type { StageFileJob, StageWorkerMessage, StageWorkerSetup } from "./stage-worker.ts";

type Done = Extract<StageWorkerMessage, { type: "done" }>;

/** What the workers made of a list of files, in file order. */
export interface StagedFiles {
  readonly results: readonly Done[];
}

/** Heap of one staging worker: it holds a chunk of text and one file's rejects at a time. */
const WORKER_HEAP_MB = 256;

/**
 * Worker threads (one per core, at most 4) that check transaction files in parallel. Each file goes to
 * the next idle worker; results come back in file order whatever order the workers finish in.
 */
export class StagePool {
  readonly #setup: StageWorkerSetup;
  readonly #size: number;
  #workers: Worker[] = [];

  constructor(setup: StageWorkerSetup, size = Math.min(4, Math.max(1, availableParallelism()))) {
    this.#setup = setup;
    this.#size = size;
  }

  /** Stages `files` (row numbers from `rowBase(i)` for the i-th), writing staging lines to `outFor(i)`. */
  async run(
    files: readonly InputFile[],
    rowBase: (i: number) => number,
    outFor: (i: number) => string,
    onProgress: (bytes: number, records: number) => void,
    signal?: AbortSignal,
  ): Promise<StagedFiles> {
    if (files.length === 0) return { results: [] };
    const size = Math.min(this.#size, files.length);
    while (this.#workers.length < size) this.#workers.push(await this.#start());
    const results: Done[] = new Array(files.length);
    let next = 0;
    let failure: Error | null = null;
    await Promise.all(
      this.#workers.slice(0, size).map(
        (worker) =>
          new Promise<void>((resolve) => {
            const give = () => {
              if (failure || next >= files.length) {
                worker.off("message", onMessage);
                worker.off("error", onError);
                resolve();
                return;
              }
              const i = next++;
              current = i;
              const job: StageFileJob = {
                type: "file",
                file: files[i] as InputFile,
                rowBase: rowBase(i),
                out: outFor(i),
              };
              worker.postMessage(job);
            };
            let current = -1;
            const onMessage = (message: StageWorkerMessage) => {
              if (message.type === "progress") {
                try {
                  onProgress(message.bytes, message.records);
                } catch (error) {
                  // A progress callback that throws stops the staging with its error, as before.
                  failure ??= error instanceof Error ? error : new Error(String(error));
                }
                if (signal?.aborted) failure ??= new StageAborted((files[current] as InputFile).name);
              } else if (message.type === "done") {
                results[current] = message;
                give();
              } else if (message.type === "error") {
                failure ??= new Error(message.message);
                give();
              }
            };
            const onError = (error: Error) => {
              failure ??= error;
              this.#workers = this.#workers.filter((w) => w !== worker);
              resolve();
            };
            worker.on("message", onMessage);
            worker.on("error", onError);
            give();
          }),
      ),
    );
    if (failure) {
      await this.close();
      throw failure;
    }
    return { results };
  }

  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  async #start(): Promise<Worker> {
    const worker = new Worker(new URL("./stage-worker-entry.mjs", import.meta.url), {
      workerData: this.#setup,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: StageWorkerMessage) => {
        if (m.type !== "ready") return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        resolve();
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    return worker;
  }
}

/** The batch was interrupted while workers were staging; the caller turns it into its own error. */
export class StageAborted extends Error {
  override readonly name = "StageAborted";
  /** The file a worker was reading when the interruption was noticed. */
  readonly file: string;
  constructor(file: string) {
    super(`interrupted while reading ${file}`);
    this.file = file;
  }
}

/** All rejects of the staged files, in file order. */
export function rejectsOf(staged: StagedFiles): Reject[] {
  return staged.results.flatMap((r) => r.rejects);
}
