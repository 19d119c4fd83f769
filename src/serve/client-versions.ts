import type { Row, SqlValue, Warehouse } from "../warehouse/warehouse.ts";

/**
 * DuckDB: distinct clients of the transactions counted as bitmaps of their client versions instead of a hash
 * of client ids. A fact row carries the client version's integer key, so the versions a filter reaches are one
 * `bitstring_agg` over the rows (no hash table: 18.5M full-scale rows in about 45 ms), and a client with several
 * versions is counted once by moving the bits of its later versions onto its first one. What that needs, the
 * first version of each version, lives in temporary tables of the server's read-only connection, built from
 * dim_client on first use (0.6-0.8 s at full scale, 4.3M versions) and again when an ETL batch has run since:
 * nothing is added to the warehouse or to its refresh. PostgreSQL has no bitstring aggregate: null there.
 */
export interface ClientVersions {
  /** The smallest and largest client_key: the bitmaps' range. */
  readonly min: number;
  readonly max: number;
  /** The most versions a client has. */
  readonly maxVersions: number;
}

/** Every version: its key, its client's first (smallest) key, its client type and whether it is current. */
const VERSIONS = "serve_client_versions";
/** The versions that are not their client's first one, with that first key. */
const MOVED = "serve_moved_versions";
/** One row: the bitmap of the first versions. */
const FIRSTS = "serve_first_versions";
/** Every client's first key and registration month (YYYYMM), in that order: a month's clients are a few row groups. */
const REGISTRATIONS = "serve_client_registrations";
/** One row per client type: the bitmap of its versions. */
const TYPES = "serve_client_type_versions";

/** What changes when dim_client can: an ETL batch (or a warehouse emptied and loaded again). */
async function dataVersion(wh: Warehouse): Promise<string> {
  const [row] = await wh.query(
    `SELECT (SELECT COUNT(*) FROM dwh_audit.etl_batches) AS batches,
            (SELECT MAX(batch_id) FROM dwh_audit.etl_batches) AS last_batch,
            (SELECT COUNT(*) FROM dwh.dim_client) AS versions`,
  );
  return JSON.stringify(row);
}

/**
 * `build` of a connection, made on first use and again when its dataVersion changed (an ETL batch ran since); a
 * build that fails is tried again on the next use. For what the server keeps in temporary tables.
 */
export function perDataVersion<T>(build: (wh: Warehouse) => Promise<T>): (wh: Warehouse) => Promise<T> {
  const built = new WeakMap<Warehouse, { dataVersion: string; value: Promise<T> }>();
  return async (wh) => {
    const version = await dataVersion(wh);
    const cached = built.get(wh);
    if (cached?.dataVersion === version) return cached.value;
    const value = build(wh);
    built.set(wh, { dataVersion: version, value });
    value.catch(() => built.delete(wh));
    return value;
  };
}

async function build(wh: Warehouse): Promise<ClientVersions | null> {
  const [range] = await wh.query<{ min: number | null; max: number | null }>(
    "SELECT MIN(client_key) AS min, MAX(client_key) AS max FROM dwh.dim_client",
  );
  if (range?.min === null || range?.min === undefined || range.max === null) return null;
  const min = Number(range.min);
  const max = Number(range.max);
  await wh.exec(`
    CREATE OR REPLACE TEMP TABLE ${VERSIONS} AS
      SELECT client_key, MIN(client_key) OVER (PARTITION BY client_id) AS first_key, client_type, is_current
        FROM dwh.dim_client ORDER BY client_key;
    CREATE OR REPLACE TEMP TABLE ${MOVED} AS
      SELECT client_key, first_key FROM ${VERSIONS} WHERE client_key <> first_key ORDER BY client_key;
    CREATE OR REPLACE TEMP TABLE ${FIRSTS} AS
      SELECT bitstring_agg(client_key, ${min}, ${max}) AS b FROM ${VERSIONS} WHERE client_key = first_key;
    CREATE OR REPLACE TEMP TABLE ${REGISTRATIONS} AS
      SELECT MIN(client_key) AS first_key,
             CAST(EXTRACT(YEAR FROM MIN(registration_date)) * 100 + EXTRACT(MONTH FROM MIN(registration_date)) AS INTEGER)
               AS registration_month
        FROM dwh.dim_client GROUP BY client_id ORDER BY registration_month, first_key;
    CREATE OR REPLACE TEMP TABLE ${TYPES} AS
      SELECT client_type, bitstring_agg(client_key, ${min}, ${max}) AS b FROM ${VERSIONS} GROUP BY client_type`);
  const [most] = await wh.query<{ n: number }>("SELECT MAX(version) AS n FROM dwh.dim_client");
  return { min, max, maxVersions: Number(most?.n ?? 1) };
}

