export const ENGINES = ["duckdb", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];

/** A value bound to a `$1`-style placeholder or loaded in bulk. Dates travel as ISO strings. */
export type SqlValue = string | number | bigint | boolean | null;

/**
 * A row as both engines return it, normalised so that the same data reads the same on either:
 * integers (BIGINT too, when safe) as numbers, DECIMAL/NUMERIC as exact strings, DATE as
 * `YYYY-MM-DD`, TIMESTAMP as `YYYY-MM-DD HH:MM:SS[.ffffff]`, booleans as booleans.
 */
export type Row = Record<string, unknown>;

export interface TableRef {
  readonly schema: string;
  readonly table: string;
}

export interface Capabilities {
  /** Declarative table partitioning (PostgreSQL range partitions). */
  readonly partitioning: boolean;
  /** Enforced foreign keys that still allow updating the referenced dimension rows. */
  readonly enforcedForeignKeys: boolean;
  /** Several connections may read and write at once (a server, not an embedded file). */
  readonly concurrentClients: boolean;
}

export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  readonly kind: "table" | "view";
  readonly rowCount: number;
  /** Bytes on disk including indexes; null for views. DuckDB reports allocated blocks. */
  readonly sizeBytes: number | null;
  readonly comment: string | null;
}

export interface IndexInfo {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly definition: string;
}

export interface CatalogInfo {
  readonly tables: readonly TableInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly databaseSizeBytes: number;
}

/** The one interface every pipeline stage talks to; drivers stay behind it. */
export interface Warehouse {
  readonly engine: Engine;
  readonly capabilities: Capabilities;
  /** Where the warehouse lives, safe to print (no password). */
  readonly location: string;
  /** Runs one or more statements without parameters (DDL, scripts). */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised statement (`$1`, `$2`, … on both engines) and returns its rows. */
  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Streams rows into a table through the engine's bulk path (DuckDB data chunks,
   * PostgreSQL `COPY FROM STDIN`). Each row holds the values of `columns`, in order.
   * Returns the number of rows loaded.
   */
  bulkLoad(
    target: TableRef,
    columns: readonly string[],
    rows: Iterable<readonly SqlValue[]> | AsyncIterable<readonly SqlValue[]>,
  ): Promise<number>;
  /**
   * Loads text lines (ending in `\n`) of tab-separated values with `\N` for NULL and no quoting or
   * escapes — values must hold no tab, newline or backslash — through the engine's fastest path:
   * DuckDB's parallel CSV reader over a temporary file, PostgreSQL's `COPY FROM STDIN`. Returns the lines loaded.
   */
  loadText(
    target: TableRef,
    columns: readonly string[],
    lines: Iterable<string> | AsyncIterable<string>,
  ): Promise<number>;
  /**
   * Writes the rows of `query` to the file `path` as loadText reads them (tab-separated, `\N` for NULL):
   * PostgreSQL's `COPY … TO STDOUT`, DuckDB's `COPY … TO`. Returns the rows written. DuckDB does not escape:
   * the values must hold no tab, newline or backslash, as for loadText.
   */
  exportText(query: string, path: string): Promise<number>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Warehouse) => Promise<T>): Promise<T>;
  serverVersion(): Promise<string>;
  /** Tables and views of the given schemas with row counts, sizes, comments and indexes. */
  catalog(schemas: readonly string[]): Promise<CatalogInfo>;
  close(): Promise<void>;
}

/** The database cannot be reached or opened; the CLI turns it into one line and exit code 2. */
export class WarehouseUnavailableError extends Error {
  override readonly name = "WarehouseUnavailableError";
}

export function qualified(ref: TableRef): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal of SQL (both engines): for values the program makes, such as paths; user input goes in parameters. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Bytes of text gathered before each write to a file or socket. */
const TEXT_CHUNK_BYTES = 256 * 1024;

/** Groups text (lines, or runs of lines) into chunks of about 256 kB, counting lines in `counter.lines`. */
export async function* textChunks(
  lines: Iterable<string> | AsyncIterable<string>,
  counter: { lines: number },
): AsyncGenerator<string> {
  let buffer = "";
  for await (const line of lines) {
    buffer += line;
    for (let nl = line.indexOf("\n"); nl >= 0; nl = line.indexOf("\n", nl + 1)) counter.lines++;
    if (buffer.length >= TEXT_CHUNK_BYTES) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer) yield buffer;
}
