import type { Config } from "../config/config.ts";
import { openWarehouse } from "../warehouse/open-warehouse.ts";
import { type Warehouse, WarehouseUnavailableError } from "../warehouse/warehouse.ts";

/**
 * Opens the warehouse through a connection that refuses writes. DuckDB is one file that a single process may
 * hold for writing: while a `momo etl run` or `momo init` holds it, a read-only open fails, and while the
 * server holds it those commands fail in turn; the error says so. On DuckDB, queries take turns on its one
 * connection (each one already uses every core).
 */
export async function openReadOnlyWarehouse(config: Config): Promise<Warehouse> {
  try {
    const wh = await openWarehouse(config, { readOnly: true });
    return wh.capabilities.concurrentClients ? wh : new OneAtATime(wh);
  } catch (error) {
    throw explainLock(error, config);
  }
}

function explainLock(error: unknown, config: Config): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (config.engine !== "duckdb" || !/lock/i.test(message)) return error;
  const holder = /PID (\d+)/.exec(message)?.[1];
  return new WarehouseUnavailableError(
    `DuckDB database ${config.duckdbPath} is in use by another process${holder ? ` (PID ${holder})` : ""}, ` +
      "probably a running `momo etl run`, `momo init` or `momo pipeline`: let it finish or stop it, then start " +
      "`momo serve` again (or serve from PostgreSQL with --engine postgres)",
    { cause: error },
  );
}

/** A warehouse whose statements run one after another, for engines with a single connection. */
class OneAtATime implements Warehouse {
  readonly #inner: Warehouse;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(inner: Warehouse) {
    this.#inner = inner;
  }

  get engine() {
    return this.#inner.engine;
  }
  get capabilities() {
    return this.#inner.capabilities;
  }
  get location() {
    return this.#inner.location;
  }

  #turn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => {});
    return result;
  }

  exec(sql: string) {
    return this.#turn(() => this.#inner.exec(sql));
  }
  query<T extends object>(...args: Parameters<Warehouse["query"]>) {
    return this.#turn(() => this.#inner.query<T>(...args));
  }
  bulkLoad(...args: Parameters<Warehouse["bulkLoad"]>) {
    return this.#turn(() => this.#inner.bulkLoad(...args));
  }
  loadText(...args: Parameters<Warehouse["loadText"]>) {
    return this.#turn(() => this.#inner.loadText(...args));
  }
  exportText(...args: Parameters<Warehouse["exportText"]>) {
    return this.#turn(() => this.#inner.exportText(...args));
  }
  transaction<T>(work: (tx: Warehouse) => Promise<T>) {
    return this.#turn(() => this.#inner.transaction(work));
  }
  serverVersion() {
    return this.#turn(() => this.#inner.serverVersion());
  }
  catalog(schemas: readonly string[]) {
    return this.#turn(() => this.#inner.catalog(schemas));
  }
  close() {
    return this.#turn(() => this.#inner.close());
  }
}
