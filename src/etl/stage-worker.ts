import { closeSync, openSync, writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { InputFile } from "./input.ts";
import { forEachCsvRecord, openRecords, type SourceRecord } from "./records.ts";
import type { References } from "./references.ts";
import { type Reject, RejectBuffer } from "./rejects.ts";
import { checkTransaction, headerProblem, TRANSACTION_FIELDS } from "./transaction-records.ts";

/**
 * Worker side of the parallel staging of generated transaction files: each worker reads whole files,
 * runs the same field checks as before (checkTransaction), writes the staging lines of the accepted
 * records to a file of its own and sends back the rejects. Row numbers are `rowBase + n` (n = 1, 2, …
 * in file order), so load order is kept across files without the workers talking to each other.
 */

export interface StageWorkerSetup {
  readonly refs: References;
  /** `YYYY-MM-DD HH:MM:SS` of the run. */
  readonly now: string;
}

export interface StageFileJob {
  readonly type: "file";
  readonly file: InputFile;
  /** Row numbers of this file's accepted records start after it. */
  readonly rowBase: number;
  /** Where the staging lines go (created only when a record is accepted). */
  readonly out: string;
}

export type StageWorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "progress"; readonly bytes: number; readonly records: number }
  | {
      readonly type: "done";
      readonly name: string;
      readonly records: number;
      readonly accepted: number;
      readonly rejects: Reject[];
      /** Null when no record was accepted (no file written). */
      readonly out: string | null;
    }
  | { readonly type: "error"; readonly message: string };

/** Bytes of staging text gathered before each write. */
const WRITE_CHUNK = 1 << 20;

/** Checks one transaction file and writes its staging lines to job.out; reports progress per chunk read. */
export async function stageFile(
  setup: StageWorkerSetup,
  job: StageFileJob,
  progress: (bytes: number, records: number) => void,
): Promise<Extract<StageWorkerMessage, { type: "done" }>> {
  const { file } = job;
  const ctx = { refs: setup.refs, now: setup.now, file: file.name };
  const rejects = new RejectBuffer();
  let fd: number | null = null;
  // Lines are encoded straight into one buffer (a growing string cost more to flatten than to check).
  const buffer = Buffer.allocUnsafe(WRITE_CHUNK);
  let used = 0;
  let row = job.rowBase;
  let records = 0;
  let accepted = 0;
  const flush = () => {
    if (used === 0) return;
    fd ??= openSync(job.out, "w");
    writeSync(fd, buffer, 0, used);
    used = 0;
  };
  const onRecord = (rec: SourceRecord) => {
    const checked = checkTransaction(rec, ctx);
    if ("kind" in checked) rejects.add(checked);
    else {
      rejects.accepted();
      accepted++;
      const line = `${++row}\t${checked.line}`;
      if (used + line.length * 3 > WRITE_CHUNK) {
        flush();
        if (line.length * 3 > WRITE_CHUNK) {
          fd ??= openSync(job.out, "w");
          writeSync(fd, line);
          return;
        }
      }
      used += buffer.write(line, used);
    }
  };
  const onHeader = (header: readonly string[]) => {
    const problem = headerProblem(header, TRANSACTION_FIELDS);
    if (problem) throw new Error(`${file.name}: unexpected header: ${problem}`);
  };
  try {
    if (file.type === "csv") {
      // One reused record object: checkTransaction copies what a reject keeps (line, raw).
      await forEachCsvRecord(file.path, onHeader, onRecord, (bytes, n) => {
        records += n;
        progress(bytes, n);
      });
    } else {
      const source = await openRecords(file);
      onHeader(source.header);
      for await (const batch of source.batches) {
        let bytes = 0;
        for (const rec of batch) {
          bytes += rec.raw.length + 1;
          onRecord(rec);
        }
        records += batch.length;
        progress(bytes, batch.length);
      }
    }
    flush();
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return {
    type: "done",
    name: file.name,
    records,
    accepted,
    rejects: rejects.take(),
    out: fd === null ? null : job.out,
  };
}

if (parentPort && workerData) {
  const port = parentPort;
  const setup = workerData as StageWorkerSetup;
  port.on("message", (job: StageFileJob) => {
    stageFile(setup, job, (bytes, records) => port.postMessage({ type: "progress", bytes, records }))
      .then((done) => port.postMessage(done))
      .catch((error: unknown) =>
        port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) }),
      );
  });
  port.postMessage({ type: "ready" });
}