const versionTables = perDataVersion(build);

/** The version tables of this connection, built or rebuilt when needed; null on PostgreSQL or without clients. */
export async function clientVersions(wh: Warehouse): Promise<ClientVersions | null> {
  return wh.engine === "duckdb" ? versionTables(wh) : null;
}

/** The index of a version's bit in a bitmap of `versions`. */
const bit = (versions: ClientVersions, key: string) => `CAST(${key} - ${versions.min} AS INTEGER)`;

/** The facts a count reads: a FROM clause over a fact with client keys, that column and the conditions. */
export interface VersionFacts {
  readonly from: string;
  /** The fact's client_key column, e.g. `x.client_key`. */
  readonly clientKey: string;
  readonly where: readonly string[];
}

/**
 * Distinct clients of the fact rows matching each of `sets` (conditions on the rows, e.g. a period): a bitmap
 * of versions per set in one ungrouped pass (FILTER, no hash table), the later versions' bits moved onto the
 * first ones in one pass over those versions.
 */
export async function distinctClientsIn(
  wh: Warehouse,
  versions: ClientVersions,
  q: VersionFacts,
  sets: readonly string[],
  values: readonly SqlValue[],
): Promise<number[]> {
  const range = `${versions.min}, ${versions.max}`;
  const bitmaps = sets.map(
    (set, i) => `bitstring_agg(${q.clientKey}, ${range}) FILTER (WHERE ${set}) AS b${i}`,
  );
  const moved = sets.map(
    (_, i) =>
      `bitstring_agg(v.first_key, ${range}) FILTER (WHERE get_bit(f.b${i}, ${bit(versions, "v.client_key")}) = 1) AS m${i}`,
  );
  // A set without rows has a NULL bitmap: its count is NULL, read as 0.
  const counts = sets.map(
    (_, i) =>
      `bit_count(CASE WHEN m.m${i} IS NULL THEN f.b${i} & firsts.b ELSE (f.b${i} & firsts.b) | m.m${i} END) AS n${i}`,
  );
  const [row] = await wh.query(
    `WITH f AS (SELECT ${bitmaps.join(", ")} FROM ${q.from} WHERE ${q.where.join(" AND ")}),
          m AS (SELECT ${moved.join(", ")} FROM f, ${MOVED} AS v)
     SELECT ${counts.join(", ")} FROM f, m, ${FIRSTS} AS firsts`,
    values,
  );
  return sets.map((_, i) => Number(row?.[`n${i}`] ?? 0));
}

/**
 * Distinct clients per client type of the versions the fact rows point at (the type a client had when it
 * transacted; a client whose type changed counts under each), keyed by the type.
 */
export async function distinctClientsByType(
  wh: Warehouse,
  versions: ClientVersions,
  q: VersionFacts,
  values: readonly SqlValue[],
): Promise<Map<string, number>> {
  const range = `${versions.min}, ${versions.max}`;
  const rows = await wh.query<{ client_type: string; active_clients: number }>(
    `WITH f AS (SELECT bitstring_agg(${q.clientKey}, ${range}) AS b FROM ${q.from} WHERE ${q.where.join(" AND ")})
     SELECT v.client_type, bit_count(bitstring_agg(v.first_key, ${range})) AS active_clients
       FROM f, ${VERSIONS} AS v WHERE get_bit(f.b, ${bit(versions, "v.client_key")}) = 1
      GROUP BY v.client_type`,
    values,
  );
  return new Map(rows.map((row) => [String(row.client_type), Number(row.active_clients)]));
}

