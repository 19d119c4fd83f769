import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openDuckDb } from "../../src/warehouse/duckdb/duckdb-warehouse.ts";
import { openPostgres } from "../../src/warehouse/postgres/postgres-warehouse.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";

/** A PostgreSQL server the tests may create and drop databases on. */
export const PG_ADMIN_URL = process.env.MOMO_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Null when the server answers, else why not (the driver's message: refused, no such database, …). */
async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return error instanceof Error && error.message ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const POSTGRES_PROBLEM = await postgresProblem();
export const POSTGRES_AVAILABLE = POSTGRES_PROBLEM === null;
if (!POSTGRES_AVAILABLE && process.env.MOMO_REQUIRE_PG === "1") {
  throw new Error(
    `MOMO_REQUIRE_PG=1 but PostgreSQL at ${PG_ADMIN_URL} is unreachable (${POSTGRES_PROBLEM}); .ci/run starts the server and creates the momo_test database`,
  );
}
if (!POSTGRES_AVAILABLE)
  console.warn(`PostgreSQL at ${PG_ADMIN_URL} is unreachable (${POSTGRES_PROBLEM}): its tests are skipped`);

/** The engines the integration tests loop over: DuckDB always, PostgreSQL when a server answers. */
export const ENGINES_UNDER_TEST: readonly Engine[] = POSTGRES_AVAILABLE ? ["duckdb", "postgres"] : ["duckdb"];

export interface TestDatabase {
  readonly engine: Engine;
  /** The DuckDB file or the PostgreSQL URL, as MOMO_DUCKDB_PATH or DATABASE_URL would hold it. */
  readonly location: string;
  open(): Promise<Warehouse>;
  drop(): Promise<void>;
}

let counter = 0;

/** A new, empty database of the engine: a temp DuckDB file, or a PostgreSQL database of its own. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const name = `momo_test_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  if (engine === "duckdb") {
    const dir = mkdtempSync(join(tmpdir(), "momo-test-"));
    const path = join(dir, `${name}.duckdb`);
    return {
      engine,
      location: path,
      open: () => openDuckDb({ path }),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    engine,
    location: url.toString(),
    open: () => openPostgres({ url: url.toString() }),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
