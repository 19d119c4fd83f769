import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeIn } from "../../src/serve/active-clients.ts";
import { dateToKey, keyToDate } from "../../src/serve/dates.ts";
import { checkServedSchema } from "../../src/serve/schema-check.ts";
import {
  ACTIVITY_MONTHS,
  ACTIVITY_WORDS,
  activityMonthBit,
  activityWord,
  backfillServingAggregates,
  DAYS_PER_WORD,
} from "../../src/warehouse/serving-aggregates.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

const DAY_MS = 86_400_000;

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/**
 * The activity condition of a range (whole months on the month bits, other days on the day words) against the
 * days themselves, on rows written as the refresh writes them: calendars starting on a month's first day or
 * within a month, and one longer than the 63 month bits.
 */
describe("activity rows' month bits", () => {
  let db: TestDatabase;
  let wh: Warehouse;
  beforeAll(async () => {
    db = await createTestDatabase("duckdb");
    wh = await db.open();
  });
  afterAll(async () => {
    await wh?.close();
    await db?.drop();
  });

  for (const [firstDate, days] of [
    ["2024-01-01", 1461],
    ["2023-03-17", 700],
    ["2020-01-01", ACTIVITY_WORDS * DAYS_PER_WORD],
  ] as const) {
    it(`answer as the days do, calendar of ${days} days from ${firstDate}`, async () => {
      const firstKey = dateToKey(firstDate);
      const next = random(days);
      const dayKey = (i: number) =>
        dateToKey(new Date(Date.parse(firstDate) + i * DAY_MS).toISOString().slice(0, 10));
      const rows = Array.from({ length: 300 }, () => {
        const active = new Set<number>();
        const start = Math.floor(next() * days);
        for (let n = Math.floor(next() * 4); n > 0; n--)
          active.add(Math.min(days - 1, start + Math.floor(next() * 90)));
        return [...active];
      });
      const words = (active: number[]) =>
        Array.from({ length: ACTIVITY_WORDS }, (_, w) =>
          active
            .filter((d) => Math.floor(d / DAYS_PER_WORD) === w)
            .reduce((word, d) => word | (1n << BigInt(d % DAYS_PER_WORD)), 0n),
        );
      const months = (active: number[]) =>
        active
          .map((d) => activityMonthBit(Math.floor(dayKey(d) / 100), firstKey))
          .filter((m) => m < ACTIVITY_MONTHS)
          .reduce((bits, m) => bits | (1n << BigInt(m)), 0n);
      const columns = Array.from({ length: ACTIVITY_WORDS }, (_, w) => activityWord(w));
      await wh.exec(`CREATE OR REPLACE TABLE a (id INTEGER, months BIGINT, ${columns.map((c) => `${c} BIGINT`).join(", ")});
        INSERT INTO a VALUES ${rows.map((active, id) => `(${id}, ${months(active)}, ${words(active).join(", ")})`).join(", ")}`);
      const ranges = Array.from({ length: 60 }, () => {
        const from = Math.floor(next() * days);
        const to = Math.min(days - 1, from + Math.floor(next() * (next() < 0.5 ? 70 : 800)));
        return { fromKey: dayKey(from), toKey: dayKey(to) };
      });
      // Whole months at either end of the calendar, and past it.
      ranges.push({ fromKey: firstKey, toKey: dayKey(days - 1) });
      ranges.push({ fromKey: Math.floor(firstKey / 100) * 100 + 1, toKey: dayKey(days + 40) });
      for (const range of ranges) {
        const found = await wh.query<{ id: number }>(
          `SELECT id FROM a WHERE ${activeIn(range, firstKey, days)} ORDER BY id`,
        );
        const index = (key: number) =>
          Math.round((Date.parse(keyToDate(key)) - Date.parse(firstDate)) / DAY_MS);
        const expected = rows.flatMap((active, id) =>
          active.some((d) => d >= index(range.fromKey) && d <= index(range.toKey)) ? [id] : [],
        );
        expect(
          found.map((r) => Number(r.id)),
          `${range.fromKey}-${range.toKey}`,
        ).toEqual(expected);
      }
    });
  }
});

