import { createReadStream } from "node:fs";
import { qualified, type TableRef, type Warehouse } from "../warehouse/warehouse.ts";
import { FACT_COLUMNS, SUMMARY_COLUMNS, stagedFactsSql, summarySql, VERSION_DAYS_SQL } from "./fact-sql.ts";
import { traced } from "./trace.ts";

/**
 * PostgreSQL: moves the checked staged transactions into fact_transactions. Row-by-row foreign-key triggers
 * cost ~7 µs per key per row (35 s for 1M rows and 5 keys, measured), so a month that gets many rows is
 * rebuilt aside as a plain table and attached: PostgreSQL then builds its indexes once and checks each
 * foreign key in one join.
 *
 * Each month's query looks the client versions up in CLIENT_VERSIONS, the four columns of dim_client it
 * reads, copied once: scanning the wide dim_client twice per month cost about 0.3 CPU s of the 0.67 s that
 * a month's keyed rows took to select (143k rows, medium preset, measured on the server backend).
 */
export async function publishFactsPostgres(tx: Warehouse, batchId: number, stage: TableRef): Promise<void> {
  const staged = qualified(stage);
  await tx.exec(`CREATE INDEX IF NOT EXISTS transactions_date_brin ON ${staged} USING brin (date_key)`);
  const months = await tx.query<{ month: number; rows: number }>(
    `SELECT date_key / 100 AS month, COUNT(*) AS rows FROM ${staged} GROUP BY date_key / 100 ORDER BY 1`,
  );
  await withScratch(
    tx,
    CLIENT_VERSIONS,
    "SELECT client_id, client_key, valid_from, valid_to FROM dwh.dim_client",
    () =>
      rebuildMonths(
        tx,
        "fact_transactions",
        months.map((m) => ({ month: Number(m.month), rows: Number(m.rows) })),
        {
          keep: "TRUE",
          write: inserting(tx, FACT_COLUMNS, (range) =>
            stagedFactsSql(batchId, staged, range("s.date_key")).replaceAll(
              "dwh.dim_client AS",
              `${CLIENT_VERSIONS} AS`,
            ),
          ),
        },
      ),
  );
}

/** The client versions' keys and validity, a narrow copy of dim_client for the fact lookups. */
const CLIENT_VERSIONS = "pg_temp.publish_client_versions";
/** VERSION_DAYS_SQL's rows, computed once per summary instead of once per month (date_to_key of 430k versions). */
const VERSION_DAYS = "pg_temp.publish_version_days";

/** Runs `work` with `name` a temporary table of `query`'s rows (analysed, so the planner sees its size). */
async function withScratch<T>(
  tx: Warehouse,
  name: string,
  query: string,
  work: () => Promise<T>,
): Promise<T> {
  await tx.exec(`DROP TABLE IF EXISTS ${name}; CREATE TEMP TABLE ${name} AS ${query}; ANALYZE ${name}`);
  try {
    return await work();
  } finally {
    await tx.exec(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
  }
}

/** PostgreSQL: writes the summary rows of the touched `months` from `daily` (dailySql's rows) into their partitions. */
export async function publishSummaryPostgres(
  tx: Warehouse,
  batchId: number,
  daily: string,
  months: readonly number[],
): Promise<void> {
  await withScratch(tx, VERSION_DAYS, VERSION_DAYS_SQL, () =>
    rebuildMonths(
      tx,
      "fact_daily_client_summary",
      months.map((month) => ({ month, rows: Number.POSITIVE_INFINITY })),
      {
        keep: "date_key NOT IN (SELECT date_key FROM dwh_stage.touched_days)",
        write: inserting(tx, SUMMARY_COLUMNS, (range) =>
          summarySql(batchId, daily, range("f.date_key"), `SELECT * FROM ${VERSION_DAYS}`),
        ),
      },
    ),
  );
}

/**
 * PostgreSQL: COPYs the finished fact rows of `months` (each month's rows in its `files`, in loadText's
 * text, from TransformAside) into fact_transactions, month table by month table as rebuildMonths does.
 * `steps.copy` runs each COPY, `steps.index` each month table's attach (indexes, foreign keys) and ANALYZE.
 */
export async function copyFactsPostgres(
  tx: Warehouse,
  months: readonly { month: number; rows: number; files: readonly string[] }[],
  steps: { copy: Step; index: Step },
): Promise<void> {
  const filesOf = new Map(months.map((m) => [m.month, m.files]));
  const columns = FACT_COLUMNS.split(", ");
  await rebuildMonths(
    tx,
    "fact_transactions",
    months,
    {
      keep: "TRUE",
      write: async (table, _range, inMonths) => {
        const files = inMonths.flatMap((m) => filesOf.get(m) ?? []);
        if (files.length > 0) await steps.copy(() => tx.loadText(table, columns, textOf(files)));
      },
    },
    steps.index,
  );
}

type Step = <T>(work: () => Promise<T>) => Promise<T>;

/** The text of `files`, one after the other. */
export async function* textOf(files: readonly string[]): AsyncGenerator<string> {
  for (const file of files) yield* createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 });
}

interface MonthContent {
  /** Which of a rebuilt partition's current rows to keep (a predicate on its columns). */
  readonly keep: string;
  /**
   * Writes the new rows of `months` (yyyymm) into `table`; `range` tests a date_key column for them.
   */
  readonly write: (
    table: TableRef,
    range: (column: string) => string,
    months: readonly number[],
  ) => Promise<void>;
}

/** A MonthContent's write that inserts the rows of `select` (given the range of the months) as `columns`. */
function inserting(
  tx: Warehouse,
  columns: string,
  select: (range: (column: string) => string) => string,
): MonthContent["write"] {
  return (table, range) => tx.exec(`INSERT INTO ${qualified(table)} (${columns}) ${select(range)}`);
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
  index: Step = (work) => work(),
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
    // The bounds as a CHECK let ATTACH skip the scan that proves every row is in the month.
    await traced(`${name}: rows`, async () => {
      await tx.exec(`
      CREATE TABLE dwh.${name}_next (LIKE dwh.${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
        CONSTRAINT ${name}_bounds CHECK (${range("date_key")}));
      INSERT INTO dwh.${name}_next SELECT * FROM dwh.${name} WHERE ${content.keep};`);
      await content.write({ schema: "dwh", table: `${name}_next` }, range, [month]);
    });
    await index(async () => {
      await traced(`${name}: attach (indexes, foreign keys)`, () =>
        tx.exec(`
      ALTER TABLE dwh.${parent} DETACH PARTITION dwh.${name};
      DROP TABLE dwh.${name};
      ALTER TABLE dwh.${name}_next RENAME TO ${name};
      ALTER TABLE dwh.${parent} ATTACH PARTITION dwh.${name} FOR VALUES FROM (${lo}) TO (${hi});`),
      );
      await traced(`${name}: analyze`, () => tx.exec(`ANALYZE dwh.${name}`));
    });
  }
  if (inserted.length > 0) {
    const within = (column: string) =>
      `(${inserted.map((m) => `(${column} >= ${bounds(m)[0]} AND ${column} < ${bounds(m)[1]})`).join(" OR ")})`;
    await traced(`${parent}: insert ${inserted.length} months`, () =>
      content.write({ schema: "dwh", table: parent }, within, inserted),
    );
  }
}
