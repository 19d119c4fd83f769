import { SERVING_TABLES } from "../warehouse/schema.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";

/** What the API reads; a warehouse made by an older `momo init` may lack the ML tables or the aggregates. */
const REQUIRED = [
  "dwh.dim_date",
  "dwh.dim_client",
  "dwh.fact_transactions",
  "dwh.fact_daily_client_summary",
  "dwh.ml_models",
  "dwh.fact_fraud_scores",
  "dwh.client_segments",
  "dwh_audit.etl_batches",
  ...SERVING_TABLES.map((table) => `dwh.${table}`),
];

/** Fails with the command to run when a relation the API reads is missing (the API itself cannot create it). */
export async function checkServedSchema(wh: Warehouse): Promise<void> {
  const missing: string[] = [];
  for (const relation of REQUIRED) {
    try {
      await wh.query(`SELECT 1 FROM ${relation} LIMIT 1`);
    } catch {
      missing.push(relation);
    }
  }
  if (missing.length === REQUIRED.length) {
    throw new Error(
      `the warehouse at ${wh.location} has no schema yet: run \`momo init\` or \`momo pipeline\` first`,
    );
  }
  if (missing.length > 0) {
    throw new Error(
      `the warehouse at ${wh.location} lacks ${missing.join(", ")}: run \`momo init\` to bring its schema up to date`,
    );
  }
  // Activity rows written before their month bits would count no client in a range's whole months.
  let lacking: boolean;
  try {
    const [row] = await wh.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM (SELECT 1 FROM dwh.agg_client_days WHERE months IS NULL LIMIT 1) AS m",
    );
    lacking = Number(row?.n ?? 0) > 0;
  } catch {
    lacking = true;
  }
  if (lacking) {
    throw new Error(
      `the warehouse at ${wh.location} has activity rows without their months (dwh.agg_client_days.months): run \`momo init\` to write them`,
    );
  }
}
