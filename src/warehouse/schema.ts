import { existsSync, readFileSync } from "node:fs";
import type { Engine, Warehouse } from "./warehouse.ts";

export const WAREHOUSE_SCHEMA = "dwh";
export const AUDIT_SCHEMA = "dwh_audit";
export const AUDIT_TABLES = ["etl_batches", "etl_rejects", "client_change_events"] as const;

export const DIMENSION_TABLES = [
  "dim_date",
  "dim_time",
  "dim_client",
  "dim_service",
  "dim_channel",
  "dim_transaction_status",
  "dim_geography",
] as const;
export const FACT_TABLES = ["fact_transactions", "fact_daily_client_summary"] as const;
export const ML_TABLES = ["ml_models", "fact_fraud_scores", "client_segments"] as const;
export const SERVING_TABLES = [
  "agg_daily_kpi",
  "agg_monthly_kpi",
  "agg_client_days",
  "agg_client_monthly",
  "agg_cohort_monthly",
  "agg_client_registrations",
  "agg_segment_summary",
  "agg_segment_migration",
  "agg_daily_scores",
  "agg_monthly_scores",
  "agg_activity_calendar",
  "agg_facet_leaders",
] as const;
/** Dashboard aggregates of PostgreSQL alone (src/warehouse/active-sets.ts, serving-aggregates.ts). */
export const POSTGRES_SERVING_TABLES = [
  "agg_active_groups",
  "agg_active_members",
  "agg_active_cohorts",
  "agg_active_sets",
] as const;
/** Dashboard aggregates of DuckDB alone (serving-aggregates.ts). */
export const DUCKDB_SERVING_TABLES = ["agg_client_search"] as const;
/** The dashboard aggregates of an engine. */
export function servingTablesOf(engine: Engine): readonly string[] {
  return [...SERVING_TABLES, ...(engine === "postgres" ? POSTGRES_SERVING_TABLES : DUCKDB_SERVING_TABLES)];
}
export const VIEWS = ["v_kpi_overview", "v_rfm_segmentation"] as const;

interface Model {
  readonly name: string;
  /** Engines the model applies to; all when absent. */
  readonly engines?: readonly Engine[];
}

/** In dependency order. Each lives in `sql/<name>.<engine>.sql` when the dialects differ, else `sql/<name>.sql`. */
const MODELS: readonly Model[] = [
  { name: "schemas" },
  { name: "functions" },
  ...DIMENSION_TABLES.map((name) => ({ name })),
  ...FACT_TABLES.map((name) => ({ name })),
  { name: "ml" },
  { name: "serving" },
  { name: "facet_leaders" },
  { name: "client_search", engines: ["duckdb"] },
  ...VIEWS.map((name) => ({ name })),
  { name: "audit" },
  { name: "foreign_keys", engines: ["postgres"] },
  { name: "indexes", engines: ["postgres"] },
  { name: "active_sets", engines: ["postgres"] },
  { name: "comments" },
];

const SQL_DIR = new URL("./sql/", import.meta.url);

/** The SQL of one model for one engine: the engine's own variant if there is one, else the shared file. */
export function modelSql(name: string, engine: Engine): string {
  for (const file of [`${name}.${engine}.sql`, `${name}.sql`]) {
    const url = new URL(file, SQL_DIR);
    if (existsSync(url)) return readFileSync(url, "utf8");
  }
  throw new Error(`no SQL for model ${name} on ${engine} in ${SQL_DIR.pathname}`);
}

export function modelsFor(engine: Engine): string[] {
  return MODELS.filter((m) => !m.engines || m.engines.includes(engine)).map((m) => m.name);
}

/** Creates or completes the `dwh` schema in one transaction; every statement is idempotent. */
export async function applySchema(wh: Warehouse): Promise<string[]> {
  const applied = modelsFor(wh.engine);
  await wh.transaction(async (tx) => {
    for (const name of applied) await tx.exec(modelSql(name, wh.engine));
  });
  return applied;
}
