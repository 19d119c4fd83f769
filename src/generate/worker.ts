import { mkdirSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { TRANSACTION_HEADER } from "./catalog.ts";
import { FileSink, type WrittenFile } from "./file-sink.ts";
import { ShardGenerator, type ShardInput, type ShardTotals } from "./shard.ts";
import { makeWindow } from "./window.ts";

export interface WorkerJob {
  readonly shards: readonly number[];
  readonly outDir: string;
  readonly start: string;
  readonly months: number;
  readonly input: Omit<ShardInput, "shard" | "window">;
}

export type WorkerMessage =
  | { readonly type: "progress"; readonly rows: number }
  | { readonly type: "done"; readonly files: WrittenFile[]; readonly totals: ShardTotals[] };

/** Generates the transaction files of the given shards, month by month, reporting rows as it goes. */
export function runJob(job: WorkerJob, report: (message: WorkerMessage) => void): void {
  const window = makeWindow(job.start, job.months);
  const files: WrittenFile[] = [];
  const totals: ShardTotals[] = [];
  for (const shard of job.shards) {
    const generator = new ShardGenerator({ ...job.input, shard, window });
    window.months.forEach((month, m) => {
      const folder = `transactions/month=${month.key}`;
      mkdirSync(`${job.outDir}/${folder}`, { recursive: true });
      const relative = `${folder}/part-${shard}.csv`;
      const sink = new FileSink(`${job.outDir}/${relative}`, relative);
      sink.header(TRANSACTION_HEADER);
      try {
        generator.generateMonth(m, sink);
      } catch (error) {
        sink.abort();
        throw error;
      }
      files.push(sink.close());
      report({ type: "progress", rows: sink.rows });
    });
    totals.push(generator.totals);
  }
  report({ type: "done", files, totals });
}

if (parentPort && workerData) {
  const port = parentPort;
  runJob(workerData as WorkerJob, (message) => port.postMessage(message));
}
