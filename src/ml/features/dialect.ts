import type { Row, SqlValue, Warehouse } from "../../warehouse/warehouse.ts";

/** Where the feature query differs between the engines; everything else is shared SQL. */
export interface FeatureDialect {
  /** The timestamp as integer microseconds since 1970, the order key of every time window. */
  epochMicros(timestamp: string): string;
  /** An integer type wide enough for sums of squared amounts in cents (beyond BIGINT). */
  readonly wideInteger: string;
  /** A text column ordered byte by byte, whatever the database collation. */
  byteOrder(text: string): string;
  /** The first 32 bits of md5(text) as a non-negative integer: a hash both engines compute alike. */
  md5Prefix32(text: string): string;
  /**
   * Runs `sql` (ordered, its rows numbered by `ordinal`) and hands its rows to `onPage` in pages of at most
   * `pageRows`, without holding the whole result in memory. Runs inside `tx`'s transaction.
   */
  readPages(
    tx: Warehouse,
    sql: string,
    params: readonly SqlValue[],
    pageRows: number,
    onPage: (rows: Row[]) => Promise<void> | void,
  ): Promise<void>;
}

export const DUCKDB_FEATURE_DIALECT: FeatureDialect = {
  epochMicros: (timestamp) => `epoch_us(${timestamp})`,
  wideInteger: "HUGEINT",
  byteOrder: (text) => text,
  md5Prefix32: (text) => `CAST('0x' || substr(md5(${text}), 1, 8) AS BIGINT)`,
  async readPages(tx, sql, params, pageRows, onPage) {
    // DuckDB has no cursors: materialise once in a temp table, kept in ordinal order, and read it by
    // ordinal ranges (its zone maps skip the row groups outside each range).
    await tx.exec("DROP TABLE IF EXISTS temp.momo_ml_features");
    await tx.query(`CREATE TEMP TABLE momo_ml_features AS ${sql}`, params);
    try {
      for (let first = 0; ; first += pageRows) {
        const rows = await tx.query(
          "SELECT * FROM temp.momo_ml_features WHERE ordinal > $1 AND ordinal <= $2 ORDER BY ordinal",
          [first, first + pageRows],
        );
        if (rows.length === 0) break;
        await onPage(rows);
      }
    } finally {
      await tx.exec("DROP TABLE IF EXISTS temp.momo_ml_features");
    }
  },
};

export const POSTGRES_FEATURE_DIALECT: FeatureDialect = {
  epochMicros: (timestamp) => `CAST(EXTRACT(EPOCH FROM ${timestamp}) * 1000000 AS BIGINT)`,
  wideInteger: "NUMERIC",
  byteOrder: (text) => `${text} COLLATE "C"`,
  md5Prefix32: (text) => `CAST(CAST(('x' || substr(md5(${text}), 1, 8)) AS BIT(32)) AS BIGINT)`,
  async readPages(tx, sql, params, pageRows, onPage) {
    // Sorts and window aggregates over millions of rows: memory instead of disk runs, and the plan for
    // reading every row (a cursor otherwise plans for the first 10 %, with nested loops).
    await tx.exec("SET LOCAL work_mem = '256MB'; SET LOCAL cursor_tuple_fraction = 1.0");
    await tx.query(`DECLARE momo_ml_features NO SCROLL CURSOR FOR ${sql}`, params);
    for (;;) {
      const rows = await tx.query(`FETCH FORWARD ${pageRows} FROM momo_ml_features`);
      if (rows.length === 0) break;
      await onPage(rows);
    }
    await tx.exec("CLOSE momo_ml_features");
  },
};

export function featureDialectOf(wh: Warehouse): FeatureDialect {
  return wh.engine === "postgres" ? POSTGRES_FEATURE_DIALECT : DUCKDB_FEATURE_DIALECT;
}
