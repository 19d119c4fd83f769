import type { Warehouse } from "../warehouse/warehouse.ts";
import { DUCKDB_DIALECT } from "./dialect.ts";
import {
  dailySql,
  distinctCountsSql,
  FACT_COLUMNS,
  PASSED_STAGE,
  SUMMARY_COLUMNS,
  stagedFactsSql,
  summarySql,
} from "./fact-sql.ts";
import { traced } from "./trace.ts";

/**
 * Moves the checked staged transactions into fact_transactions.
 *
 * DuckDB: one INSERT … SELECT. PostgreSQL: row-by-row foreign-key triggers cost ~7 µs per key per row
 * (35 s for 1M rows and 5 keys, measured), so a month that gets many rows is rebuilt aside as a plain
 * table and attached: PostgreSQL then builds its indexes once and checks each foreign key in one join.
 */
export async function publishFacts(tx: Warehouse, batchId: number): Promise<void> {
  if (tx.engine === "duckdb") {
    await DUCKDB_DIALECT.withWrittenJoinSides(tx, () =>
      tx.exec(`INSERT INTO dwh.fact_transactions (${FACT_COLUMNS}) ${stagedFactsSql(batchId)}`),
    );
    return;
  }
  await tx.exec(
    "CREATE INDEX IF NOT EXISTS transactions_date_brin ON dwh_stage.transactions USING brin (date_key)",
  );
  const months = await tx.query<{ month: number; rows: number }>(
    `SELECT date_key / 100 AS month, COUNT(*) AS rows FROM dwh_stage.transactions GROUP BY date_key / 100 ORDER BY 1`,
  );
  await rebuildMonths(
    tx,
    "fact_transactions",
    months.map((m) => ({ month: Number(m.month), rows: Number(m.rows) })),
    {
      keep: "TRUE",
      columns: FACT_COLUMNS,
      select: (range) => stagedFactsSql(batchId, range("s.date_key")),
    },
  );
}

/** The temporary table of daily measures (summary_daily), and of the days measured from the stage (staged_days). */
const DAILY = "summary_daily";
const STAGED_DAYS = "staged_days";

// Integer division: `//` on DuckDB (its `/` divides as doubles), `/` on PostgreSQL.
const monthOf = (tx: Warehouse, column: string) => `${column} ${tx.engine === "duckdb" ? "//" : "/"} 100`;
const inMonth = (month: number) => `f.date_key >= ${month * 100} AND f.date_key < ${month * 100 + 100}`;

async function monthsOf(tx: Warehouse, daysSql: string): Promise<number[]> {
  const rows = await tx.query<{ month: number }>(
    `SELECT DISTINCT ${monthOf(tx, "date_key")} AS month FROM (${daysSql}) AS d ORDER BY 1`,
  );
  return rows.map((r) => Number(r.month));
}

/** Creates the batch's summary_daily and staged_days (temporary tables, dropped by rebuildSummary). */
export async function createSummaryStage(tx: Warehouse): Promise<void> {
  await tx.exec(`
    DROP TABLE IF EXISTS ${DAILY}; CREATE TEMP TABLE ${DAILY} AS ${dailySql("FALSE")};
    DROP TABLE IF EXISTS ${STAGED_DAYS}; CREATE TEMP TABLE ${STAGED_DAYS} (date_key INTEGER NOT NULL)`);
}

/**
 * Before a group of staged rows is published: the days whose only transactions they are (no fact on the day
 * yet, from an earlier batch or an earlier group of this one) get their measures from the stage, a month at
 * a time, instead of from the facts at the end of the batch (aggregating a whole load again from the fact
 * table cost more than reading the small stage). A day an earlier group measured this way and this group
 * adds rows to loses those measures and is measured from the facts at the end, like every other touched day.
 */
export async function measureStagedDays(tx: Warehouse): Promise<void> {
  await tx.exec(`
    CREATE TEMP TABLE group_days AS SELECT DISTINCT f.date_key FROM ${PASSED_STAGE} AS f;
    DELETE FROM ${DAILY} WHERE date_key IN (SELECT date_key FROM group_days)
                          AND date_key IN (SELECT date_key FROM ${STAGED_DAYS});
    DELETE FROM ${STAGED_DAYS} WHERE date_key IN (SELECT date_key FROM group_days);
    INSERT INTO ${STAGED_DAYS} (date_key)
    SELECT g.date_key FROM group_days AS g
     WHERE NOT EXISTS (SELECT 1 FROM dwh.fact_transactions AS f WHERE f.date_key = g.date_key);
    DROP TABLE group_days`);
  // Only this group's stage rows are read, so the staged days they fall on are exactly its fresh days.
  const fresh = `f.date_key IN (SELECT date_key FROM ${STAGED_DAYS})`;
  for (const month of await monthsOf(tx, `SELECT date_key FROM ${STAGED_DAYS}`))
    await tx.exec(`INSERT INTO ${DAILY} ${dailySql(`${inMonth(month)} AND ${fresh}`, PASSED_STAGE)}`);
  await tx.exec(distinctCountsSql(DAILY, fresh, PASSED_STAGE));
}

/**
 * Rebuilds fact_daily_client_summary for the days in dwh_stage.touched_days; returns how many days.
 * Both engines: the measures of the touched days not measured from the stage (measureStagedDays) into
 * summary_daily a month at a time from the facts (each aggregate stays in memory; PostgreSQL scans one
 * partition), the few distinct counts that need it, then the client versions.
 */
