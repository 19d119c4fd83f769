import type { Warehouse } from "../warehouse/warehouse.ts";
import { CHANGE_TYPES } from "./client-records.ts";
import { dialectOf } from "./dialect.ts";
import { VERSION_DAYS_SQL } from "./fact-sql.ts";
import { CLIENT_ATTRIBUTES, VERSION_STAGE_COLUMNS } from "./stage.ts";
import { traced } from "./trace.ts";

/**
 * dim_client as SCD Type 2. A client's versions are folded from its registration (version 1) and every
 * change event it ever received, so a late event simply produces the right chain again; the merge then
 * keeps the keys of versions that still start at the same instant, corrects the others and adds new ones.
 */

export const OPEN_END = "9999-12-31 00:00:00";

export interface Scd2Result {
  readonly versionsWritten: number;
  readonly factsRepointed: number;
}

/** Attributes as change events name them, and how a new_value becomes the dim_client value. */
const EVENT_ATTRIBUTES: Record<
  (typeof CLIENT_ATTRIBUTES)[number],
  { attribute: string; value: string } | null
> = {
  client_name: { attribute: "client_name", value: "e.new_value" },
  client_type: { attribute: "client_type", value: "e.new_value" },
  sector: { attribute: "sector", value: "e.new_value" },
  size_band: { attribute: "size_band", value: "e.new_value" },
  tier: { attribute: "tier", value: "e.new_value" },
  kyc_level: { attribute: "kyc_level", value: "CAST(e.new_value AS SMALLINT)" },
  geography_key: { attribute: "geo_code", value: "g.geography_key" },
  // '' clears the parent: kept as '' while folding (NULL means "not changed here"), NULL at the end.
  parent_client_id: { attribute: "parent_client_id", value: "e.new_value" },
  registration_date: null,
  status: { attribute: "status", value: "e.new_value" },
};

/**
 * The version chains of the clients in dwh_stage.affected_clients, folded in SQL (the same text on both
 * engines): version 1 is the registration; each instant with events opens one version, whose reason is
 * its distinct change types sorted and joined by '+'; within an instant the event with the greatest
 * change_id sets an attribute; an attribute not set keeps its value from the version before (the count of
 * values so far names the run of versions that share one: PostgreSQL has no IGNORE NULLS).
 */
