import type { Warehouse } from "../warehouse/warehouse.ts";
import type { Input } from "./input.ts";

/** dwh_audit.etl_batches: a batch row is written before the work starts and closed by the work's transaction. */

export interface BatchCounts {
  readonly rows_in: number;
  readonly rows_loaded: number;
  readonly rows_rejected: number;
  readonly clients_in: number;
  readonly clients_loaded: number;
  readonly clients_rejected: number;
  readonly changes_in: number;
  readonly changes_loaded: number;
  readonly changes_rejected: number;
  readonly client_versions_written: number;
  readonly facts_repointed: number;
  readonly summary_days_rebuilt: number;
}

export interface BatchRow extends BatchCounts {
  readonly batch_id: number;
  readonly input_path: string;
  readonly input_checksum: string;
  readonly status: string;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly message: string | null;
}

export async function findSucceeded(wh: Warehouse, checksum: string): Promise<BatchRow | null> {
  const [row] = await wh.query<BatchRow>(
    `SELECT * FROM dwh_audit.etl_batches WHERE input_checksum = $1 AND status = 'succeeded' ORDER BY batch_id LIMIT 1`,
    [checksum],
  );
  return row ?? null;
}

async function nextBatchId(wh: Warehouse): Promise<number> {
  const [row] = await wh.query<{ id: number }>("SELECT nextval('dwh_audit.seq_batch_id') AS id");
  return Number(row?.id);
}

export async function openBatch(
  wh: Warehouse,
  input: Input,
  checksum: string,
  status: "running" | "skipped" = "running",
  message: string | null = null,
): Promise<number> {
  const id = await nextBatchId(wh);
  await wh.query(
    `INSERT INTO dwh_audit.etl_batches
       (batch_id, input_path, input_format, input_checksum, input_files, input_bytes, started_at, finished_at, status, message)
     VALUES ($1, $2, $3, $4, $5, $6, localtimestamp, ${status === "skipped" ? "localtimestamp" : "NULL"}, $7, $8)`,
    [id, input.root, input.format, checksum, input.files.length, input.bytes, status, message],
  );
  return id;
}

/** Batches left `running` by a process that was killed: their work was rolled back with their transaction. */
export async function closeAbandoned(tx: Warehouse, current: number): Promise<void> {
  await tx.query(
    `UPDATE dwh_audit.etl_batches SET status = 'failed', message = 'interrupted: the process stopped before the batch committed; nothing of it was kept'
      WHERE status = 'running' AND batch_id <> $1`,
    [current],
  );
}

export async function closeSucceeded(tx: Warehouse, id: number, counts: BatchCounts): Promise<void> {
  const columns = Object.keys(counts) as (keyof BatchCounts)[];
  await tx.query(
    `UPDATE dwh_audit.etl_batches
        SET status = 'succeeded', finished_at = localtimestamp, message = NULL, ${columns.map((c, i) => `${c} = $${i + 2}`).join(", ")}
      WHERE batch_id = $1`,
    [id, ...columns.map((c) => counts[c])],
  );
}

export async function closeFailed(wh: Warehouse, id: number, message: string): Promise<void> {
  await wh.query(
    `UPDATE dwh_audit.etl_batches SET status = 'failed', finished_at = localtimestamp, message = $2 WHERE batch_id = $1`,
    [id, message.slice(0, 2000)],
  );
}

export async function listBatches(wh: Warehouse, limit = 20): Promise<BatchRow[]> {
  return wh.query<BatchRow>(`SELECT * FROM dwh_audit.etl_batches ORDER BY batch_id DESC LIMIT ${limit}`);
}
