import type { Warehouse } from "../warehouse/warehouse.ts";
import { FACT_COLUMNS, SUMMARY_COLUMNS, stagedFactsSql, summarySql } from "./fact-sql.ts";

/**
 * Moves the checked staged transactions into fact_transactions.
 *
 * DuckDB: one INSERT … SELECT. PostgreSQL: row-by-row foreign-key triggers cost ~7 µs per key per row
 * (35 s for 1M rows and 5 keys, measured), so a month that gets many rows is rebuilt aside as a plain
 * table and attached: PostgreSQL then builds its indexes once and checks each foreign key in one join.
 */
export async function publishFacts(tx: Warehouse, batchId: number): Promise<void> {
  if (tx.engine === "duckdb") {
    await tx.exec(`INSERT INTO dwh.fact_transactions (${FACT_COLUMNS}) ${stagedFactsSql(batchId)}`);
    return;
  }
  const months = await tx.query<{ month: number; rows: number }>(
    `SELECT date_key / 100 AS month, COUNT(*) AS rows FROM dwh_stage.transactions GROUP BY date_key / 100 ORDER BY 1`,
  );
  for (const { month, rows } of months) {
    const range = `s.date_key >= ${month * 100} AND s.date_key < ${month * 100 + 100}`;
    await rebuildOrInsert(tx, "fact_transactions", month, rows, {
      keep: "TRUE",
      columns: FACT_COLUMNS,
      select: stagedFactsSql(batchId, range),
    });
  }
}

/** Rebuilds fact_daily_client_summary for the days in dwh_stage.touched_days; returns how many days. */
export async function rebuildSummary(tx: Warehouse, batchId: number): Promise<number> {
  const touched = "f.date_key IN (SELECT date_key FROM dwh_stage.touched_days)";
  const [row] = await tx.query<{ days: number }>(
    "SELECT COUNT(DISTINCT date_key) AS days FROM dwh_stage.touched_days",
  );
  const days = row?.days ?? 0;
  if (days === 0) return 0;
  if (tx.engine === "duckdb") {
    await tx.exec(
      `DELETE FROM dwh.fact_daily_client_summary WHERE date_key IN (SELECT date_key FROM dwh_stage.touched_days)`,
    );
    await tx.exec(
      `INSERT INTO dwh.fact_daily_client_summary (${SUMMARY_COLUMNS}) ${summarySql(batchId, touched)}`,
    );
    return days;
  }
  const months = await tx.query<{ month: number }>(
    "SELECT DISTINCT date_key / 100 AS month FROM dwh_stage.touched_days ORDER BY 1",
  );
  for (const { month } of months) {
    const inMonth = `f.date_key >= ${month * 100} AND f.date_key < ${month * 100 + 100}`;
    await rebuildOrInsert(tx, "fact_daily_client_summary", month, Number.POSITIVE_INFINITY, {
      keep: "date_key NOT IN (SELECT date_key FROM dwh_stage.touched_days)",
      columns: SUMMARY_COLUMNS,
      select: summarySql(batchId, `${inMonth} AND ${touched}`),
    });
  }
  return days;
}

interface MonthContent {
  /** Which of the partition's current rows to keep (a predicate on its columns). */
  readonly keep: string;
  readonly columns: string;
  /** The new rows of the month. */
  readonly select: string;
}

/** Below this many new rows in a month that already holds data, inserting through the triggers is cheaper. */
const REBUILD_THRESHOLD = 20_000;

/** PostgreSQL: replaces one month partition by a copy built aside (kept rows + new rows), or inserts a few rows. */
async function rebuildOrInsert(
  tx: Warehouse,
  parent: string,
  month: number,
  newRows: number,
  content: MonthContent,
): Promise<void> {
  const first = `${Math.floor(month / 100)}-${String(month % 100).padStart(2, "0")}-01`;
  const [made] = await tx.query<{ name: string }>("SELECT dwh.ensure_month_partition($1, $2) AS name", [
    parent,
    first,
  ]);
  const name = made?.name as string;
  const [existing] = await tx.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM dwh.${name}) AS any`);
  if (existing?.any && newRows < REBUILD_THRESHOLD) {
    await tx.exec(`INSERT INTO dwh.${parent} (${content.columns}) ${content.select}`);
    return;
  }
  const next = `${name}_next`;
  const nextMonth = month % 100 === 12 ? month + 89 : month + 1;
  // The bounds ensure_month_partition gives: the first day of the month to the first day of the next.
  const [lo, hi] = [month * 100 + 1, nextMonth * 100 + 1];
  await tx.exec(`
    CREATE TABLE dwh.${next} (LIKE dwh.${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
    INSERT INTO dwh.${next} SELECT * FROM dwh.${name} WHERE ${content.keep};
    INSERT INTO dwh.${next} (${content.columns}) ${content.select};
    ALTER TABLE dwh.${parent} DETACH PARTITION dwh.${name};
    DROP TABLE dwh.${name};
    ALTER TABLE dwh.${next} RENAME TO ${name};
    ALTER TABLE dwh.${parent} ATTACH PARTITION dwh.${name} FOR VALUES FROM (${lo}) TO (${hi});
    ANALYZE dwh.${name};`);
}