export function foldVersionsSql(ignoreNulls: boolean): string {
  const attrs = CLIENT_ATTRIBUTES;
  const changing = attrs.filter((a) => EVENT_ATTRIBUTES[a] !== null);
  const picked = changing
    .map((a) => {
      const { attribute, value } = EVENT_ATTRIBUTES[a] as { attribute: string; value: string };
      return `MAX(CASE WHEN e.attribute = '${attribute}' AND e.latest = 1 THEN ${value} END) AS ${a}`;
    })
    .join(",\n         ");
  const registered = attrs
    .map((a) =>
      a === "parent_client_id" ? "COALESCE(c.parent_client_id, '') AS parent_client_id" : `c.${a}`,
    )
    .join(", ");
  const ordered = "PARTITION BY client_id ORDER BY valid_from";
  // The distinct change types of an instant, sorted and joined by '+': the types are a known set (the
  // checks refuse others), so each is a flag in sorted order and no ordered aggregate is needed.
  const reasons = [...CHANGE_TYPES]
    .sort()
    .map((t) => `CASE WHEN BOOL_OR(e.change_type = '${t}') THEN '${t}' END`)
    .join(", ");
  const runs = changing
    .map(
      (a) =>
        `COUNT(${a}) OVER (PARTITION BY client_id ORDER BY valid_from ROWS UNBOUNDED PRECEDING) AS run_${a}`,
    )
    .join(",\n         ");
  // With IGNORE NULLS (DuckDB) every window shares one partition and order, so the versions are sorted once;
  // without it (PostgreSQL) each attribute's runs are a partition of their own.
  const carried = attrs
    .map((a) => {
      const value = ignoreNulls
        ? `LAST_VALUE(${a} IGNORE NULLS) OVER (${ordered} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`
        : EVENT_ATTRIBUTES[a] === null
          ? `MAX(${a}) OVER (PARTITION BY client_id)`
          : `MAX(${a}) OVER (PARTITION BY client_id, run_${a})`;
      return a === "parent_client_id" ? `NULLIF(${value}, '') AS ${a}` : `${value} AS ${a}`;
    })
    .join(",\n         ");
  return `
INSERT INTO dwh_stage.client_versions (${VERSION_STAGE_COLUMNS.join(", ")})
WITH events AS (
  SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.client_id, e.effective_at, e.attribute ORDER BY e.change_id DESC) AS latest
    FROM dwh_audit.client_change_events AS e
   WHERE e.client_id IN (SELECT client_id FROM dwh_stage.affected_clients)
),
instants AS (
  SELECT e.client_id, e.effective_at AS valid_from,
         CONCAT_WS('+', ${reasons}) AS change_reason,
         ${picked}
    FROM events AS e
    LEFT JOIN dwh.dim_geography AS g ON e.attribute = 'geo_code' AND g.geo_code = e.new_value
   GROUP BY e.client_id, e.effective_at
),
steps AS (
  SELECT c.client_id, c.valid_from, 'registration' AS change_reason, ${registered}
    FROM dwh.dim_client AS c
   WHERE c.version = 1 AND c.client_id IN (SELECT client_id FROM dwh_stage.affected_clients)
  UNION ALL
  SELECT i.client_id, i.valid_from, i.change_reason, ${attrs.map((a) => (EVENT_ATTRIBUTES[a] === null ? `CAST(NULL AS DATE) AS ${a}` : `i.${a}`)).join(", ")}
    FROM instants AS i
),
runs AS (
  SELECT s.*${ignoreNulls ? "" : `,\n         ${runs}`}
    FROM steps AS s
),
final AS (
  SELECT client_id, valid_from, change_reason,
         ROW_NUMBER() OVER (${ordered}) AS version,
         LEAD(valid_from) OVER (${ordered}) AS next_from,
         ${carried}
    FROM runs
)
SELECT client_id, version, valid_from, COALESCE(next_from, TIMESTAMP '${OPEN_END}'), next_from IS NULL,
       ${attrs.join(", ")}, change_reason
  FROM final`;
}

/**
 * Rebuilds the version chains of the clients in dwh_stage.affected_clients (those with new events),
 * merges them into dim_client, re-points earlier facts that now fall in another version, and records the
 * days whose daily summary must be rebuilt in dwh_stage.touched_days.
 */
export async function applyClientChanges(tx: Warehouse, batchId: number): Promise<Scd2Result> {
  const sql = foldVersionsSql(dialectOf(tx).windowIgnoreNulls);
  await traced("changes: SCD2 fold", () => tx.exec(sql));
  return traced("changes: SCD2 merge", () => mergeVersions(tx, batchId));
}

async function count(tx: Warehouse, sql: string): Promise<number> {
  const [row] = await tx.query<{ n: number }>(sql);
  return Number(row?.n ?? 0);
}

