import { servingTablesOf } from "../warehouse/schema.ts";
import type { Engine, Warehouse } from "../warehouse/warehouse.ts";

/** What the API reads; a warehouse made by an older `momo init` may lack the ML tables or the aggregates. */
const REQUIRED = (engine: Engine) => [
  "dwh.dim_date",
  "dwh.dim_client",
  "dwh.fact_transactions",
  "dwh.fact_daily_client_summary",
  "dwh.ml_models",
  "dwh.fact_fraud_scores",
  "dwh.client_segments",
  "dwh_audit.etl_batches",
  ...servingTablesOf(engine).map((table) => `dwh.${table}`),
];

/** Fails with the command to run when a relation the API reads is missing (the API itself cannot create it). */
export async function checkServedSchema(wh: Warehouse): Promise<void> {
  const missing: string[] = [];
  const required = REQUIRED(wh.engine);
  for (const relation of required) {
    try {
      await wh.query(`SELECT 1 FROM ${relation} LIMIT 1`);
    } catch {
      missing.push(relation);
    }
  }
  if (missing.length === required.length) {
    throw new Error(
      `the warehouse at ${wh.location} has no schema yet: run \`momo init\` or \`momo pipeline\` first`,
    );
  }
  if (missing.length > 0) {
    throw new Error(
      `the warehouse at ${wh.location} lacks ${missing.join(", ")}: run \`momo init\` to bring its schema up to date`,
    );
  }
  // Aggregate rows written before some of their columns: the counts read from them would be wrong or fail.
  const outdated: [string, string][] = [
    [
      "SELECT 1 FROM dwh.agg_client_days WHERE months IS NULL",
      "activity rows without their months (dwh.agg_client_days.months)",
    ],
    [
      "SELECT 1 FROM dwh.agg_client_days WHERE ussd_months IS NULL",
      "activity rows without their channel months (dwh.agg_client_days.ussd_months …)",
    ],
    [
      "SELECT 1 FROM dwh.agg_client_monthly WHERE ussd_days IS NULL",
      "client months without their channel days (dwh.agg_client_monthly.ussd_days …)",
    ],
    [
      "SELECT 1 FROM dwh.dim_client WHERE is_current AND NOT EXISTS (SELECT 1 FROM dwh.agg_client_registrations)",
      "clients without their registrations per month (dwh.agg_client_registrations)",
    ],
    [
      "SELECT 1 FROM dwh.fact_daily_client_summary WHERE NOT EXISTS (SELECT 1 FROM dwh.agg_facet_leaders)",
      "facts without their leading clients per channel and service (dwh.agg_facet_leaders)",
    ],
  ];
  if (wh.engine === "duckdb")
    outdated.push([
      "SELECT 1 FROM dwh.dim_client WHERE is_current AND NOT EXISTS (SELECT 1 FROM dwh.agg_client_search)",
      "clients without their search names (dwh.agg_client_search)",
    ]);
  if (wh.engine === "postgres")
    outdated.push([
      "SELECT 1 FROM dwh.fact_daily_client_summary WHERE NOT EXISTS (SELECT 1 FROM dwh.agg_active_groups)",
      "facts without their sets of active clients (dwh.agg_active_sets …)",
    ]);
  for (const [rows, what] of outdated) {
    let lacking: boolean;
    try {
      const [row] = await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM (${rows} LIMIT 1) AS m`);
      lacking = Number(row?.n ?? 0) > 0;
    } catch {
      lacking = true;
    }
    if (lacking)
      throw new Error(`the warehouse at ${wh.location} has ${what}: run \`momo init\` to write them`);
  }
}
