import pg from "pg";
import { WarehouseUnavailableError } from "../warehouse.ts";
import { redactedUrl } from "./postgres-warehouse.ts";

/** Creates the database named in `url` when it does not exist yet, through the server's `postgres` database. */
export async function ensurePostgresDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new WarehouseUnavailableError(`DATABASE_URL ${redactedUrl(url)} names no database`);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (cause) {
    throw new WarehouseUnavailableError(
      `cannot connect to PostgreSQL at ${redactedUrl(admin.toString())}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return true;
  } catch (cause) {
    // Another process may have created it between the check and the create.
    if ((cause as { code?: string }).code === "42P04") return false;
    throw cause;
  } finally {
    await client.end();
  }
}