async function mergeVersions(tx: Warehouse, batchId: number): Promise<Scd2Result> {
  const attrs = CLIENT_ATTRIBUTES;
  const same = "d.client_id = s.client_id AND d.valid_from = s.valid_from";
  const differs = ["version", "valid_to", "is_current", ...attrs, "change_reason"]
    .map((c) => `d.${c} IS DISTINCT FROM s.${c}`)
    .join(" OR ");
  const changed = await traced("changes: SCD2 merge: count changed", () =>
    count(
      tx,
      `SELECT COUNT(*) AS n FROM dwh.dim_client AS d JOIN dwh_stage.client_versions AS s ON ${same} WHERE ${differs}`,
    ),
  );
  // Versions whose number shifts move out of the way first: (client_id, version) is unique at every row.
  await traced("changes: SCD2 merge: shift versions", () =>
    tx.exec(`
    UPDATE dwh.dim_client AS d SET version = d.version + 1000000
      FROM dwh_stage.client_versions AS s WHERE ${same} AND d.version <> s.version`),
  );
  await traced("changes: SCD2 merge: update", () =>
    tx.exec(`
    UPDATE dwh.dim_client AS d
       SET version = s.version, valid_to = s.valid_to, is_current = s.is_current,
           ${attrs.map((a) => `${a} = s.${a}`).join(", ")}, change_reason = s.change_reason, batch_id = ${batchId}
      FROM dwh_stage.client_versions AS s WHERE ${same} AND (${differs});`),
  );
  const inserted = await count(
    tx,
    `SELECT COUNT(*) AS n FROM dwh_stage.client_versions AS s
      WHERE NOT EXISTS (SELECT 1 FROM dwh.dim_client AS d WHERE ${same})`,
  );
  await traced("changes: SCD2 merge: insert", () =>
    tx.exec(`
    INSERT INTO dwh.dim_client (client_key, client_id, version, ${attrs.join(", ")}, valid_from, valid_to, is_current, change_reason, batch_id)
    SELECT (SELECT COALESCE(MAX(client_key), 0) FROM dwh.dim_client) + ROW_NUMBER() OVER (ORDER BY s.client_id, s.valid_from),
           s.client_id, s.version, ${attrs.map((a) => `s.${a}`).join(", ")}, s.valid_from, s.valid_to, s.is_current, s.change_reason, ${batchId}
      FROM dwh_stage.client_versions AS s
     WHERE NOT EXISTS (SELECT 1 FROM dwh.dim_client AS d WHERE ${same})`),
  );
  const factsRepointed = await traced("changes: SCD2 re-point", () => repointFacts(tx));
  return { versionsWritten: changed + inserted, factsRepointed };
}

/** Facts and summary rows of the affected clients that now fall in another version. */
async function repointFacts(tx: Warehouse): Promise<number> {
  const affected = "IN (SELECT client_id FROM dwh_stage.affected_clients)";
  const version = (alias: string, id: string) =>
    `dwh.dim_client AS ${alias} ON ${alias}.client_id = f.${id} AND f.transaction_at >= ${alias}.valid_from AND f.transaction_at < ${alias}.valid_to`;
  const moved = `
      FROM dwh.fact_transactions AS f
      JOIN ${version("c", "client_id")}
      LEFT JOIN ${version("cp", "counterparty_client_id")}
     WHERE (f.client_id ${affected} OR f.counterparty_client_id ${affected})
       AND (f.client_key <> c.client_key OR f.counterparty_client_key IS DISTINCT FROM cp.client_key)`;
  const repointed = await count(tx, `SELECT COUNT(*) AS n ${moved}`);
  if (repointed > 0) {
    await tx.exec(`
      INSERT INTO dwh_stage.touched_days (date_key) SELECT DISTINCT f.date_key ${moved};
      UPDATE dwh.fact_transactions AS f SET client_key = c.client_key
        FROM dwh.dim_client AS c
       WHERE c.client_id = f.client_id AND f.transaction_at >= c.valid_from AND f.transaction_at < c.valid_to
         AND f.client_id ${affected} AND f.client_key <> c.client_key;
      UPDATE dwh.fact_transactions AS f SET counterparty_client_key = c.client_key
        FROM dwh.dim_client AS c
       WHERE c.client_id = f.counterparty_client_id AND f.transaction_at >= c.valid_from AND f.transaction_at < c.valid_to
         AND f.counterparty_client_id ${affected} AND f.counterparty_client_key IS DISTINCT FROM c.client_key;`);
  }
  // A version that now ends on a day changes that day's summary row even when no fact moved.
  await tx.exec(`
    INSERT INTO dwh_stage.touched_days (date_key)
    SELECT DISTINCT s.date_key
      FROM dwh.fact_daily_client_summary AS s
      JOIN (${VERSION_DAYS_SQL}) AS c
        ON c.client_id = s.client_id AND c.from_key <= s.date_key AND c.to_key > s.date_key
     WHERE s.client_id ${affected} AND (s.client_key <> c.client_key OR s.geography_key <> c.geography_key)`);
  return repointed;
}
