import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { sqlString } from "../warehouse/warehouse.ts";
import {
  CHANGE_CHECKED_COLUMNS,
  CLIENT_CHECKED_COLUMNS,
  changeChecksSql,
  clientChecksSql,
} from "./client-checks-sql.ts";
import type { References } from "./references.ts";
import { TX_CHECKED_COLUMNS } from "./stage.ts";
import { fileLinesSql, type SqlCheckedFile, transactionChecksSql } from "./transaction-checks-sql.ts";

/** A job of CheckAhead: `columns` of `checks` (one of the SQL checks) over the lines of `files`. */
function checkJob(
  files: readonly SqlCheckedFile[],
  columns: readonly string[],
  checks: (lines: string) => string,
): string {
  return `SELECT ${columns.join(", ")} FROM (${checks(`(${fileLinesSql(files)})`)})`;
}

/** The job of CheckAhead that checks plain transaction files. */
export function transactionsJob(files: readonly SqlCheckedFile[], refs: References, now: string): string {
  return checkJob(files, TX_CHECKED_COLUMNS, (lines) => transactionChecksSql(lines, refs, now));
}

/** The job of CheckAhead that checks plain client change files. */
export function changesJob(files: readonly SqlCheckedFile[], now: string): string {
  return checkJob(files, CHANGE_CHECKED_COLUMNS, (lines) => changeChecksSql(lines, now));
}

/** The job of CheckAhead that checks plain client files. */
export function clientsJob(files: readonly SqlCheckedFile[], now: string): string {
  return checkJob(files, CLIENT_CHECKED_COLUMNS, (lines) => clientChecksSql(lines, now));
}

/**
 * DuckDB: reads and checks plain input files in SQL (clientsJob, changesJob, transactionsJob) in an in-memory DuckDB of
 * its own, job after job, each to a Parquet file the batch then reads. The batch's own connection is inside
 * its transaction and runs one statement at a time; this one runs beside it, so the checks (one thread, see
 * below) overlap the registration of clients, the SCD2 merge and the publishing of earlier groups.
 *
 * One thread: the numbering of lines (ROW_NUMBER() OVER () in scan order) keeps the scan in order, and on
 * two threads the same insert took twice the CPU and more time (4.1M lines on a quiet machine: 19.7-23.1 s
 * and 29-36 CPU s against 16.8 s and 16.8). The code lookups build their hash tables on the dimensions as
 * written: DuckDB guesses a few hundred lines per file and built them on the lines instead (the geography
 * lookup alone cost 0.85 µs per line, measured).
 */
export class CheckAhead {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #dir: string;
  readonly #results: Promise<string>[] = [];
  #closed = false;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection, dir: string) {
    this.#instance = instance;
    this.#connection = connection;
    this.#dir = dir;
  }

  /** Starts running `jobs` (SELECT statements over the code dimensions of `refs`) in order; `result(i)` waits for job i. */
  static async start(jobs: readonly string[], refs: References): Promise<CheckAhead> {
    const instance = await DuckDBInstance.create(":memory:", {
      threads: "1",
      memory_limit: CHECK_MEMORY_LIMIT,
      disabled_optimizers: "build_side_probe_side",
      // As the batch's own DuckDB (see beginBatch): memory freed goes back to the system sooner.
      allocator_flush_threshold: "16MB",
      allocator_bulk_deallocation_flush_threshold: "64MB",
    });
    const connection = await instance.connect();
    const ahead = new CheckAhead(instance, connection, mkdtempSync(join(tmpdir(), "momo-checked-")));
    try {
      await connection.run(referencesSql(refs));
    } catch (error) {
      await ahead.close();
      throw error;
    }
    let previous: Promise<unknown> = Promise.resolve();
    jobs.forEach((job, i) => {
      const result = previous.then(() => ahead.#run(job, i));
      // A group nobody waits for (the batch failed earlier) must not surface as an unhandled rejection.
      result.catch(() => {});
      ahead.#results.push(result);
      previous = result;
    });
    return ahead;
  }

  /** The Parquet file of job `i`'s rows. */
  result(i: number): Promise<string> {
    const result = this.#results[i];
    if (result === undefined) throw new Error(`no check job ${i}`);
    return result;
  }

  /** Stops the checks under way, waits for them, and removes their files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.interrupt();
    await Promise.allSettled(this.#results);
    this.#connection.closeSync();
    this.#instance.closeSync();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #run(job: string, i: number): Promise<string> {
    if (this.#closed) throw new Error("the checks were stopped");
    const path = join(this.#dir, `job-${i}.parquet`);
    await this.#connection.run(
      `COPY (${job}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION ${CHECKED_COMPRESSION})`,
    );
    return path;
  }
}

/** The in-memory checker's memory: it streams lines to its Parquet writer and holds the code lookups. */
const CHECK_MEMORY_LIMIT = "256MB";

const CHECKED_COMPRESSION = "uncompressed";

/** The code dimensions transactionChecksSql joins, as tables of the checker's own database. */
function referencesSql(refs: References): string {
  const table = (name: string, code: string, key: string, type: string, codes: ReadonlyMap<string, number>) =>
    `CREATE TABLE dwh.${name} (${code} VARCHAR NOT NULL, ${key} ${type} NOT NULL);
     ${codes.size === 0 ? "" : `INSERT INTO dwh.${name} VALUES ${[...codes].map(([c, k]) => `(${sqlString(c)}, ${k})`).join(", ")};`}`;
  return `CREATE SCHEMA dwh;
    ${table("dim_service", "service_code", "service_key", "SMALLINT", refs.services)}
    ${table("dim_channel", "channel_code", "channel_key", "SMALLINT", refs.channels)}
    ${table("dim_transaction_status", "status_code", "status_key", "SMALLINT", refs.statuses)}
    ${table("dim_geography", "geo_code", "geography_key", "INTEGER", refs.geographies)}`;
}
