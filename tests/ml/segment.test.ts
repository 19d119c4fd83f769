import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { findModel } from "../../src/ml/registry.ts";
import { SEGMENT_NAMES } from "../../src/ml/segmentation/naming.ts";
import {
  type SegmentResult,
  segmentClients,
  segmentMigration,
} from "../../src/ml/segmentation/segment-clients.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-segment-"));
const loaded = new Map<Engine, { db: TestDatabase; wh: Warehouse; first: SegmentResult }>();

beforeAll(async () => {
  const input = join(root, "raw");
  await generate(resolveGenerateOptions({ scale: "tiny", seed: 5, dirtyRate: 0, out: input }));
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    const wh = await db.open();
    await runEtl(wh, { input });
    const first = await segmentClients(wh, { asOf: "2025-06-30", seed: 3 });
    loaded.set(engine, { db, wh, first });
  }
});

afterAll(async () => {
  for (const { db, wh } of loaded.values()) {
    await wh.close();
    await db.drop();
  }
  rmSync(root, { recursive: true, force: true });
});

const get = (engine: Engine) => loaded.get(engine) as { wh: Warehouse; first: SegmentResult };

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo segment on ${engine}`, () => {
    it("segments every client with a successful transaction in the 365 days to the as-of day", async () => {
      const { wh, first } = get(engine);
      const [active] = await wh.query<{ n: number }>(
        `SELECT COUNT(DISTINCT client_id) AS n FROM dwh.fact_daily_client_summary
          WHERE success_count > 0 AND date_key > 20240630 AND date_key <= 20250630`,
      );
      expect(first.clients).toBe(Number(active?.n));
      const [stored] = await wh.query<{ n: number; ids: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT client_id) AS ids FROM dwh.client_segments
          WHERE as_of_date = CAST('2025-06-30' AS DATE)`,
      );
      expect(Number(stored?.n)).toBe(first.clients);
      expect(Number(stored?.ids)).toBe(first.clients);
    });

    it("names five segments once each, sizes adding up, Champions more valuable than Dormant", () => {
      const { first } = get(engine);
      expect(first.segments.map((s) => s.name).sort()).toEqual([...SEGMENT_NAMES].sort());
      expect(first.segments.reduce((sum, s) => sum + s.clients, 0)).toBe(first.clients);
      const by = Object.fromEntries(first.segments.map((s) => [s.name, s.centroid]));
      expect(by.Champions?.monetary).toBeGreaterThan(by.Dormant?.monetary as number);
      expect(by.Champions?.recencyDays).toBeLessThan(by.Dormant?.recencyDays as number);
    });

    it("scores recency, frequency and money in quintiles and keeps RFM consistent with them", async () => {
      const rows = await get(engine).wh.query<{ r: number; f_lo: number; f_hi: number }>(
        `SELECT f_score AS r, MIN(frequency) AS f_lo, MAX(frequency) AS f_hi FROM dwh.client_segments
          GROUP BY f_score ORDER BY f_score`,
      );
      expect(rows.map((r) => Number(r.r))).toEqual([1, 2, 3, 4, 5]);
      for (let i = 1; i < rows.length; i++)
        expect(Number(rows[i]?.f_lo)).toBeGreaterThanOrEqual(Number(rows[i - 1]?.f_hi));
    });

    it("registers the model, reruns the same day as a new active version replacing its rows", async () => {
      const { wh, first } = get(engine);
      const again = await segmentClients(wh, { asOf: "2025-06-30", seed: 3 });
      expect(again.modelVersion).toBe(first.modelVersion + 1);
      expect(again.segments).toEqual(first.segments);
      const model = await findModel(wh, "segment_kmeans");
      expect(model?.version).toBe(again.modelVersion);
      const [rows] = await wh.query<{ n: number; versions: number }>(
        `SELECT COUNT(*) AS n, COUNT(DISTINCT model_version) AS versions FROM dwh.client_segments
          WHERE as_of_date = CAST('2025-06-30' AS DATE)`,
      );
      expect({ n: Number(rows?.n), versions: Number(rows?.versions) }).toEqual({
        n: first.clients,
        versions: 1,
      });
    });

    it("gives a migration matrix between two days whose cells add up on both sides", async () => {
      const { wh, first } = get(engine);
      const later = await segmentClients(wh, { asOf: "2025-12-31", seed: 3 });
      const cells = await segmentMigration(wh, "2025-06-30", "2025-12-31");
      const fromTotal = cells.filter((c) => c.from !== "(none)").reduce((s, c) => s + c.clients, 0);
      const toTotal = cells.filter((c) => c.to !== "(none)").reduce((s, c) => s + c.clients, 0);
      expect(fromTotal).toBe(first.clients);
      expect(toTotal).toBe(later.clients);
      const view = await wh.query<{ n: number; day: string }>(
        "SELECT COUNT(*) AS n, MIN(as_of_date) AS day FROM dwh.v_rfm_segmentation",
      );
      expect({ n: Number(view[0]?.n), day: String(view[0]?.day) }).toEqual({
        n: later.clients,
        day: "2025-12-31",
      });
    });

    it("refuses a bad as-of day and an impossible k", async () => {
      const { wh } = get(engine);
      await expect(segmentClients(wh, { asOf: "2025-02-30" })).rejects.toThrow(/not a calendar date/);
      await expect(segmentClients(wh, { k: 0 })).rejects.toThrow(/--k must be an integer >= 1/);
    });
  });
}

describe.runIf(ENGINES_UNDER_TEST.length === 2)("segments on DuckDB and PostgreSQL", () => {
  it("put every client in the same segment", async () => {
    const read = (engine: Engine) =>
      get(engine).wh.query(
        `SELECT client_id, segment_name, r_score, f_score, m_score, CAST(monetary AS VARCHAR) AS monetary
           FROM dwh.client_segments WHERE as_of_date = CAST('2025-06-30' AS DATE) ORDER BY client_id`,
      );
    expect(await read("postgres")).toEqual(await read("duckdb"));
  });
});
