import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Config } from "../../src/config/config.ts";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { openReadOnlyWarehouse } from "../../src/serve/read-only.ts";
import { createServer } from "../../src/serve/server.ts";
import { refreshScoreAggregates } from "../../src/warehouse/score-aggregates.ts";
import { refreshSegmentAggregates } from "../../src/warehouse/segment-aggregates.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, type TestDatabase } from "../support/engines.ts";

/** The tiny generated data set, written once per test file and loaded into each engine's own database. */
export async function tinyInput(): Promise<{ input: string; cleanup(): void }> {
  const root = mkdtempSync(join(tmpdir(), "momo-serve-"));
  const input = join(root, "raw");
  await generate(resolveGenerateOptions({ scale: "tiny", seed: 5, out: input }));
  return { input, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface TinyWarehouse {
  readonly db: TestDatabase;
  readonly engine: Engine;
}

/** A fresh database of `engine` holding the tiny data set, and ML outputs when `withModels`. */
export async function tinyWarehouse(
  engine: Engine,
  input: string,
  withModels: boolean,
): Promise<TinyWarehouse> {
  const db = await createTestDatabase(engine);
  const wh = await db.open();
  try {
    await runEtl(wh, { input });
    if (withModels) await seedMlOutputs(wh);
  } finally {
    await wh.close();
  }
  return { db, engine };
}

export const FRAUD_THRESHOLD = 0.5;
export const SEGMENT_NAMES = ["Champions", "Loyal", "At risk", "Dormant"] as const;
export const SEGMENT_DATES = ["2025-06-30", "2025-12-31"] as const;
/** Metrics shaped as `momo ml train` registers them (src/ml/fraud/train-fraud.ts), shortened. */
export const FRAUD_METRICS = {
  kept: "smote",
  split: { firstMonth: "2024-01", validFrom: "2025-07-01", testFrom: "2025-10-01" },
  variants: [
    {
      method: "weights",
      validation: { threshold: 0.61, precision: 0.88, recall: 0.7, f1: 0.78, prAuc: 0.8 },
      test: { rows: 9000, frauds: 30, precision: 0.85, recall: 0.7, f1: 0.77, prAuc: 0.79, rocAuc: 0.97 },
    },
    {
      method: "smote",
      validation: { threshold: 0.5, precision: 0.92, recall: 0.81, f1: 0.86, prAuc: 0.88 },
      test: {
        rows: 9000,
        frauds: 30,
        threshold: 0.5,
        precision: 0.9,
        recall: 0.8,
        f1: 0.847,
        prAuc: 0.86,
        rocAuc: 0.98,
        confusion: { tp: 24, fp: 3, tn: 8967, fn: 6 },
        recallByFraudType: [
          { group: "account_takeover", positives: 10, detected: 9, recall: 0.9 },
          { group: "mule_account", positives: 20, detected: 15, recall: 0.75 },
        ],
      },
    },
  ],
  featureImportance: [
    { feature: "night_time", gain: 12.5 },
    { feature: "amount_zscore_30d", gain: 40.25 },
  ],
};

export const REASONS = [
  { feature: "amount_zscore_30d", value: 3.2, contribution: 0.41 },
  { feature: "night_time", value: 1, contribution: 0.12 },
];

/**
 * What `momo ml train` would leave, made up deterministically: a fraud model scoring every transaction (the
 * labelled frauds high), and two segmentations of the active clients, so the pages have something to draw.
 */
export async function seedMlOutputs(wh: Warehouse): Promise<void> {
  await wh.query(
    `INSERT INTO dwh.ml_models (model_kind, model_version, trained_from, trained_to, feature_names, parameters,
                                metrics, decision_threshold, model_json, is_active)
     VALUES ('fraud_gbdt', 1, DATE '2024-01-01', DATE '2025-06-30', $1, '{}', $2, $3, '{}', true),
            ('segment_kmeans', 1, DATE '2024-01-01', DATE '2025-12-31', '["recency","frequency","monetary"]', '{}',
             '{"inertia": 1234.5}', NULL, '{}', true)`,
    [JSON.stringify(REASONS.map((r) => r.feature)), JSON.stringify(FRAUD_METRICS), FRAUD_THRESHOLD],
  );
  const noise = "CAST(t.transaction_key * 7919 % 1000 AS DOUBLE PRECISION) / 1000";
  const score = `CASE WHEN t.is_fraud THEN 0.6 + 0.4 * ${noise} ELSE 0.55 * ${noise} END`;
  await wh.query(
    `INSERT INTO dwh.fact_fraud_scores (transaction_id, transaction_key, date_key, client_key, model_version,
                                        fraud_score, is_alert, top_reasons)
     SELECT t.transaction_id, t.transaction_key, t.date_key, t.client_key, 1, ${score}, ${score} >= $1, $2
       FROM dwh.fact_transactions AS t`,
    [FRAUD_THRESHOLD, JSON.stringify(REASONS)],
  );
  // As `momo ml score` does: without statistics PostgreSQL joins the scores to the facts by nested loops
  // (seconds per reference query on the tiny warehouse; the filter tests timed out).
  if (wh.engine === "postgres") await wh.exec("ANALYZE dwh.fact_fraud_scores");
  await refreshScoreAggregates(wh, 1);
  for (const [snapshot, asOf] of SEGMENT_DATES.entries()) {
    const segment = `(c.client_key + ${snapshot}) % ${SEGMENT_NAMES.length}`;
    const names = SEGMENT_NAMES.map((name, i) => `WHEN ${i} THEN '${name}'`).join(" ");
    await wh.query(
      `INSERT INTO dwh.client_segments (client_id, client_key, as_of_date, model_version, recency_days, frequency,
                                        monetary, r_score, f_score, m_score, segment_id, segment_name,
                                        centroid_distance)
       SELECT c.client_id, c.client_key, CAST($1 AS DATE), 1, 10, a.frequency, a.monetary, 3, 3, 3,
              ${segment}, CASE ${segment} ${names} END, 0.5
         FROM dwh.dim_client AS c
         JOIN (SELECT client_id, SUM(success_count) AS frequency, SUM(amount_success) AS monetary
                 FROM dwh.fact_daily_client_summary
                WHERE date_key <= CAST($2 AS INTEGER)
                GROUP BY client_id) AS a ON a.client_id = c.client_id
        WHERE c.is_current`,
      [asOf, Number(asOf.replaceAll("-", ""))],
    );
    if (wh.engine === "postgres") await wh.exec("ANALYZE dwh.client_segments");
    await refreshSegmentAggregates(wh, asOf);
  }
}

/** The configuration a user would set to point momo at the test database. */
export function configFor(db: TestDatabase): Config {
  return Object.freeze({
    engine: db.engine,
    dataDir: tmpdir(),
    duckdbPath: db.engine === "duckdb" ? db.location : ":memory:",
    databaseUrl: db.engine === "postgres" ? db.location : "postgres://postgres@127.0.0.1:5432/unused",
  });
}

export interface Api {
  readonly app: FastifyInstance;
  /** The API's own read-only connection, for the tests' reference queries. */
  readonly wh: Warehouse;
  get<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** The API over a read-only connection to `db`, answering through fastify's inject (no socket). */
export async function startApi(db: TestDatabase): Promise<Api> {
  const wh = await openReadOnlyWarehouse(configFor(db));
  const app = await createServer({ wh, referenceMaxAgeMs: 0 });
  return {
    app,
    wh,
    async get<T>(url: string) {
      const response = await app.inject({ method: "GET", url });
      return { status: response.statusCode, body: response.json() as T };
    },
    async close() {
      await app.close();
      await wh.close();
    },
  };
}
