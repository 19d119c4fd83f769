import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDuckDb } from "../warehouse/duckdb/duckdb-warehouse.ts";
import { qualified, type Warehouse } from "../warehouse/warehouse.ts";
import { DUCKDB_DIALECT } from "./dialect.ts";
import {
  counterpartyVersions,
  LOADED_IDS_DDL,
  LOADED_IDS_TABLE,
  stagedFactsSql,
  UNREFUSED,
  VERDICTS_DDL,
} from "./fact-sql.ts";
import { copyFactsPostgres, textOf } from "./publish-postgres.ts";
import { REJECT_COLUMNS, REJECTS_TABLE } from "./rejects.ts";
import { STAGE, TX_STAGE_DDL } from "./stage.ts";
import { traced } from "./trace.ts";

type Step = <T>(work: () => Promise<T>) => Promise<T>;

/** The ids of loaded facts the duplicate check needs from PostgreSQL, per group (see loadedSql). */
const LOADED_MATCHES = { schema: "dwh_stage", table: "loaded_matches" } as const;

/**
 * PostgreSQL, generated input: the transaction stage of a batch runs in a DuckDB of its own, in a temporary
 * directory, with the DuckDB batch's SQL (checks, verdicts, keyed facts). PostgreSQL then takes the finished
 * fact rows by `COPY` into its month tables, builds their indexes and checks their foreign keys once per month,
 * and gets the group's rejects and touched days. Its own work per fact row is the load and the indexes only:
 * the set-based checks and the version lookups of the keys, done in PostgreSQL, cost it 4 to 5 times a raw
 * `COPY` of the same rows (session 6's measurements, docs/etl.md).
 *
 * The aside holds the client versions' keys and validity (copied once the batch's SCD2 merge is done, so they
 * are what the batch's transaction will commit), the stage, the verdicts, and this batch's rejects until they
 * are shipped. Duplicate ids against loaded facts are asked of PostgreSQL: every staged id when the warehouse
 * held facts before the batch, and the days of this batch's earlier groups where an id hash matched.
 */
export class TransformAside {
  readonly wh: Warehouse;
  readonly #dir: string;
  #hadFacts = false;

  private constructor(wh: Warehouse, dir: string) {
    this.wh = wh;
    this.#dir = dir;
  }

