import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import { activeClientsFromSets, periodKeys } from "../../src/serve/active-sets.ts";
import type { Filters } from "../../src/serve/filters.ts";
import { checkServedSchema } from "../../src/serve/schema-check.ts";
import { refreshActiveSets } from "../../src/warehouse/active-sets.ts";
import { BinaryCopyWriter } from "../../src/warehouse/postgres/binary-copy.ts";
import type { PostgresWarehouse } from "../../src/warehouse/postgres/postgres-warehouse.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { tinyInput } from "../serve/fixtures.ts";
import { busiestPlace } from "../support/busiest-place.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

/** The groups' attributes, alias a, as the dashboards break active clients down by them. */
const GROUPS = {
  none: null,
  clientType: "a.client_type",
  country: "a.country_code",
  region: "a.country_code || ':' || a.region_name",
} as const;

/**
 * Distinct clients with a transaction in from-to matching the filters, per group: the facts, each placed in the
 * group of its client's summary row of the day (the client version valid at the day's end).
 */
async function factsActiveClients(
  wh: Warehouse,
  filters: Filters,
  from: number,
  to: number,
  group: string | null,
): Promise<Map<string, number>> {
  const where = [`f.date_key BETWEEN ${from} AND ${to}`];
  if (filters.country) where.push(`a.country_code = '${filters.country}'`);
  if (filters.region) where.push(`a.region_name = '${filters.region}'`);
  if (filters.clientType) where.push(`a.client_type = '${filters.clientType}'`);
  if (filters.channel) where.push(`f.channel_key = ${filters.channel.key}`);
  if (filters.service) where.push(`f.service_key = ${filters.service.key}`);
  const key = group ?? "''";
  const rows = await wh.query<{ k: string; n: number }>(
    `SELECT ${key} AS k, COUNT(DISTINCT f.client_id) AS n
       FROM dwh.fact_transactions AS f
       JOIN (SELECT s.date_key, s.client_id, g.country_code, g.region_name, c.client_type
               FROM dwh.fact_daily_client_summary AS s
               JOIN dwh.dim_client AS c ON c.client_key = s.client_key
               JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key) AS a
         ON a.date_key = f.date_key AND a.client_id = f.client_id
       JOIN (SELECT client_id, MIN(CAST(EXTRACT(YEAR FROM registration_date) * 100
                                   + EXTRACT(MONTH FROM registration_date) AS INTEGER)) AS month
               FROM dwh.dim_client GROUP BY client_id) AS r ON r.client_id = f.client_id
      WHERE ${where.join(" AND ")} ${group ? `GROUP BY ${group}` : ""}`,
  );
  return new Map(rows.filter((r) => Number(r.n) > 0).map((r) => [String(r.k), Number(r.n)]));
}

/** Every row of the sets, in order, as text. */
async function setRows(wh: Warehouse): Promise<string[]> {
  const rows = await wh.query<{ r: string }>(
    `SELECT concat_ws(' ', channel_key, service_key, period_key, group_id, clients, shared) AS r
       FROM dwh.agg_active_sets ORDER BY channel_key, service_key, period_key, group_id`,
  );
  return rows.map((r) => r.r);
}

describe("the periods of a range", () => {
  it("are its whole months, then the days of its partial months", () => {
    expect(periodKeys({ fromKey: 20250130, toKey: 20250402 })).toEqual([
      202502, 202503, 20250130, 20250131, 20250401, 20250402,
    ]);
    expect(periodKeys({ fromKey: 20240201, toKey: 20240229 })).toEqual([202402]);
    expect(periodKeys({ fromKey: 20240227, toKey: 20240302 })).toEqual([
      20240227, 20240228, 20240229, 20240301, 20240302,
    ]);
    expect(periodKeys({ fromKey: 20251231, toKey: 20251231 })).toEqual([20251231]);
  });
});

