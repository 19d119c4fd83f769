import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialectOf } from "../../src/etl/dialect.ts";
import { foldVersionsSql, OPEN_END } from "../../src/etl/scd2.ts";
import { STAGE, VERSION_STAGE_DDL } from "../../src/etl/stage.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import type { Row, SqlValue, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { seededRandom } from "../support/random.ts";

/**
 * The SQL fold of SCD2 chains against a reference fold written plainly in TypeScript (the fold the ETL
 * used before it moved into SQL), on random events: several at one instant, the same attribute twice at
 * one instant, parents set and cleared, relocations, events arriving out of order.
 */

const ATTRS = ["client_name", "tier", "kyc_level", "geo_code", "parent_client_id", "status"] as const;
const VALUES: Record<(typeof ATTRS)[number], string[]> = {
  client_name: ["Boutique A", "Boutique B", "Maquis C"],
  tier: ["bronze", "silver", "gold", "platinum"],
  kyc_level: ["1", "2", "3"],
  geo_code: ["CI-ABOBO", "SN-KAOLACK", "CI-YAMOUSSOUKRO"],
  parent_client_id: ["", "P1", "P2"],
  status: ["active", "suspended", "closed"],
};
const TYPES = ["tier_change", "kyc_upgrade", "relocation", "suspension", "profile_update", "closure"];

interface Event {
  change_id: string;
  client_id: string;
  effective_at: string;
  change_type: string;
  attribute: string;
  new_value: string;
}

const pick = <T>(r: () => number, list: readonly T[]) => list[Math.floor(r() * list.length)] as T;

function makeEvents(clients: number, seed: number): Event[] {
  const r = seededRandom(seed);
  const events: Event[] = [];
  for (let c = 0; c < clients; c++) {
    const n = Math.floor(r() * 7);
    const instants = [
      "2024-02-01 10:00:00",
      "2024-03-05 00:00:00",
      "2024-03-05 12:30:00",
      "2024-06-30 23:59:59",
    ];
    for (let i = 0; i < n; i++) {
      const attribute = pick(r, ATTRS);
      events.push({
        change_id: `E${String(Math.floor(r() * 1e6)).padStart(7, "0")}-${c}-${i}`,
        client_id: `C${c}`,
        effective_at: pick(r, instants),
        change_type: pick(r, TYPES),
        attribute,
        new_value: pick(r, VALUES[attribute]),
      });
    }
  }
  return events;
}

/** The reference: registration, then each instant's events in change_id order open one version. */
function referenceFold(clientId: string, events: readonly Event[], geo: Map<string, number>): Row[] {
  const mine = events
    .filter((e) => e.client_id === clientId)
    .sort((a, b) =>
      a.effective_at < b.effective_at
        ? -1
        : a.effective_at > b.effective_at
          ? 1
          : a.change_id < b.change_id
            ? -1
            : 1,
    );
  let state: Record<string, SqlValue> = {
    client_name: `Boutique ${clientId}`,
    tier: "bronze",
    kyc_level: 1,
    geography_key: geo.get("CI-ABOBO") as number,
    parent_client_id: null,
    status: "active",
  };
  const versions: { from: string; state: Record<string, SqlValue>; reason: string }[] = [
    { from: "2024-01-01 00:00:00", state, reason: "registration" },
  ];
  for (let i = 0; i < mine.length; ) {
    const at = (mine[i] as Event).effective_at;
    const types = new Set<string>();
    state = { ...state };
    for (; i < mine.length && (mine[i] as Event).effective_at === at; i++) {
      const e = mine[i] as Event;
      types.add(e.change_type);
      if (e.attribute === "geo_code") state.geography_key = geo.get(e.new_value) as number;
      else if (e.attribute === "kyc_level") state.kyc_level = Number(e.new_value);
      else if (e.attribute === "parent_client_id")
        state.parent_client_id = e.new_value === "" ? null : e.new_value;
      else state[e.attribute] = e.new_value;
    }
    versions.push({ from: at, state, reason: [...types].sort().join("+") });
  }
  return versions.map((v, i) => ({
    client_id: clientId,
    version: i + 1,
    valid_from: v.from,
    valid_to: versions[i + 1]?.from ?? OPEN_END,
    is_current: i === versions.length - 1,
    ...v.state,
    change_reason: v.reason,
  }));
}