for (const engine of ENGINES_UNDER_TEST) {
  describe(`activity month bits written by the refresh on ${engine}`, () => {
    let input: Awaited<ReturnType<typeof tinyInput>>;
    let tiny: TinyWarehouse;
    let wh: Warehouse;
    beforeAll(async () => {
      input = await tinyInput();
      tiny = await tinyWarehouse(engine, input.input, false);
      wh = await tiny.db.open();
    });
    afterAll(async () => {
      await wh?.close();
      await tiny?.db.drop();
      input?.cleanup();
    });

    const monthsOfRows = async () =>
      wh.query<{ client_id: string; country_code: string; client_type: string; months: string }>(
        `SELECT client_id, country_code, region_name, client_type, CAST(months AS VARCHAR) AS months,
                CAST(ussd_months AS VARCHAR) AS ussd_months, CAST(api_months AS VARCHAR) AS api_months
           FROM dwh.agg_client_days ORDER BY client_id, country_code, region_name, client_type`,
      );

    it("hold the months of each row's client months, and are written again on rows that lack them", async () => {
      const [calendar] = await wh.query<{ first_date_key: number }>(
        "SELECT first_date_key FROM dwh.agg_activity_calendar",
      );
      const first = Number(calendar?.first_date_key);
      const expected = await wh.query<{ client_id: string; month_key: number }>(
        `SELECT client_id, country_code, region_name, client_type, month_key FROM dwh.agg_client_monthly`,
      );
      const byRow = new Map<string, bigint>();
      for (const r of expected as Record<string, unknown>[]) {
        const key = [r.client_id, r.country_code, r.region_name, r.client_type].join("|");
        byRow.set(key, (byRow.get(key) ?? 0n) | (1n << BigInt(activityMonthBit(Number(r.month_key), first))));
      }
      const written = await monthsOfRows();
      expect(written.length).toBe(byRow.size);
      for (const r of written as Record<string, unknown>[])
        expect(BigInt(String(r.months)), String(r.client_id)).toBe(
          byRow.get([r.client_id, r.country_code, r.region_name, r.client_type].join("|")),
        );

      // A warehouse whose activity rows were written before the month bits: momo init writes them again.
      await wh.exec("UPDATE dwh.agg_client_days SET months = NULL");
      await expect(checkServedSchema(wh)).rejects.toThrow(
        /without their months .*: run `momo init` to write them$/,
      );
      expect(await backfillServingAggregates(wh)).toBe(true);
      await expect(checkServedSchema(wh)).resolves.toBeUndefined();
      expect(await monthsOfRows()).toEqual(written);
      expect(await backfillServingAggregates(wh)).toBe(false);

      // Activity rows written before their channel months: likewise.
      await wh.exec("UPDATE dwh.agg_client_days SET ussd_months = NULL, api_months = NULL");
      await expect(checkServedSchema(wh)).rejects.toThrow(
        /without their channel months .*: run `momo init` to write them$/,
      );
      expect(await backfillServingAggregates(wh)).toBe(true);
      await expect(checkServedSchema(wh)).resolves.toBeUndefined();
      expect(await monthsOfRows()).toEqual(written);
      expect(written.some((r) => Number((r as Record<string, unknown>).ussd_months) > 0)).toBe(true);

      // Client months written before their channel days (the column added NULL by init's schema): likewise.
      await wh.exec(`ALTER TABLE dwh.agg_client_monthly DROP COLUMN ussd_days;
        ALTER TABLE dwh.agg_client_monthly ADD COLUMN ussd_days BIGINT`);
      await expect(checkServedSchema(wh)).rejects.toThrow(
        /client months without their channel days .*: run `momo init` to write them$/,
      );
      expect(await backfillServingAggregates(wh)).toBe(true);
      await expect(checkServedSchema(wh)).resolves.toBeUndefined();
    });
  });
}