describe.runIf(ENGINES_UNDER_TEST.includes("postgres"))("PostgreSQL's sets of active clients", () => {
  let input: { input: string; cleanup(): void };
  let db: TestDatabase;
  let wh: Warehouse;
  beforeAll(async () => {
    input = await tinyInput();
    db = await createTestDatabase("postgres");
    wh = await db.open();
    await runEtl(wh, { input: input.input });
  });
  afterAll(async () => {
    await wh?.close();
    await db?.drop();
    input?.cleanup();
  });

  it("writes bit strings and integer arrays in COPY's binary format, across chunk ends", async () => {
    await wh.exec("CREATE TEMPORARY TABLE copied (n SMALLINT, k INTEGER, b BIT VARYING, a INTEGER[])");
    const strings = [1, 7, 8, 9, 20, 1000].map((bits) => {
      const bytes = new Uint8Array(Math.ceil(bits / 8));
      for (let i = 0; i < bits; i += 3) bytes[i >> 3] = (bytes[i >> 3] as number) | (0x80 >> (i & 7));
      return {
        bits,
        bytes,
        text: Array.from({ length: bits }, (_, i) => (i % 3 === 0 ? "1" : "0")).join(""),
      };
    });
    const out = new BinaryCopyWriter(16);
    const chunks: Buffer[] = [];
    for (const [i, s] of strings.entries()) {
      out.row(4);
      out.int16(i - 3);
      out.int32(i * 100_000);
      out.varbit(s.bytes, s.bits);
      if (i === 2) out.null();
      else out.int32Array(Array.from({ length: i }, (_, j) => j * 7 - 3));
      chunks.push(...out.take());
    }
    chunks.push(...out.end());
    expect(chunks.length).toBeGreaterThan(20);
    await (wh as PostgresWarehouse).copyInBinary(
      { schema: "pg_temp", table: "copied" },
      ["n", "k", "b", "a"],
      (async function* () {
        yield* chunks;
      })(),
    );
    const rows = await wh.query<{ n: number; k: number; b: string; a: string | null }>(
      "SELECT n, k, CAST(b AS TEXT) AS b, CAST(a AS TEXT) AS a FROM copied ORDER BY k",
    );
    expect(rows).toEqual(
      strings.map((s, i) => ({
        n: i - 3,
        k: i * 100_000,
        b: s.text,
        a: i === 2 ? null : `{${Array.from({ length: i }, (_, j) => j * 7 - 3).join(",")}}`,
      })),
    );
    expect(() => new BinaryCopyWriter().varbit(new Uint8Array(2), 17)).toThrow("17 bits take 3 bytes, not 2");
  });

  it("count the distinct clients of any ranges, channel or service, filters and breakdown as the facts do", async () => {
    const place = await busiestPlace(wh);
    const [channel] = await wh.query<{ key: number; code: string }>(
      "SELECT channel_key AS key, channel_code AS code FROM dwh.dim_channel WHERE channel_code = 'USSD'",
    );
    const [service] = await wh.query<{ key: number; code: string; client_type: string }>(
      `SELECT service_key AS key, service_code AS code, c.client_type FROM dwh.fact_transactions
         JOIN dwh.dim_service USING (service_key) JOIN dwh.dim_client AS c USING (client_key)
        GROUP BY 1, 2, 3 ORDER BY COUNT(*) DESC LIMIT 1 OFFSET 1`,
    );
    const base = { from: "", to: "" };
    const filterSets: Filters[] = [
      base,
      { ...base, channel: { key: Number(channel?.key), code: "USSD", name: "USSD" } },
      { ...base, service: { key: Number(service?.key), code: String(service?.code), name: "" } },
      { ...base, country: place?.country_code },
      { ...base, country: place?.country_code, region: place?.region_name, clientType: place?.client_type },
      {
        ...base,
        clientType: service?.client_type,
        service: { key: Number(service?.key), code: String(service?.code), name: "" },
      },
    ];
    // Whole months, partial months, single days, a leap day, ranges past the calendar, all at once.
    const ranges = [
      [20250101, 20251231],
      [20250115, 20250210],
      [20241117, 20241117],
      [20240229, 20240229],
      [20240305, 20250620],
      [20200101, 20300101],
      [20251231, 20251231],
    ].map(([fromKey, toKey]) => ({ fromKey: fromKey as number, toKey: toKey as number }));
    let seen = 0;
    for (const filters of filterSets)
      for (const [by, group] of Object.entries(GROUPS)) {
        const counts = await activeClientsFromSets(
          wh,
          filters,
          ranges,
          group ? { attribute: group } : undefined,
        );
        for (const [i, range] of ranges.entries()) {
          const expected = await factsActiveClients(wh, filters, range.fromKey, range.toKey, group);
          const what = `${JSON.stringify(filters)} by ${by}, ${range.fromKey}-${range.toKey}`;
          const got = new Map<string, number>();
          for (const [k, n] of counts) if (n[i]) got.set(k, n[i]);
          expect(got, what).toEqual(expected);
          for (const n of expected.values()) seen += n;
        }
      }
    expect(seen).toBeGreaterThan(10_000);
    // Per registration cohort, the months before the first one in cohort 0.
    const firstCohort = 202403;
    const cohort = `CASE WHEN r.month < ${firstCohort} THEN 0 ELSE r.month END`;
    let cohorts = 0;
    for (const filters of filterSets) {
      const counts = await activeClientsFromSets(wh, filters, ranges, { firstCohort });
      for (const [i, range] of ranges.entries()) {
        const expected = await factsActiveClients(wh, filters, range.fromKey, range.toKey, cohort);
        const got = new Map<string, number>();
        for (const [k, n] of counts) if (n[i]) got.set(k, n[i]);
        expect(got, `${JSON.stringify(filters)} by cohort, ${range.fromKey}-${range.toKey}`).toEqual(
          expected,
        );
        cohorts += expected.size;
      }
    }
    expect(cohorts).toBeGreaterThan(100);
    // Clients active under several groups are in the shared lists, and only there.
    const [shared] = await wh.query<{ members: number; listed: number }>(
      `SELECT (SELECT COUNT(*) FROM dwh.agg_active_members WHERE shared_id IS NOT NULL) AS members,
              (SELECT COUNT(DISTINCT id) FROM dwh.agg_active_sets, unnest(shared) AS id) AS listed`,
    );
    expect(Number(shared?.members)).toBeGreaterThan(0);
    expect(Number(shared?.listed)).toBe(Number(shared?.members));
    await expect(activeClientsFromSets(wh, { ...base, segment: "Champions" }, ranges)).rejects.toThrow(
      "do not know these filters",
    );
  });

  it("rewrite the touched months alone, every month when the members moved, and are built by init when missing", async () => {
    const before = await setRows(wh);
    expect(before.length).toBeGreaterThan(1000);
    const touched = "SELECT date_key FROM dwh.dim_date WHERE date_key BETWEEN 20250301 AND 20250303";
    await wh.transaction(async (tx) => {
      await tx.exec(`DELETE FROM dwh.agg_active_sets WHERE period_key IN (202503, 20250302);
        UPDATE dwh.agg_active_sets SET shared = NULL WHERE period_key = 202504`);
      await refreshActiveSets(tx, { full: false, touchedDays: touched });
    });
    const after = await setRows(wh);
    // March is written again; April, not touched, keeps its damage.
    const inApril = (r: string) => r.split(" ")[2]?.startsWith("202504") === true;
    expect(after.filter((r) => !inApril(r))).toEqual(before.filter((r) => !inApril(r)));
    expect(after.filter(inApril)).not.toEqual(before.filter(inApril));

    // Two clients' bits swapped: the stored members differ from agg_client_days's, every month is rewritten.
    await wh.exec(`UPDATE dwh.agg_active_members SET bit = CASE bit WHEN 0 THEN 1 ELSE 0 END
      WHERE group_id = (SELECT MIN(group_id) FROM dwh.agg_active_groups WHERE members > 1) AND bit IN (0, 1)`);
    await wh.transaction((tx) => refreshActiveSets(tx, { full: false, touchedDays: touched }));
    expect(await setRows(wh)).toEqual(before);

    await wh.exec(
      "DELETE FROM dwh.agg_active_sets; DELETE FROM dwh.agg_active_members; DELETE FROM dwh.agg_active_groups; DELETE FROM dwh.agg_active_cohorts",
    );
    await expect(checkServedSchema(wh)).rejects.toThrow(
      "has facts without their sets of active clients (dwh.agg_active_sets …): run `momo init` to write them",
    );
    const steps: string[] = [];
    await initWarehouse(wh, (step) => steps.push(step));
    expect(steps).toContain("dwh dashboard aggregates (built once)");
    expect(await setRows(wh)).toEqual(before);
    await expect(checkServedSchema(wh)).resolves.toBeUndefined();

    // The leading clients per channel and service, too, are asked for and built once.
    const leaders = "SELECT COUNT(*) AS n, SUM(value) AS v FROM dwh.agg_facet_leaders";
    const [kept] = await wh.query<{ n: number }>(leaders);
    expect(Number(kept?.n)).toBeGreaterThan(1000);
    await wh.exec("DELETE FROM dwh.agg_facet_leaders");
    await expect(checkServedSchema(wh)).rejects.toThrow("dwh.agg_facet_leaders");
    await initWarehouse(wh, () => {});
    expect(await wh.query(leaders)).toEqual([kept]);
    await expect(checkServedSchema(wh)).resolves.toBeUndefined();
  });
});
