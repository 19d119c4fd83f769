import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { type ScoreResult, scoreFraud } from "../../src/ml/fraud/score-fraud.ts";
import { type TrainFraudResult, trainFraudModel } from "../../src/ml/fraud/train-fraud.ts";
import { findModel } from "../../src/ml/registry.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-fraud-"));
const PARAMS = { rounds: 40, learningRate: 0.2, earlyStoppingRounds: 10 };
const runs = new Map<
  Engine,
  { db: TestDatabase; wh: Warehouse; trained: TrainFraudResult; scored: ScoreResult }
>();

beforeAll(async () => {
  const input = join(root, "raw");
  await generate(resolveGenerateOptions({ scale: "tiny", seed: 21, dirtyRate: 0, out: input }));
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    const wh = await db.open();
    await runEtl(wh, { input });
    const trained = await trainFraudModel(wh, { params: PARAMS });
    const scored = await scoreFraud(wh);
    runs.set(engine, { db, wh, trained, scored });
  }
}, 600_000);

afterAll(async () => {
  for (const { db, wh } of runs.values()) {
    await wh.close();
    await db.drop();
  }
  rmSync(root, { recursive: true, force: true });
});

const get = (engine: Engine) =>
  runs.get(engine) as { wh: Warehouse; trained: TrainFraudResult; scored: ScoreResult };
const one = async (wh: Warehouse, sql: string) => Number(Object.values((await wh.query(sql))[0] ?? {})[0]);

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo ml train and score on ${engine}`, () => {
    it("trains on the earliest months, thresholds on the next, tests on the latest", () => {
      const { trained } = get(engine);
      expect(trained.rows.train).toBeGreaterThan(trained.rows.valid);
      expect(trained.rows.valid).toBeGreaterThan(0);
      expect(trained.rows.test).toBeGreaterThan(0);
      expect(trained.split.validFrom < trained.split.testFrom).toBe(true);
      expect(trained.variants.map((v) => v.method)).toEqual(["weighting", "smote"]);
      const smote = trained.variants.find((v) => v.method === "smote");
      expect(smote?.trainRows).toBeGreaterThan(trained.rows.train);
      for (const v of trained.variants) {
        expect(v.test.prAuc).toBeGreaterThan(0.3);
        expect(v.test.rocAuc).toBeGreaterThan(0.9);
        const c = v.test.confusion;
        expect(c.tp + c.fp + c.tn + c.fn).toBe(trained.rows.test);
        expect(v.test.recallByFraudType.reduce((s, g) => s + g.positives, 0)).toBe(v.test.frauds);
      }
    });

    it("registers the kept model as the active fraud_gbdt version with its threshold and metrics", async () => {
      const { wh, trained } = get(engine);
      const model = await findModel(wh, "fraud_gbdt");
      expect(model?.version).toBe(trained.modelVersion);
      expect(model?.decisionThreshold).toBeCloseTo(trained.threshold, 12);
      expect(model?.featureNames).toEqual(trained.featureNames);
      expect((model?.metrics as { kept?: string } | undefined)?.kept).toBe(trained.kept);
    });

    it("scores every transaction once, alerts exactly at the threshold, with reasons for alerts", async () => {
      const { wh, scored } = get(engine);
      const facts = await one(wh, "SELECT COUNT(*) FROM dwh.fact_transactions");
      expect(scored.scored).toBe(facts);
      expect(await one(wh, "SELECT COUNT(DISTINCT transaction_id) FROM dwh.fact_fraud_scores")).toBe(facts);
      const t = scored.threshold;
      expect(
        await one(wh, `SELECT COUNT(*) FROM dwh.fact_fraud_scores WHERE is_alert <> (fraud_score >= ${t})`),
      ).toBe(0);
      expect(await one(wh, "SELECT COUNT(*) FROM dwh.fact_fraud_scores WHERE is_alert")).toBe(scored.alerts);
      const alerts = await wh.query<{ top_reasons: string; transaction_id: string }>(
        "SELECT top_reasons, transaction_id FROM dwh.fact_fraud_scores WHERE is_alert ORDER BY fraud_score DESC LIMIT 20",
      );
      expect(alerts.length).toBeGreaterThan(0);
      for (const a of alerts) {
        const reasons = JSON.parse(a.top_reasons) as { feature: string; contribution: number }[];
        expect(reasons.length, a.transaction_id).toBe(3);
        expect(reasons[0]?.contribution).toBeGreaterThanOrEqual(reasons[1]?.contribution as number);
        expect(get(engine).trained.featureNames).toContain(reasons[0]?.feature);
      }
    });

    it("keys each score to its transaction's client version and day", async () => {
      const { wh } = get(engine);
      expect(
        await one(
          wh,
          `SELECT COUNT(*) FROM dwh.fact_fraud_scores AS s JOIN dwh.fact_transactions AS f
              ON f.transaction_key = s.transaction_key
           WHERE f.transaction_id <> s.transaction_id OR f.client_key <> s.client_key OR f.date_key <> s.date_key`,
        ),
      ).toBe(0);
    });

    it("catches more fraud than it raises false alerts", async () => {
      const { wh } = get(engine);
      const [row] = await wh.query<{ tp: number; fp: number }>(
        `SELECT SUM(CASE WHEN f.is_fraud THEN 1 ELSE 0 END) AS tp, SUM(CASE WHEN f.is_fraud THEN 0 ELSE 1 END) AS fp
           FROM dwh.fact_fraud_scores AS s JOIN dwh.fact_transactions AS f ON f.transaction_key = s.transaction_key
          WHERE s.is_alert`,
      );
      expect(Number(row?.tp)).toBeGreaterThan(Number(row?.fp));
    });

    it("rescoring a range replaces its scores instead of adding rows", async () => {
      const { wh, trained } = get(engine);
      const before = await one(wh, "SELECT COUNT(*) FROM dwh.fact_fraud_scores");
      const again = await scoreFraud(wh, { from: trained.split.testFrom });
      expect(again.scored).toBeGreaterThan(0);
      expect(again.scored).toBeLessThan(before);
      expect(await one(wh, "SELECT COUNT(*) FROM dwh.fact_fraud_scores")).toBe(before);
      // The dashboards' score counts follow, on the rescored days and the others.
      const counts = async (table: string, scored: string, alerts: string) =>
        (
          await wh.query(
            `SELECT date_key, SUM(${scored}) AS scored, SUM(${alerts}) AS alerts FROM ${table}
              GROUP BY date_key ORDER BY date_key`,
          )
        ).map((r) => [Number(r.date_key), Number(r.scored), Number(r.alerts)]);
      const scored = await counts("dwh.fact_fraud_scores", "1", "CASE WHEN is_alert THEN 1 ELSE 0 END");
      expect(scored.length).toBeGreaterThan(100);
      // Both the rows of all services and channels and those of each add up to the scores.
      for (const rows of ["service_key IS NULL", "service_key IS NOT NULL AND channel_key IS NOT NULL"])
        expect(await counts(`dwh.agg_daily_scores WHERE ${rows}`, "scored", "alerts"), rows).toEqual(scored);
    });

    it("refuses a model version that was never trained", async () => {
      const { wh } = get(engine);
      await expect(scoreFraud(wh, { version: 99 })).rejects.toThrow(/no fraud_gbdt model version 99/);
    });
  });
}
