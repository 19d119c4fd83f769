import type { TableRef, Warehouse } from "../warehouse/warehouse.ts";
import { qualified } from "../warehouse/warehouse.ts";

/** Where the two engines need different SQL for the same ETL step; everything else is shared. */
export interface EtlDialect {
  /** The engine reads and checks plain transaction CSV files itself (transactionChecksSql, by CheckAhead). */
  readonly sqlChecks: boolean;
  /** Window functions take IGNORE NULLS (LAST_VALUE(x IGNORE NULLS)). */
  readonly windowIgnoreNulls: boolean;
  /** Session settings and the lock that keeps two batches from running at once. */
  beginBatch(tx: Warehouse): Promise<void>;
  createStage(tx: Warehouse, table: TableRef, ddl: string): Promise<void>;
  /** Fresh statistics so the planner sees the staged rows. */
  analyze(tx: Warehouse, table: TableRef): Promise<void>;
  /**
   * Runs `work` with each hash join building its table on the right side as written (the dimension side
   * of the ETL's lookups), where the engine would otherwise choose.
   */
  withWrittenJoinSides<T>(tx: Warehouse, work: () => Promise<T>): Promise<T>;
  /** Runs `work` (the staging workers) with the engine's memory in this process kept small meanwhile. */
  whileWorkersRun<T>(tx: Warehouse, work: () => Promise<T>): Promise<T>;
}

/** DuckDB's memory during a batch; beyond it, it spills to its temporary directory (the 2 GB RSS budget). */
const DUCKDB_MEMORY_LIMIT = "1GB";
/**
 * DuckDB's memory while the staging workers run: it keeps what it cached up to its limit even when idle, and
 * that memory and the workers' together made the process's peak; lowering the limit makes it let go.
 */
const DUCKDB_MEMORY_WHILE_WORKERS = "256MB";

/** DuckDB: runs `work` with setting `name` at `value` (SQL), reset afterwards. */
async function withSetting<T>(
  tx: Warehouse,
  name: string,
  value: string,
  work: () => Promise<T>,
): Promise<T> {
  await tx.exec(`SET ${name} = ${value}`);
  try {
    return await work();
  } finally {
    await tx.exec(`RESET ${name}`).catch(() => {});
  }
}

/**
 * DuckDB: runs `work`, a large insert, without analysing dictionary compression. The strings it writes are
 * ids (transactions, clients, devices) with nearly as many values as rows, which FSST compresses anyway
 * (the facts' only dictionary column was the currency); the analysis cost a quarter of the fact insert
 * (medium preset, 4.1M rows: 10.4 and 10.3 against 7.4 and 8.4 CPU s, measured).
 */
export function withoutDictionaryAnalysis<T>(tx: Warehouse, work: () => Promise<T>): Promise<T> {
  return withSetting(tx, "disabled_compression_methods", "'dictionary'", work);
}

export const DUCKDB_DIALECT: EtlDialect = {
  windowIgnoreNulls: true,
  sqlChecks: true,
  async beginBatch(tx) {
    await tx.exec(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    // Memory DuckDB frees goes back to the system sooner: the medium batch's peak RSS was 1.40-1.47 GB
    // against 1.50-1.53 GB with the defaults (128 MiB and 512 MiB thresholds, no background thread).
    await tx.exec(
      `SET allocator_flush_threshold = '16MB'; SET allocator_bulk_deallocation_flush_threshold = '64MB';
       SET allocator_background_threads = true`,
    );
  },
  async createStage(tx, table, ddl) {
    await tx.exec(`DROP TABLE IF EXISTS ${qualified(table)}; CREATE TABLE ${qualified(table)} ${ddl}`);
  },
  async analyze() {},
  // DuckDB's build_side_probe_side optimizer built the hash tables of the daily summary's version lookup and
  // of the fact publish on the wide side (3.8M client-days with their 25 measures, or the staged rows)
  // instead of dim_client: the summary's join took 4.9 s instead of 1.1 s at medium scale (measured).
  withWrittenJoinSides(tx, work) {
    return withSetting(tx, "disabled_optimizers", "'build_side_probe_side'", work);
  },
  async whileWorkersRun(tx, work) {
    // Best effort: DuckDB refuses a limit below what it cannot evict, and the staging then runs as before.
    await tx.exec(`SET memory_limit = '${DUCKDB_MEMORY_WHILE_WORKERS}'`).catch(() => {});
    const restore = () => tx.exec(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    let result: Awaited<ReturnType<typeof work>>;
    try {
      result = await work();
    } catch (error) {
      await restore().catch(() => {});
      throw error;
    }
    await restore();
    return result;
  },
};

/** Any number that is the same in every process: the advisory lock that serialises ETL batches. */
const BATCH_LOCK = 72_616_600;

export const POSTGRES_DIALECT: EtlDialect = {
  sqlChecks: false,
  windowIgnoreNulls: false,
  async beginBatch(tx) {
    await tx.query(`SELECT pg_advisory_xact_lock(${BATCH_LOCK})`);
    await tx.exec("SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL work_mem = '64MB'");
  },
  async createStage(tx, table, ddl) {
    await tx.exec(
      `DROP TABLE IF EXISTS ${qualified(table)}; CREATE UNLOGGED TABLE ${qualified(table)} ${ddl}`,
    );
  },
  async analyze(tx, table) {
    await tx.exec(`ANALYZE ${qualified(table)}`);
  },
  withWrittenJoinSides(_tx, work) {
    return work();
  },
  whileWorkersRun(_tx, work) {
    return work();
  },
};

export function dialectOf(wh: Warehouse): EtlDialect {
  return wh.engine === "postgres" ? POSTGRES_DIALECT : DUCKDB_DIALECT;
}
