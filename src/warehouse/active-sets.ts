import { traced } from "../etl/trace.ts";
import { BinaryCopyWriter } from "./postgres/binary-copy.ts";
import { copyLines } from "./postgres/copy-lines.ts";
import { PostgresWarehouse } from "./postgres/postgres-warehouse.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * PostgreSQL's sets of active clients (active_sets.postgres.sql): per day and month, (region, client type)
 * group, and channel or service, the clients with a transaction, as bit strings the dashboards OR together.
 * A client active under one group alone has a bit in that group's strings, numbered by registration date; a
 * client active under several (105,556 of the 2.72M at full scale) has a shared id, listed in an integer array instead, so
 * that it counts once. Built from the facts and, for the shared clients, the group of their summary rows
 * (the client version valid at the day's end, as agg_client_days has it).
 */

/** A member's code in memory: group · 2^24 + bit, or −(shared id + 1). */
const GROUP_UNIT = 2 ** 24;

const SET_COLUMNS = ["channel_key", "service_key", "period_key", "group_id", "clients", "shared"];

/**
 * Brings dwh.agg_active_sets up to date after the serving aggregates (agg_client_days gives the groups and
 * members): the months of the touched days, or every month when `full` or when the members changed (a new
 * client, or one now active under a second group, moves bits: the strings of every period are rewritten).
 * A no-op on DuckDB, whose dashboards count from their own bitmaps.
 */
export async function refreshActiveSets(tx: Warehouse, options: { full: boolean; touchedDays?: string }) {
  if (!(tx instanceof PostgresWarehouse)) return;
  await traced("serving aggregates: active sets", async () => {
    const changed = await traced("active sets: members", () => refreshMembers(tx, options.full));
    const every = options.full || changed || options.touchedDays === undefined;
    const months = (
      await tx.query<{ month: number }>(
        every
          ? "SELECT DISTINCT date_key / 100 AS month FROM dwh.fact_daily_client_summary ORDER BY 1"
          : `SELECT DISTINCT date_key / 100 AS month FROM (${options.touchedDays}) AS t ORDER BY 1`,
      )
    ).map((r) => Number(r.month));
    if (every) await tx.exec("DELETE FROM dwh.agg_active_sets");
    else
      for (const month of months)
        await tx.exec(`DELETE FROM dwh.agg_active_sets
          WHERE period_key = ${month} OR period_key BETWEEN ${month * 100} AND ${month * 100 + 99}`);
    const layout = await traced("active sets: layout", () => readLayout(tx));
    // The versions of the shared clients and their types: joined to each month's summary, a hash of 0.5M rows
    // (full scale) rather than of dim_client's 4.3M with the 3M members (20 s a month).
    await tx.exec(`DROP TABLE IF EXISTS shared_versions;
      CREATE TEMPORARY TABLE shared_versions AS
        SELECT c.client_key, c.client_type FROM dwh.dim_client AS c
          JOIN dwh.agg_active_members AS m ON m.client_id = c.client_id AND m.shared_id IS NOT NULL;
      ANALYZE shared_versions`);
    for (const month of months) await traced(`active sets: ${month}`, () => writeMonth(tx, layout, month));
    await tx.exec("DROP TABLE shared_versions");
    await tx.exec(
      "ANALYZE dwh.agg_active_groups; ANALYZE dwh.agg_active_members; ANALYZE dwh.agg_active_cohorts; ANALYZE dwh.agg_active_sets",
    );
  });
}

/**
 * Rewrites the groups and members from agg_client_days when they differ from the stored ones (always when
 * `full`); says whether they did.
 */
async function refreshMembers(tx: Warehouse, full: boolean): Promise<boolean> {
  const groupKeys = "country_code, region_name, client_type";
  await tx.exec(`DROP TABLE IF EXISTS new_active_groups; DROP TABLE IF EXISTS new_active_members;
    CREATE TEMPORARY TABLE new_active_groups AS
      SELECT CAST(ROW_NUMBER() OVER (ORDER BY ${groupKeys}) AS INTEGER) AS group_id, ${groupKeys},
             CAST(COUNT(*) FILTER (WHERE NOT has_other_rows) AS INTEGER) AS members
        FROM dwh.agg_client_days GROUP BY ${groupKeys};
    CREATE TEMPORARY TABLE new_active_members AS
      SELECT a.client_id, g.group_id,
             CAST(ROW_NUMBER() OVER (PARTITION BY g.group_id ORDER BY a.registration_date, a.client_id COLLATE "C") - 1
                  AS INTEGER) AS bit,
             CAST(NULL AS INTEGER) AS shared_id, a.registration_date
        FROM dwh.agg_client_days AS a JOIN new_active_groups AS g USING (${groupKeys})
       WHERE NOT a.has_other_rows
      UNION ALL
      SELECT client_id, NULL, NULL, CAST(ROW_NUMBER() OVER (ORDER BY client_id COLLATE "C") - 1 AS INTEGER),
             registration_date
        FROM (SELECT client_id, MIN(registration_date) AS registration_date FROM dwh.agg_client_days
               WHERE has_other_rows GROUP BY client_id) AS s`);
  let changed = full;
  if (!changed) {
    const [same] = await tx.query<{ same: boolean }>(
      `SELECT (SELECT COUNT(*) FROM new_active_groups) = (SELECT COUNT(*) FROM dwh.agg_active_groups)
          AND NOT EXISTS (SELECT * FROM new_active_groups EXCEPT SELECT * FROM dwh.agg_active_groups)
          AND (SELECT COUNT(*) FROM new_active_members) = (SELECT COUNT(*) FROM dwh.agg_active_members)
          AND NOT EXISTS (SELECT 1 FROM new_active_members AS n
                            LEFT JOIN dwh.agg_active_members AS m ON m.client_id = n.client_id
                           WHERE m.client_id IS NULL OR m.group_id IS DISTINCT FROM n.group_id
                              OR m.bit IS DISTINCT FROM n.bit OR m.shared_id IS DISTINCT FROM n.shared_id
                              OR m.registration_date <> n.registration_date) AS same`,
    );
    changed = !same?.same;
  }
  if (changed)
    await tx.exec(`DELETE FROM dwh.agg_active_groups; DELETE FROM dwh.agg_active_members;
      DELETE FROM dwh.agg_active_cohorts;
      INSERT INTO dwh.agg_active_groups SELECT * FROM new_active_groups;
      INSERT INTO dwh.agg_active_members (client_id, group_id, bit, shared_id, registration_date)
        SELECT * FROM new_active_members;
      INSERT INTO dwh.agg_active_cohorts (group_id, registration_month, first_bit, members)
        SELECT group_id, CAST(EXTRACT(YEAR FROM registration_date) * 100 + EXTRACT(MONTH FROM registration_date) AS INTEGER),
               MIN(bit), COUNT(*)
          FROM new_active_members WHERE group_id IS NOT NULL GROUP BY 1, 2`);
  await tx.exec("DROP TABLE new_active_groups; DROP TABLE new_active_members");
  return changed;
}

/** What a month's strings are laid out by. */
interface Layout {
  /** Client id → member code (see GROUP_UNIT). */
  readonly members: Map<string, number>;
  /** Bits of each group's strings, by group id. */
  readonly widths: Int32Array;
  readonly maxChannel: number;
  readonly maxService: number;
}

async function readLayout(tx: PostgresWarehouse): Promise<Layout> {
  const [keys] = await tx.query<{ channels: number; services: number; groups: number }>(
    `SELECT (SELECT COALESCE(MAX(channel_key), 0) FROM dwh.dim_channel) AS channels,
            (SELECT COALESCE(MAX(service_key), 0) FROM dwh.dim_service) AS services,
            (SELECT COALESCE(MAX(group_id), 0) FROM dwh.agg_active_groups) AS groups`,
  );
  const widths = new Int32Array(Number(keys?.groups ?? 0) + 1);
  for (const g of await tx.query<{ group_id: number; members: number }>(
    "SELECT group_id, members FROM dwh.agg_active_groups",
  ))
    widths[Number(g.group_id)] = Number(g.members);
  const members = new Map<string, number>();
  const codes = `SELECT client_id, COALESCE(CAST(group_id AS BIGINT) * ${GROUP_UNIT} + bit, -(shared_id + 1))
    FROM dwh.agg_active_members`;
  for await (const lines of copyLines(tx.copyOut(codes)))
    for (const line of lines) {
      const tab = line.indexOf("\t");
      members.set(line.slice(0, tab), Number(line.slice(tab + 1)));
    }
  return {
    members,
    widths,
    maxChannel: Number(keys?.channels ?? 0),
    maxService: Number(keys?.services ?? 0),
  };
}

/** Reads the month's facts and writes its rows: the month (slot 0) and each of its days (slot = day). */
async function writeMonth(tx: PostgresWarehouse, layout: Layout, month: number): Promise<void> {
  const { members, widths, maxChannel, maxService } = layout;
  const days = `date_key BETWEEN ${month * 100} AND ${month * 100 + 99}`;
  // Facet 0: any transaction; 1 … maxChannel: a channel; then the services.
  const facets = 1 + maxChannel + maxService;
  const groups = widths.length;
  const slot = (day: number, facet: number, group: number) => (day * facets + facet) * groups + group;
  const bits: (Uint8Array | undefined)[] = new Array(32 * facets * groups);
  const shared = new Map<number, number[]>();
  // The group of each shared client's summary row of the month, by client id and day.
  const sharedGroups = new Map<string, number>();
  const sharedDays = `SELECT s.client_id, s.date_key % 100, gr.group_id
      FROM dwh.fact_daily_client_summary AS s
      JOIN shared_versions AS c ON c.client_key = s.client_key
      JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
      JOIN dwh.agg_active_groups AS gr
        ON gr.country_code = g.country_code AND gr.region_name = g.region_name AND gr.client_type = c.client_type
     WHERE s.${days}`;
  for await (const lines of copyLines(tx.copyOut(sharedDays)))
    for (const line of lines) {
      const [client, day, group] = line.split("\t");
      sharedGroups.set(`${client}\t${day}`, Number(group));
    }
  const facts = `SELECT client_id, date_key % 100, channel_key, service_key FROM dwh.fact_transactions WHERE ${days}`;
  for await (const lines of copyLines(tx.copyOut(facts)))
    for (const line of lines) {
      const [client = "", dayText = "", channel, service] = line.split("\t");
      const code = members.get(client);
      if (code === undefined)
        throw new Error(`client ${client} of a fact of ${month} has no row in dwh.agg_client_days`);
      const day = Number(dayText);
      const facetsOf = [0, Number(channel), maxChannel + Number(service)];
      if (code >= 0) {
        const group = Math.floor(code / GROUP_UNIT);
        const bit = code % GROUP_UNIT;
        const byte = bit >> 3;
        const mask = 0x80 >> (bit & 7);
        for (const d of [0, day])
          for (const facet of facetsOf) {
            const at = slot(d, facet, group);
            let set = bits[at];
            if (!set) {
              set = new Uint8Array(Math.ceil((widths[group] as number) / 8));
              bits[at] = set;
            }
            set[byte] = (set[byte] as number) | mask;
          }
      } else {
        const group = sharedGroups.get(`${client}\t${dayText}`);
        if (group === undefined)
          throw new Error(`client ${client} has facts on ${month * 100 + day} but no summary row`);
        for (const d of [0, day])
          for (const facet of facetsOf) {
            const at = slot(d, facet, group);
            const ids = shared.get(at);
            if (ids) ids.push(-code - 1);
            else shared.set(at, [-code - 1]);
          }
      }
    }
  await tx.copyInBinary({ schema: "dwh", table: "agg_active_sets" }, SET_COLUMNS, rows());

  async function* rows(): AsyncGenerator<Buffer> {
    const out = new BinaryCopyWriter();
    for (let d = 0; d < 32; d++)
      for (let facet = 0; facet < facets; facet++)
        for (let group = 0; group < groups; group++) {
          const at = slot(d, facet, group);
          const set = bits[at];
          const ids = shared.get(at);
          if (!set && !ids) continue;
          out.row(SET_COLUMNS.length);
          out.int16(facet >= 1 && facet <= maxChannel ? facet : 0);
          out.int16(facet > maxChannel ? facet - maxChannel : 0);
          out.int32(d === 0 ? month : month * 100 + d);
          out.int32(group);
          if (set) out.varbit(set, widths[group] as number);
          else out.null();
          if (ids) out.int32Array([...new Set(ids)].sort((a, b) => a - b));
          else out.null();
          bits[at] = undefined;
          yield* out.take();
        }
    yield* out.end();
  }
}