  static async open(): Promise<TransformAside> {
    const dir = mkdtempSync(join(tmpdir(), "momo-aside-"));
    let wh: Warehouse | null = null;
    try {
      wh = await openDuckDb({ path: join(dir, "aside.duckdb") });
      await DUCKDB_DIALECT.beginBatch(wh);
      await wh.exec(`
        CREATE SCHEMA dwh; CREATE SCHEMA dwh_stage; CREATE SCHEMA dwh_audit;
        CREATE TABLE dwh.dim_client (client_id VARCHAR NOT NULL, client_key BIGINT NOT NULL,
          version INTEGER NOT NULL, valid_from TIMESTAMP NOT NULL, valid_to TIMESTAMP NOT NULL);
        CREATE TABLE ${qualified(REJECTS_TABLE)} (batch_id BIGINT NOT NULL, source_file VARCHAR NOT NULL,
          line_number BIGINT NOT NULL, record_kind VARCHAR NOT NULL, field VARCHAR, reason VARCHAR NOT NULL,
          message VARCHAR NOT NULL, raw_record VARCHAR NOT NULL);
        CREATE TABLE ${qualified(STAGE.transactions)} ${TX_STAGE_DDL};
        CREATE TABLE ${qualified(STAGE.verdicts)} ${VERDICTS_DDL};
        CREATE TABLE ${qualified(STAGE.days)} (date_key INTEGER NOT NULL);
        CREATE TABLE ${qualified(LOADED_IDS_TABLE)} ${LOADED_IDS_DDL};
        CREATE TABLE ${qualified(LOADED_MATCHES)} (transaction_id VARCHAR NOT NULL, batch_id BIGINT NOT NULL);`);
      return new TransformAside(wh, dir);
    } catch (error) {
      await wh?.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Copies the client versions of `pg` (inside the batch's transaction, after its SCD2 merge). */
  async copyClientVersions(pg: Warehouse): Promise<void> {
    const file = join(this.#dir, "client-versions.tsv");
    await pg.exportText(
      "SELECT client_id, client_key, version, valid_from, valid_to FROM dwh.dim_client",
      file,
    );
    await this.wh.exec(`COPY dwh.dim_client FROM '${file.replaceAll("'", "''")}'
      (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULL '\\N')`);
    rmSync(file, { force: true });
    const [facts] = await pg.query<{ any: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM dwh.fact_transactions) AS any",
    );
    this.#hadFacts = facts?.any === true;
  }

  /**
   * For verdictsSql: the loaded facts with an id staged in `staged`, one row per id with the first batch that
   * loaded it, gathered from PostgreSQL: earlier batches' (when there were any), and this batch's on `days`
   * (hashMatchDaysSql's days, usually none).
   */
  async loadedSql(pg: Warehouse, batchId: number, staged: string, days: readonly number[]): Promise<string> {
    await this.wh.exec(`TRUNCATE ${qualified(LOADED_MATCHES)}`);
    if (this.#hadFacts) {
      const file = join(this.#dir, "staged-ids.tsv");
      await this.wh.exportText(`SELECT DISTINCT transaction_id FROM ${staged}`, file);
      await pg.exec(
        "CREATE TEMP TABLE IF NOT EXISTS aside_staged_ids (transaction_id text); TRUNCATE aside_staged_ids",
      );
      await pg.loadText({ schema: "pg_temp", table: "aside_staged_ids" }, ["transaction_id"], textOf([file]));
      rmSync(file, { force: true });
      await pg.exec("ANALYZE aside_staged_ids");
      await this.#matches(
        pg,
        `SELECT f.transaction_id, MIN(f.batch_id) AS batch_id FROM dwh.fact_transactions AS f
          WHERE f.batch_id < $1 AND f.transaction_id IN (SELECT transaction_id FROM aside_staged_ids)
          GROUP BY f.transaction_id`,
        [batchId],
      );
    }
    if (days.length > 0)
      await this.#matches(
        pg,
        "SELECT transaction_id, batch_id FROM dwh.fact_transactions WHERE batch_id = $1 AND date_key = ANY($2)",
        [batchId, `{${days.join(",")}}`],
      );
    return `
  SELECT m.transaction_id, MIN(m.batch_id) AS batch_id FROM ${qualified(LOADED_MATCHES)} AS m
   WHERE m.transaction_id IN (SELECT t.transaction_id FROM ${staged} AS t)
   GROUP BY m.transaction_id`;
  }

  async #matches(pg: Warehouse, sql: string, params: (number | string)[]): Promise<void> {
    const rows = await pg.query<{ transaction_id: string; batch_id: number }>(sql, params);
    if (rows.length > 0)
      await this.wh.bulkLoad(
        LOADED_MATCHES,
        ["transaction_id", "batch_id"],
        rows.map((r) => [r.transaction_id, Number(r.batch_id)]),
      );
  }

  /**
   * Writes the facts of the staged rows `staged` no verdict refused, keyed, one directory of text files per
   * month, then COPYs them into PostgreSQL's fact_transactions (copyFactsPostgres).
   */
  async shipFacts(
    pg: Warehouse,
    batchId: number,
    staged: string,
    steps: { copy: Step; index: Step },
  ): Promise<void> {
    const months = await this.wh.query<{ month: number; rows: number }>(
      `SELECT s.date_key // 100 AS month, COUNT(*) AS rows FROM ${staged} AS s ${UNREFUSED} GROUP BY 1 ORDER BY 1`,
    );
    if (months.length === 0) return;
    const dir = join(this.#dir, "facts");
    try {
      await traced("publish: fact files", () =>
        DUCKDB_DIALECT.withWrittenJoinSides(this.wh, () =>
          this.wh.exec(`
            COPY (SELECT *, date_key // 100 AS month
                    FROM (${stagedFactsSql(batchId, staged, "TRUE", counterpartyVersions(staged))}) AS facts)
              TO '${dir.replaceAll("'", "''")}'
              (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULL '\\N', PARTITION_BY (month))`),
        ),
      );
      await copyFactsPostgres(
        pg,
        months.map((m) => {
          const monthDir = join(dir, `month=${m.month}`);
          const files = readdirSync(monthDir)
            .sort()
            .map((f) => join(monthDir, f));
          return { month: Number(m.month), rows: Number(m.rows), files };
        }),
        steps,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Moves the rejects gathered here to PostgreSQL's etl_rejects, and the days the group touched. */
  async shipRejectsAndDays(pg: Warehouse): Promise<void> {
    const columns = REJECT_COLUMNS.join(", ");
    const rejects = await this.wh.query<Record<(typeof REJECT_COLUMNS)[number], string | number | null>>(
      `SELECT ${columns} FROM ${qualified(REJECTS_TABLE)} ORDER BY source_file, line_number`,
    );
    if (rejects.length > 0)
      await pg.bulkLoad(
        REJECTS_TABLE,
        REJECT_COLUMNS,
        rejects.map((r) => REJECT_COLUMNS.map((c) => r[c] ?? null)),
      );
    await this.wh.exec(`DELETE FROM ${qualified(REJECTS_TABLE)}`);
    const days = await this.wh.query<{ date_key: number }>(
      `SELECT DISTINCT date_key FROM ${qualified(STAGE.days)}`,
    );
    if (days.length > 0)
      await pg.bulkLoad(
        STAGE.days,
        ["date_key"],
        days.map((d) => [Number(d.date_key)]),
      );
    await this.wh.exec(`TRUNCATE ${qualified(STAGE.days)}`);
  }

  async close(): Promise<void> {
    await this.wh.close().catch(() => {});
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
