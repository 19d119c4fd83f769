import type { SqlValue, Warehouse } from "../warehouse/warehouse.ts";
import type { References } from "./references.ts";
import { CLIENT_ATTRIBUTES, STAGE, VERSION_STAGE_COLUMNS } from "./stage.ts";
import { traced } from "./trace.ts";

/**
 * dim_client as SCD Type 2. A client's versions are folded from its registration (version 1) and every
 * change event it ever received, so a late event simply produces the right chain again; the merge then
 * keeps the keys of versions that still start at the same instant, corrects the others and adds new ones.
 */

export const OPEN_END = "9999-12-31 00:00:00";
const PAGE = 20_000;

type Attributes = Record<(typeof CLIENT_ATTRIBUTES)[number], SqlValue>;

interface Version {
  validFrom: string;
  attrs: Attributes;
  reason: string;
}

interface EventRow {
  client_id: string;
  effective_at: string;
  change_type: string;
  attribute: string;
  new_value: string;
}

/** The chain of versions of one client: each instant with events opens one version. */
export function foldVersions(
  registration: { validFrom: string; attrs: Attributes },
  events: readonly EventRow[],
  refs: References,
): Version[] {
  const versions: Version[] = [
    { validFrom: registration.validFrom, attrs: { ...registration.attrs }, reason: "registration" },
  ];
  let state: Attributes = { ...registration.attrs };
  for (let i = 0; i < events.length; ) {
    const at = (events[i] as EventRow).effective_at;
    const types = new Set<string>();
    state = { ...state };
    for (; i < events.length && (events[i] as EventRow).effective_at === at; i++) {
      const e = events[i] as EventRow;
      types.add(e.change_type);
      applyEvent(state, e, refs);
    }
    // Even an event that restates a value opens its version: chains then only ever gain versions, so a
    // late event never retires a version that facts point at.
    versions.push({ validFrom: at, attrs: state, reason: [...types].sort().join("+") });
  }
  return versions;
}

function applyEvent(state: Attributes, e: EventRow, refs: References): void {
  switch (e.attribute) {
    case "geo_code":
      state.geography_key = refs.geographies.get(e.new_value) as number;
      break;
    case "kyc_level":
      state.kyc_level = Number(e.new_value);
      break;
    case "parent_client_id":
      state.parent_client_id = e.new_value === "" ? null : e.new_value;
      break;
    default:
      (state as Record<string, SqlValue>)[e.attribute] = e.new_value;
  }
}

export interface Scd2Result {
  readonly versionsWritten: number;
  readonly factsRepointed: number;
}

/**
 * Rebuilds the version chains of the clients in dwh_stage.affected_clients (those with new events),
 * merges them into dim_client, re-points earlier facts that now fall in another version, and records the
 * days whose daily summary must be rebuilt in dwh_stage.touched_days.
 */
export async function applyClientChanges(
  tx: Warehouse,
  batchId: number,
  refs: References,
): Promise<Scd2Result> {
  const attrs = CLIENT_ATTRIBUTES.join(", ");
  let last = "";
  for (;;) {
    const page = `(SELECT client_id FROM dwh_stage.affected_clients WHERE client_id > $1 ORDER BY client_id LIMIT ${PAGE})`;
    const bases = await tx.query<Record<string, SqlValue> & { client_id: string; valid_from: string }>(
      `SELECT client_id, valid_from, ${attrs} FROM dwh.dim_client
        WHERE version = 1 AND client_id IN ${page} ORDER BY client_id`,
      [last],
    );
    if (bases.length === 0) break;
    const events = await tx.query<EventRow>(
      `SELECT client_id, effective_at, change_type, attribute, new_value
         FROM dwh_audit.client_change_events
        WHERE client_id IN ${page} ORDER BY client_id, effective_at, change_id`,
      [last],
    );
    const rows: SqlValue[][] = [];
    let e = 0;
    for (const base of bases) {
      while (e < events.length && (events[e] as EventRow).client_id < base.client_id) e++;
      const start = e;
      while (e < events.length && (events[e] as EventRow).client_id === base.client_id) e++;
      const registration = {
        validFrom: base.valid_from,
        attrs: Object.fromEntries(CLIENT_ATTRIBUTES.map((a) => [a, base[a] ?? null])) as Attributes,
      };
      const chain = foldVersions(registration, events.slice(start, e), refs);
      chain.forEach((v, i) => {
        const next = chain[i + 1];
        rows.push([
          base.client_id,
          i + 1,
          v.validFrom,
          next ? next.validFrom : OPEN_END,
          next === undefined,
          ...CLIENT_ATTRIBUTES.map((a) => v.attrs[a] as SqlValue),
          v.reason,
        ]);
      });
    }
    await tx.bulkLoad(STAGE.versions, VERSION_STAGE_COLUMNS, rows);
    last = (bases[bases.length - 1] as { client_id: string }).client_id;
  }
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
  const changed = await count(
    tx,
    `SELECT COUNT(*) AS n FROM dwh.dim_client AS d JOIN dwh_stage.client_versions AS s ON ${same} WHERE ${differs}`,
  );
  // Versions whose number shifts move out of the way first: (client_id, version) is unique at every row.
  await tx.exec(`
    UPDATE dwh.dim_client AS d SET version = d.version + 1000000
      FROM dwh_stage.client_versions AS s WHERE ${same} AND d.version <> s.version;
    UPDATE dwh.dim_client AS d
       SET version = s.version, valid_to = s.valid_to, is_current = s.is_current,
           ${attrs.map((a) => `${a} = s.${a}`).join(", ")}, change_reason = s.change_reason, batch_id = ${batchId}
      FROM dwh_stage.client_versions AS s WHERE ${same} AND (${differs});`);
  const inserted = await count(
    tx,
    `SELECT COUNT(*) AS n FROM dwh_stage.client_versions AS s
      WHERE NOT EXISTS (SELECT 1 FROM dwh.dim_client AS d WHERE ${same})`,
  );
  await tx.exec(`
    INSERT INTO dwh.dim_client (client_key, client_id, version, ${attrs.join(", ")}, valid_from, valid_to, is_current, change_reason, batch_id)
    SELECT (SELECT COALESCE(MAX(client_key), 0) FROM dwh.dim_client) + ROW_NUMBER() OVER (ORDER BY s.client_id, s.valid_from),
           s.client_id, s.version, ${attrs.map((a) => `s.${a}`).join(", ")}, s.valid_from, s.valid_to, s.is_current, s.change_reason, ${batchId}
      FROM dwh_stage.client_versions AS s
     WHERE NOT EXISTS (SELECT 1 FROM dwh.dim_client AS d WHERE ${same})`);
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
      JOIN dwh.dim_client AS c
        ON c.client_id = s.client_id
       AND c.valid_from < CAST(dwh.key_to_date(s.date_key) + 1 AS TIMESTAMP)
       AND c.valid_to >= CAST(dwh.key_to_date(s.date_key) + 1 AS TIMESTAMP)
     WHERE s.client_id ${affected} AND (s.client_key <> c.client_key OR s.geography_key <> c.geography_key)`);
  return repointed;
}
