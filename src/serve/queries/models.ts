import type { Warehouse } from "../../warehouse/warehouse.ts";

export type ModelKind = "fraud_gbdt" | "segment_kmeans";

/** A model of the registry dwh.ml_models as the pages show it (the serialised model itself left out). */
export interface ModelInfo {
  readonly kind: ModelKind;
  readonly version: number;
  readonly createdAt: string;
  readonly trainedFrom: string | null;
  readonly trainedTo: string | null;
  readonly decisionThreshold: number | null;
  readonly featureNames: readonly string[];
  /** The registry's metrics JSON, parsed; kept as text under `raw` if it is not JSON. */
  readonly metrics: Record<string, unknown>;
}

/** The active model of `kind`, or null before `momo ml train` has run. */
export async function activeModel(wh: Warehouse, kind: ModelKind): Promise<ModelInfo | null> {
  const [row] = await wh.query<{
    model_version: number;
    created_at: string;
    trained_from: string | null;
    trained_to: string | null;
    decision_threshold: number | null;
    feature_names: string;
    metrics: string;
  }>(
    `SELECT model_version, created_at, trained_from, trained_to, decision_threshold, feature_names, metrics
       FROM dwh.ml_models
      WHERE model_kind = $1 AND is_active
      ORDER BY model_version DESC
      LIMIT 1`,
    [kind],
  );
  if (!row) return null;
  return {
    kind,
    version: Number(row.model_version),
    createdAt: row.created_at,
    trainedFrom: row.trained_from,
    trainedTo: row.trained_to,
    decisionThreshold: row.decision_threshold === null ? null : Number(row.decision_threshold),
    featureNames: parseFeatureNames(row.feature_names),
    metrics: parseObject(row.metrics),
  };
}

function parseFeatureNames(text: string): string[] {
  const parsed = parseJson(text);
  if (Array.isArray(parsed)) return parsed.map(String);
  return text
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

function parseObject(text: string): Record<string, unknown> {
  const parsed = parseJson(text);
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : { raw: text };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