const CLIENTS = 300;
const events = makeEvents(CLIENTS, 7);

for (const engine of ENGINES_UNDER_TEST) {
  describe(`SCD2 fold in SQL on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      await initWarehouse(wh);
    });
    afterAll(async () => {
      await wh.close();
      await db.drop();
    });

    it("folds the same chains as the reference fold", async () => {
      const geo = new Map(
        (
          await wh.query<{ geo_code: string; geography_key: number }>(
            "SELECT geo_code, geography_key FROM dwh.dim_geography",
          )
        ).map((g) => [g.geo_code, Number(g.geography_key)]),
      );
      const clients: SqlValue[][] = [];
      for (let c = 0; c < CLIENTS; c++) {
        clients.push([
          c + 1,
          `C${c}`,
          1,
          `Boutique C${c}`,
          "merchant",
          "commerce",
          "small",
          "bronze",
          1,
          geo.get("CI-ABOBO") as number,
          null,
          "2024-01-01",
          "active",
          "2024-01-01 00:00:00",
          OPEN_END,
          true,
          "registration",
          1,
        ]);
      }
      await wh.transaction(async (tx) => {
        await tx.bulkLoad(
          { schema: "dwh", table: "dim_client" },
          [
            "client_key",
            "client_id",
            "version",
            "client_name",
            "client_type",
            "sector",
            "size_band",
            "tier",
            "kyc_level",
            "geography_key",
            "parent_client_id",
            "registration_date",
            "status",
            "valid_from",
            "valid_to",
            "is_current",
            "change_reason",
            "batch_id",
          ],
          clients,
        );
        await tx.bulkLoad(
          { schema: "dwh_audit", table: "client_change_events" },
          [
            "change_id",
            "client_id",
            "effective_at",
            "change_type",
            "attribute",
            "old_value",
            "new_value",
            "batch_id",
          ],
          events.map((e) => [
            e.change_id,
            e.client_id,
            e.effective_at,
            e.change_type,
            e.attribute,
            null,
            e.new_value,
            1,
          ]),
        );
        const dialect = dialectOf(tx);
        await dialect.createStage(tx, STAGE.versions, VERSION_STAGE_DDL);
        await dialect.createStage(tx, STAGE.affected, "(client_id VARCHAR NOT NULL)");
        await tx.exec("INSERT INTO dwh_stage.affected_clients SELECT DISTINCT client_id FROM dwh.dim_client");
      });
      const expected = Array.from({ length: CLIENTS }, (_, c) => referenceFold(`C${c}`, events, geo))
        .flat()
        .sort((a, b) =>
          a.client_id === b.client_id ? 0 : String(a.client_id) < String(b.client_id) ? -1 : 1,
        );
      expect(events.length).toBeGreaterThan(600);
      // Both variants where the engine has IGNORE NULLS (DuckDB), the portable one everywhere.
      const variants = dialectOf(wh).windowIgnoreNulls ? [true, false] : [false];
      for (const ignoreNulls of variants) {
        await wh.exec("DELETE FROM dwh_stage.client_versions");
        await wh.exec(foldVersionsSql(ignoreNulls));
        const folded = await wh.query<Row>(
          `SELECT client_id, version, valid_from, valid_to, is_current, client_name, tier, kyc_level, geography_key,
                  parent_client_id, status, change_reason
             FROM dwh_stage.client_versions ORDER BY client_id, version`,
        );
        expect(
          folded.map((v) => ({
            ...v,
            kyc_level: Number(v.kyc_level),
            geography_key: Number(v.geography_key),
          })),
          `IGNORE NULLS: ${ignoreNulls}`,
        ).toEqual(expected);
      }
    });
  });
}