/**
 * The `limit` clients with the largest `order` (a non-negative measure) and their measures, exactly. `rank` is a
 * query with one row per client version: client_key and `order`; `measure(join, group)` the query of every
 * measure grouped by `group` over the fact rows kept by `join` (a join on the fact's client_key, alias x). The
 * versions are summed per client only for candidates: the `limit` best clients among the `limit` × maxVersions
 * best versions have at least the `limit`-th of their best values, L, so every client of the answer has a total of
 * at least L and thus a version of at least L / maxVersions; the measures are then summed for the winners only.
 * Rows: client_id, current_key (the key of the client's current version) and the measures.
 */
export async function topClientsByVersions(
  wh: Warehouse,
  versions: ClientVersions,
  rank: string,
  measure: (join: string, group: string) => string,
  order: string,
  limit: number,
  values: readonly SqlValue[],
): Promise<Row[]> {
  const most = versions.maxVersions;
  const n = Math.trunc(limit);
  return wh.query(
    `WITH k AS MATERIALIZED (${rank}),
          best AS (SELECT v.first_key, MAX(t.${order}) AS o
                     FROM (SELECT client_key, ${order} FROM k ORDER BY ${order} DESC LIMIT ${n * most}) AS t
                     JOIN ${VERSIONS} AS v ON v.client_key = t.client_key GROUP BY v.first_key),
          bound AS (SELECT COALESCE((SELECT o FROM best ORDER BY o DESC LIMIT 1 OFFSET ${n - 1}), 0) AS l),
          candidates AS (SELECT DISTINCT v.first_key FROM k JOIN ${VERSIONS} AS v ON v.client_key = k.client_key, bound
                          WHERE k.${order} * ${most} >= bound.l),
          totals AS (SELECT v.first_key, SUM(k.${order}) AS o FROM k JOIN ${VERSIONS} AS v ON v.client_key = k.client_key
                      WHERE v.first_key IN (SELECT first_key FROM candidates) GROUP BY v.first_key),
          -- The winners and whoever ties with the last of them: the ids break the ties below.
          winners AS (SELECT v.client_key, v.first_key FROM ${VERSIONS} AS v
                       WHERE v.first_key IN (SELECT first_key FROM totals
                                              WHERE o >= (SELECT o FROM totals ORDER BY o DESC LIMIT 1 OFFSET ${n - 1})
                                                 OR (SELECT COUNT(*) FROM totals) < ${n})),
          measured AS (${measure(`JOIN winners AS w ON w.client_key = x.client_key`, "w.first_key")})
     SELECT c.client_id, cur.client_key AS current_key, measured.* EXCLUDE (first_key)
       FROM measured JOIN dwh.dim_client AS c ON c.client_key = measured.first_key
       JOIN ${VERSIONS} AS cur ON cur.first_key = measured.first_key AND cur.is_current
      ORDER BY ${order} DESC, c.client_id LIMIT ${n}`,
    values,
  );
}

/** Active clients of one registration month (0: every month before the cohorts start) in one calendar month. */
export interface CohortCount {
  readonly cohort: number;
  /** YYYYMM. */
  readonly month: number;
  readonly active: number;
}

/**
 * Distinct clients of the fact rows per calendar month of `months` (YYYYMM, the rows' date_key) and registration
 * month of the client, those registered before `firstCohort` (YYYYMM) together as cohort 0: per month, a bitmap of
 * the versions in one ungrouped pass and their later versions' bits moved onto the first ones (distinctClientsIn);
 * then, over the clients registered since `firstCohort` only (their registration table's rows are contiguous),
 * how many of each month's bits each registration month holds. Cohort 0 is the month's total less the others:
 * no pass over the clients registered before. Months without rows, and empty cohorts, give no count.
 */
