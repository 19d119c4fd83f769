import type { Row, SqlValue, Warehouse } from "../../warehouse/warehouse.ts";

/** Where the feature query differs between the engines; everything else is shared SQL. */
export interface FeatureDialect {
  /** The timestamp as integer microseconds since 1970, the order key of every time window. */
  epochMicros(timestamp: string): string;
  /** An integer type wide enough for sums of squared amounts in cents (beyond BIGINT). */
  readonly wideInteger: string;
  /** A wide integer as the nearest double (DuckDB's direct HUGEINT cast can miss it by one unit). */
  exactToDouble(integer: string): string;
  /** A text column ordered byte by byte, whatever the database collation. */
  byteOrder(text: string): string;
  /** The first 32 bits of md5(text) as a non-negative integer: a hash both engines compute alike. */
  md5Prefix32(text: string): string;
  /**
   * Runs `sql` and hands its rows, sorted by `order`, to `onPage` in pages of at most `pageRows`,
   * without holding the whole result in memory.
   */
  readPages(
    wh: Warehouse,
    sql: string,
    order: string,
    params: readonly SqlValue[],
    pageRows: number,
    onPage: (rows: Row[]) => Promise<void> | void,
  ): Promise<void>;
}

/** DuckDB's memory while it computes features; beyond it, sorts and windows spill to its temp directory. */
const DUCKDB_MEMORY_LIMIT = "2GB";

export const DUCKDB_FEATURE_DIALECT: FeatureDialect = {
  epochMicros: (timestamp) => `epoch_us(${timestamp})`,
  wideInteger: "HUGEINT",
  // through text: DuckDB parses decimal strings to the nearest double
  exactToDouble: (integer) => `CAST(CAST(${integer} AS VARCHAR) AS DOUBLE)`,
  byteOrder: (text) => text,
  md5Prefix32: (text) => `CAST('0x' || substr(md5(${text}), 1, 8) AS BIGINT)`,
  async readPages(wh, sql, order, params, pageRows, onPage) {
    // DuckDB has no cursors: materialise the rows in a temp table, then sort them into another, whose
    // row ids follow the order, and read that by row id ranges. Sorting apart from the windows lets
    // DuckDB spill both to disk within the memory limit. Row ids start above 0 inside a transaction.
    const [setting] = await wh.query<{ limit: string }>("SELECT current_setting('memory_limit') AS limit");
    await wh.exec(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    try {
      await wh.exec("DROP TABLE IF EXISTS temp.momo_ml_rows; DROP TABLE IF EXISTS temp.momo_ml_features");
      await wh.query(`CREATE TEMP TABLE momo_ml_rows AS ${sql}`, params);
      await wh.exec(
        `CREATE TEMP TABLE momo_ml_features AS SELECT * FROM temp.momo_ml_rows ORDER BY ${order};
         DROP TABLE temp.momo_ml_rows`,
      );
      const [range] = await wh.query<{ first: number | string | null }>(
        "SELECT MIN(rowid) AS first FROM temp.momo_ml_features",
      );
      const start = range?.first ?? null;
      const page = BigInt(pageRows);
      for (let first = BigInt(start ?? 0); start !== null; first += page) {
        const rows = await wh.query(
          "SELECT * FROM temp.momo_ml_features WHERE rowid >= $1 AND rowid < $2 ORDER BY rowid",
          [first, first + page],
        );
        if (rows.length === 0) break;
        await onPage(rows);
      }
    } finally {
      await wh.exec("DROP TABLE IF EXISTS temp.momo_ml_rows; DROP TABLE IF EXISTS temp.momo_ml_features");
      await wh.exec(`SET memory_limit = '${setting?.limit ?? DUCKDB_MEMORY_LIMIT}'`);
    }
  },
};

export const POSTGRES_FEATURE_DIALECT: FeatureDialect = {
  epochMicros: (timestamp) => `CAST(EXTRACT(EPOCH FROM ${timestamp}) * 1000000 AS BIGINT)`,
  wideInteger: "NUMERIC",
  exactToDouble: (integer) => `CAST(${integer} AS DOUBLE PRECISION)`,
  byteOrder: (text) => `${text} COLLATE "C"`,
  md5Prefix32: (text) => `CAST(CAST(('x' || substr(md5(${text}), 1, 8)) AS BIT(32)) AS BIGINT)`,
  async readPages(wh, sql, order, params, pageRows, onPage) {
    await wh.transaction(async (tx) => {
      // Sorts and window aggregates over millions of rows: memory instead of disk runs, and the plan for
      // reading every row (a cursor otherwise plans for the first 10 %, with nested loops).
      await tx.exec("SET LOCAL work_mem = '256MB'; SET LOCAL cursor_tuple_fraction = 1.0");
      await tx.query(`DECLARE momo_ml_features NO SCROLL CURSOR FOR ${sql} ORDER BY ${order}`, params);
      for (;;) {
        const rows = await tx.query(`FETCH FORWARD ${pageRows} FROM momo_ml_features`);
        if (rows.length === 0) break;
        await onPage(rows);
      }
      await tx.exec("CLOSE momo_ml_features");
    });
  },
};

export function featureDialectOf(wh: Warehouse): FeatureDialect {
  return wh.engine === "postgres" ? POSTGRES_FEATURE_DIALECT : DUCKDB_FEATURE_DIALECT;
}
