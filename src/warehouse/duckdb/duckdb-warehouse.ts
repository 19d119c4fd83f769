import { createWriteStream, existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
} from "@duckdb/node-api";
import {
  type CatalogInfo,
  qualified,
  quoteIdent,
  type Row,
  type SqlValue,
  type TableRef,
  textChunks,
  type Warehouse,
  WarehouseUnavailableError,
} from "../warehouse.ts";
import { duckdbCatalog } from "./duckdb-introspector.ts";
import { normalisedRows } from "./duckdb-rows.ts";
import { converterFor, type ToDuckDB } from "./duckdb-values.ts";

/** DuckDB's maximum vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

export interface DuckDbOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  readonly readOnly?: boolean;
}

export async function openDuckDb(options: DuckDbOptions): Promise<DuckDbWarehouse> {
  if (options.readOnly && options.path !== ":memory:" && !existsSync(options.path)) {
    throw new WarehouseUnavailableError(
      `DuckDB database ${options.path} does not exist; run \`momo init\` first`,
    );
  }
  try {
    if (options.path !== ":memory:" && !options.readOnly)
      mkdirSync(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(
      options.path,
      options.readOnly ? { access_mode: "READ_ONLY" } : {},
    );
    return new DuckDbWarehouse(instance, await instance.connect(), options.path);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new WarehouseUnavailableError(`cannot open DuckDB database ${options.path}: ${reason}`, { cause });
  }
}

export class DuckDbWarehouse implements Warehouse {
  readonly engine = "duckdb" as const;
  readonly capabilities = { partitioning: false, enforcedForeignKeys: false, concurrentClients: false };
  readonly location: string;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  #inTransaction = false;
  #tempTables = 0;

  constructor(instance: DuckDBInstance, connection: DuckDBConnection, location: string) {
    this.#instance = instance;
    this.#connection = connection;
    this.location = location;
  }

  async exec(sql: string): Promise<void> {
    await this.#connection.run(sql);
  }

  async query<T extends object = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await this.#connection.runAndReadAll(sql, params.length ? [...params] : undefined);
    return normalisedRows(reader) as T[];
  }

  async bulkLoad(
    target: TableRef,
    columns: readonly string[],
    rows: Iterable<readonly SqlValue[]> | AsyncIterable<readonly SqlValue[]>,
  ): Promise<number> {
    const tableColumns = await this.#columnsOf(target);
    if (sameColumns(tableColumns, columns)) return this.#append(target, columns, rows);
    // The appender fills every column in table order; for a subset, append to a temp copy and insert from it.
    const staging = { schema: "main", table: `momo_bulk_${++this.#tempTables}` };
    const list = columns.map((c) => `"${c}"`).join(", ");
    await this.exec(`CREATE TEMP TABLE ${staging.table} AS SELECT ${list} FROM ${qualified(target)} LIMIT 0`);
    try {
      const count = await this.#append(staging, columns, rows, "temp");
      await this.exec(`INSERT INTO ${qualified(target)} (${list}) SELECT ${list} FROM temp.${staging.table}`);
      return count;
    } finally {
      await this.exec(`DROP TABLE IF EXISTS temp.${staging.table}`);
    }
  }

  async loadText(
    target: TableRef,
    columns: readonly string[],
    lines: Iterable<string> | AsyncIterable<string>,
  ): Promise<number> {
    const path = join(tmpdir(), `momo-load-${process.pid}-${++this.#tempTables}.tsv`);
    const counter = { lines: 0 };
    try {
      await pipeline(Readable.from(textChunks(lines, counter)), createWriteStream(path));
      if (counter.lines === 0) return 0;
      const list = columns.map(quoteIdent).join(", ");
      await this.exec(
        `COPY ${qualified(target)} (${list}) FROM '${path.replaceAll("'", "''")}'
           (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULL '\\N')`,
      );
      return counter.lines;
    } finally {
      rmSync(path, { force: true });
    }
  }

  async exportText(query: string, path: string): Promise<number> {
    const [row] = await this.query<{ Count: number }>(
      `COPY (${query}) TO '${path.replaceAll("'", "''")}'
         (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULL '\\N')`,
    );
    return Number(row?.Count ?? 0);
  }

  async #append(
    target: TableRef,
    columns: readonly string[],
    rows: Iterable<readonly SqlValue[]> | AsyncIterable<readonly SqlValue[]>,
    catalog?: string,
  ): Promise<number> {
    const appender = await this.#connection.createAppender(target.table, target.schema, catalog);
    try {
      const types = columns.map((_, i) => appender.columnType(i));
      const converters = types.map(converterFor);
      const buffers: SqlValue[][] = columns.map(() => []);
      let count = 0;
      for await (const row of rows) {
        if (row.length !== columns.length) {
          throw new Error(`row ${count + 1} has ${row.length} values for ${columns.length} columns`);
        }
        for (let c = 0; c < row.length; c++) buffers[c]?.push(row[c] ?? null);
        count++;
        if (count % CHUNK_ROWS === 0) flushChunk(appender, types, converters, buffers, columns, count);
      }
      flushChunk(appender, types, converters, buffers, columns, count);
      appender.flushSync();
      return count;
    } finally {
      appender.closeSync();
    }
  }

  async #columnsOf(target: TableRef): Promise<string[]> {
    const rows = await this.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [target.schema, target.table],
    );
    if (rows.length === 0)
      throw new Error(`table ${target.schema}.${target.table} does not exist; run \`momo init\``);
    return rows.map((r) => r.column_name);
  }

  async transaction<T>(work: (tx: Warehouse) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work(this);
    await this.exec("BEGIN TRANSACTION");
    this.#inTransaction = true;
    try {
      const result = await work(this);
      await this.exec("COMMIT");
      // Fold the WAL into the file now: DuckDB 1.5 cannot replay a WAL that comments a table whose
      // column default calls a function ("GetDefaultDatabase with no default database set").
      await this.exec("CHECKPOINT");
      return result;
    } catch (error) {
      await this.exec("ROLLBACK");
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  async serverVersion(): Promise<string> {
    const [row] = await this.query<{ v: string }>("SELECT version() AS v");
    return `DuckDB ${row?.v ?? "unknown"}`;
  }

  catalog(schemas: readonly string[]): Promise<CatalogInfo> {
    return duckdbCatalog(this, schemas);
  }

  async close(): Promise<void> {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function flushChunk(
  appender: DuckDBAppender,
  types: ReturnType<DuckDBAppender["columnType"]>[],
  converters: ToDuckDB[],
  buffers: SqlValue[][],
  columns: readonly string[],
  rowsSoFar: number,
): void {
  const size = buffers[0]?.length ?? 0;
  if (size === 0) return;
  const chunk = DuckDBDataChunk.create(types, size);
  buffers.forEach((values, c) => {
    const convert = converters[c] as ToDuckDB;
    const converted = values.map((value, r) => {
      try {
        return convert(value);
      } catch (cause) {
        const row = rowsSoFar - size + r + 1;
        throw new Error(`row ${row}, column ${columns[c]}: ${(cause as Error).message}`, { cause });
      }
    });
    chunk.setColumnValues(c, converted);
    values.length = 0;
  });
  appender.appendDataChunk(chunk);
}