export async function distinctClientsByCohort(
  wh: Warehouse,
  versions: ClientVersions,
  q: VersionFacts & { readonly dateKey: string },
  months: readonly number[],
  firstCohort: number,
  values: readonly SqlValue[],
): Promise<CohortCount[]> {
  if (months.length === 0) return [];
  const range = `${versions.min}, ${versions.max}`;
  const dateKey = q.dateKey;
  const month = (m: number) =>
    `${dateKey} BETWEEN ${Math.trunc(m) * 100 + 1} AND ${Math.trunc(m) * 100 + 31}`;
  const each = (make: (i: number) => string) => months.map((_, i) => make(i)).join(", ");
  const rows = await wh.query<{ registration_month: number | null } & Record<string, unknown>>(
    `WITH f AS (SELECT ${each((i) => `bitstring_agg(${q.clientKey}, ${range}) FILTER (WHERE ${month(months[i] as number)}) AS b${i}`)}
                  FROM ${q.from} WHERE ${q.where.join(" AND ")}),
          m AS (SELECT ${each((i) => `bitstring_agg(v.first_key, ${range}) FILTER (WHERE get_bit(f.b${i}, ${bit(versions, "v.client_key")}) = 1) AS m${i}`)}
                  FROM f, ${MOVED} AS v),
          c AS MATERIALIZED (
            SELECT ${each((i) => `CASE WHEN m.m${i} IS NULL THEN f.b${i} & firsts.b ELSE (f.b${i} & firsts.b) | m.m${i} END AS c${i}`)}
              FROM f, m, ${FIRSTS} AS firsts)
     SELECT NULL AS registration_month, ${each((i) => `bit_count(c.c${i}) AS n${i}`)} FROM c
     UNION ALL
     SELECT r.registration_month, ${each((i) => `COUNT(*) FILTER (WHERE get_bit(c.c${i}, ${bit(versions, "r.first_key")}) = 1) AS n${i}`)}
       FROM c, ${REGISTRATIONS} AS r WHERE r.registration_month >= ${Math.trunc(firstCohort)}
      GROUP BY r.registration_month`,
    values,
  );
  const counts: CohortCount[] = [];
  months.forEach((m, i) => {
    const n = (row: Record<string, unknown>) => Number(row[`n${i}`] ?? 0);
    const total = rows.find((row) => row.registration_month === null);
    if (!total || n(total) === 0) return;
    let rest = n(total);
    for (const row of rows) {
      if (row.registration_month === null || n(row) === 0) continue;
      counts.push({ cohort: Number(row.registration_month), month: m, active: n(row) });
      rest -= n(row);
    }
    if (rest > 0) counts.push({ cohort: 0, month: m, active: rest });
  });
  return counts;
}

/**
 * The rows of `rows` (a query with a client_key column and few rows, such as the fraud rows) whose client version is of
 * type `clientType` (a placeholder), tested on the type's bitmap of versions instead of hashing all of that type's
 * versions (full scale, the fraud of 90 days in Dakar for merchants: 17-35 against 98-444 ms; of 2025 for merchants:
 * 62-101 against 187-500 ms). Materialised first: DuckDB copies the bitmap into every chunk it tests, and a filtered
 * scan of the facts yields thousands of sparse chunks (5-14 s for the fraud of 2025 tested in the scan).
 */
export function ofClientType(versions: ClientVersions, rows: string, clientType: string): string {
  return `(WITH r AS MATERIALIZED (${rows})
    SELECT r.* FROM r, (SELECT b FROM ${TYPES} WHERE client_type = ${clientType}) AS t
     WHERE get_bit(t.b, ${bit(versions, "r.client_key")}) = 1)`;
}
