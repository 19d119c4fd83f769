import type { DictionaryRelation } from "../docs/read-dictionary.ts";
import { servingTablesOf } from "../warehouse/schema.ts";

/** The column whose month names a fact's Hive-style partition folder (`month=YYYY-MM`). */
export const PARTITION_SOURCE_COLUMN = "date_key";
export const PARTITION_COLUMN = "month";

export interface TablePlan {
  readonly table: string;
  readonly columns: readonly string[];
  /** Facts with a `date_key` are written one folder per month; every other table as one file. */
  readonly partitioned: boolean;
}

/**
 * Parquet types that Spark, Trino, BigQuery and ClickHouse all read as they are: no unsigned or 128-bit
 * integers, no time zones, no nested types.
 */
const PORTABLE_TYPE =
  /^(BOOLEAN|SMALLINT|INTEGER|BIGINT|FLOAT|DOUBLE|DATE|TIMESTAMP|VARCHAR|DECIMAL\((\d+),\d+\))$/;

/**
 * What to export of each table, in the order given; refuses a column of a type other engines may misread.
 * The dashboard aggregates are left out: they are derived from the facts (`momo init` rebuilds them).
 */
export function planExport(relations: readonly DictionaryRelation[]): TablePlan[] {
  const derived = [...servingTablesOf("postgres"), ...servingTablesOf("duckdb")];
  const tables = relations.filter((r) => r.kind === "table" && !derived.includes(r.name));
  const unportable = tables.flatMap((t) =>
    t.columns.filter((c) => !isPortable(c.type)).map((c) => `${t.schema}.${t.name}.${c.name} (${c.type})`),
  );
  if (unportable.length > 0)
    throw new Error(
      `cannot export ${unportable.join(", ")} to Parquet: only plain types read the same everywhere ` +
        "(BOOLEAN, integers, DOUBLE, DECIMAL up to 38 digits, DATE, TIMESTAMP without time zone, VARCHAR)",
    );
  return tables.map((t) => ({
    table: t.name,
    columns: t.columns.map((c) => c.name),
    partitioned: t.name.startsWith("fact_") && t.columns.some((c) => c.name === PARTITION_SOURCE_COLUMN),
  }));
}

function isPortable(type: string): boolean {
  const match = PORTABLE_TYPE.exec(type);
  return match !== null && (match[2] === undefined || Number(match[2]) <= 38);
}

/** DuckDB SQL: `YYYY-MM` from a `yyyymmdd` date key. */
export function monthOfDateKey(column: string): string {
  return `strftime(make_date(${column} // 10000, ${column} // 100 % 100, 1), '%Y-%m')`;
}