export async function rebuildSummary(tx: Warehouse, batchId: number): Promise<number> {
  const touched = "f.date_key IN (SELECT date_key FROM dwh_stage.touched_days)";
  const [row] = await tx.query<{ days: number }>(
    "SELECT COUNT(DISTINCT date_key) AS days FROM dwh_stage.touched_days",
  );
  const days = Number(row?.days ?? 0);
  if (days === 0) {
    await tx.exec(`DROP TABLE ${DAILY}; DROP TABLE ${STAGED_DAYS}`);
    return 0;
  }
  const unmeasured = `${touched} AND f.date_key NOT IN (SELECT date_key FROM ${STAGED_DAYS})`;
  await traced("summary: measures", async () => {
    const days = `SELECT date_key FROM dwh_stage.touched_days AS f WHERE ${unmeasured}`;
    for (const month of await monthsOf(tx, days))
      await tx.exec(`INSERT INTO ${DAILY} ${dailySql(`${inMonth(month)} AND ${unmeasured}`)}`);
  });
  if (tx.engine === "postgres")
    await tx.exec(`CREATE INDEX ON ${DAILY} USING brin (date_key); ANALYZE ${DAILY}`);
  await traced("summary: distinct counts", () => tx.exec(distinctCountsSql(DAILY, unmeasured)));
  await traced("summary: versions", async () => {
    if (tx.engine === "duckdb") {
      await tx.exec(
        `DELETE FROM dwh.fact_daily_client_summary WHERE date_key IN (SELECT date_key FROM dwh_stage.touched_days)`,
      );
      await DUCKDB_DIALECT.withWrittenJoinSides(tx, () =>
        tx.exec(
          `INSERT INTO dwh.fact_daily_client_summary (${SUMMARY_COLUMNS}) ${summarySql(batchId, DAILY)}`,
        ),
      );
      return;
    }
    const months = await monthsOf(tx, "SELECT date_key FROM dwh_stage.touched_days");
    await rebuildMonths(
      tx,
      "fact_daily_client_summary",
      months.map((month) => ({ month, rows: Number.POSITIVE_INFINITY })),
      {
        keep: "date_key NOT IN (SELECT date_key FROM dwh_stage.touched_days)",
        columns: SUMMARY_COLUMNS,
        select: (range) => summarySql(batchId, DAILY, range("f.date_key")),
      },
    );
  });
  await tx.exec(`DROP TABLE ${DAILY}; DROP TABLE ${STAGED_DAYS}`);
  return days;
}

interface MonthContent {
  /** Which of a rebuilt partition's current rows to keep (a predicate on its columns). */
  readonly keep: string;
  readonly columns: string;
  /** The new rows of the months that `range` accepts (it takes the date_key column to test). */
  readonly select: (range: (column: string) => string) => string;
}

/** Below this many new rows in a month that already holds data, inserting through the triggers is cheaper. */
const REBUILD_THRESHOLD = 20_000;

/** yyyymm of the month after `month`. */
const nextMonth = (month: number) => (month % 100 === 12 ? month + 89 : month + 1);

/** The date_key bounds ensure_month_partition gives a month: its first day to the first day of the next. */
const bounds = (month: number) => [month * 100 + 1, nextMonth(month) * 100 + 1] as const;

/**
 * PostgreSQL: writes new rows into the month partitions of `parent`. A month that gets many rows, or whose
 * partition is empty, is rebuilt aside as a plain table (its kept rows + its new rows) and attached in place
 * of the old one, so PostgreSQL builds its indexes once and checks each foreign key in one join; the others
 * take their few rows through the parent. Each month's rows come from their own query (one INSERT routed
 * into all the months at once was tried and took longer than the 24 of them), so the sources carry a
 * BRIN index on date_key, which their month-ordered rows make selective.
 */
async function rebuildMonths(
  tx: Warehouse,
  parent: string,
  months: readonly { month: number; rows: number }[],
  content: MonthContent,
): Promise<void> {
  const inserted: number[] = [];
  for (const { month, rows } of months) {
    const first = `${Math.floor(month / 100)}-${String(month % 100).padStart(2, "0")}-01`;
    const [made] = await tx.query<{ name: string }>("SELECT dwh.ensure_month_partition($1, $2) AS name", [
      parent,
      first,
    ]);
    const name = made?.name as string;
    const [existing] = await tx.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM dwh.${name}) AS any`);
    if (existing?.any && rows < REBUILD_THRESHOLD) {
      inserted.push(month);
      continue;
    }
    const [lo, hi] = bounds(month);
    const range = (column: string) => `${column} >= ${lo} AND ${column} < ${hi}`;
    await traced(`${name}: rows`, () =>
      tx.exec(`
      CREATE TABLE dwh.${name}_next (LIKE dwh.${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
      INSERT INTO dwh.${name}_next SELECT * FROM dwh.${name} WHERE ${content.keep};
      INSERT INTO dwh.${name}_next (${content.columns}) ${content.select(range)};`),
    );
    await traced(`${name}: swap`, () =>
      tx.exec(`
      ALTER TABLE dwh.${parent} DETACH PARTITION dwh.${name};
      DROP TABLE dwh.${name};
      ALTER TABLE dwh.${name}_next RENAME TO ${name};
      ALTER TABLE dwh.${parent} ATTACH PARTITION dwh.${name} FOR VALUES FROM (${lo}) TO (${hi});
      ANALYZE dwh.${name};`),
    );
  }
  if (inserted.length > 0) {
    const within = (column: string) =>
      `(${inserted.map((m) => `(${column} >= ${bounds(m)[0]} AND ${column} < ${bounds(m)[1]})`).join(" OR ")})`;
    await traced(`${parent}: insert ${inserted.length} months`, () =>
      tx.exec(`INSERT INTO dwh.${parent} (${content.columns}) ${content.select(within)}`),
    );
  }
}
