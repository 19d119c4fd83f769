import type { Warehouse } from "../warehouse/warehouse.ts";

export type ModelKind = "fraud_gbdt" | "segment_kmeans";

export interface NewModel {
  readonly kind: ModelKind;
  readonly trainedFrom: string | null;
  readonly trainedTo: string | null;
  readonly featureNames: readonly string[];
  readonly parameters: object;
  readonly metrics: object;
  readonly decisionThreshold: number | null;
  readonly model: object;
}

export interface RegisteredModel {
  readonly kind: ModelKind;
  readonly version: number;
  readonly createdAt: string;
  readonly trainedFrom: string | null;
  readonly trainedTo: string | null;
  readonly featureNames: string[];
  readonly parameters: Record<string, unknown>;
  readonly metrics: Record<string, unknown>;
  readonly decisionThreshold: number | null;
  readonly model: unknown;
}

/** Writes the model as the next version of its kind and makes it the active one; returns the version. */
export async function registerModel(tx: Warehouse, model: NewModel): Promise<number> {
  const [row] = await tx.query<{ next: number }>(
    "SELECT COALESCE(MAX(model_version), 0) + 1 AS next FROM dwh.ml_models WHERE model_kind = $1",
    [model.kind],
  );
  const version = Number(row?.next ?? 1);
  await tx.query("UPDATE dwh.ml_models SET is_active = false WHERE model_kind = $1 AND is_active", [
    model.kind,
  ]);
  await tx.query(
    `INSERT INTO dwh.ml_models (model_kind, model_version, trained_from, trained_to, feature_names, parameters,
       metrics, decision_threshold, model_json, is_active)
     VALUES ($1, $2, CAST($3 AS DATE), CAST($4 AS DATE), $5, $6, $7, $8, $9, true)`,
    [
      model.kind,
      version,
      model.trainedFrom,
      model.trainedTo,
      JSON.stringify(model.featureNames),
      JSON.stringify(model.parameters),
      JSON.stringify(model.metrics),
      model.decisionThreshold,
      JSON.stringify(model.model),
    ],
  );
  return version;
}

interface ModelRow {
  model_kind: ModelKind;
  model_version: number;
  created_at: string;
  trained_from: string | null;
  trained_to: string | null;
  feature_names: string;
  parameters: string;
  metrics: string;
  decision_threshold: number | null;
  model_json: string;
}

/** The active model of a kind, or a given version; null when none was trained. */
export async function findModel(
  wh: Warehouse,
  kind: ModelKind,
  version?: number,
): Promise<RegisteredModel | null> {
  const rows = await wh.query<ModelRow>(
    `SELECT model_kind, model_version, created_at, trained_from, trained_to, feature_names, parameters, metrics,
            decision_threshold, model_json
       FROM dwh.ml_models
      WHERE model_kind = $1 AND ${version === undefined ? "is_active" : "model_version = $2"}`,
    version === undefined ? [kind] : [kind, version],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    kind: row.model_kind,
    version: Number(row.model_version),
    createdAt: row.created_at,
    trainedFrom: row.trained_from,
    trainedTo: row.trained_to,
    featureNames: JSON.parse(row.feature_names),
    parameters: JSON.parse(row.parameters),
    metrics: JSON.parse(row.metrics),
    decisionThreshold: row.decision_threshold === null ? null : Number(row.decision_threshold),
    model: JSON.parse(row.model_json),
  };
}

/** The active model of a kind; an error that says which command makes one when there is none. */
export async function requireModel(
  wh: Warehouse,
  kind: ModelKind,
  version?: number,
): Promise<RegisteredModel> {
  const model = await findModel(wh, kind, version);
  if (model) return model;
  const command = kind === "fraud_gbdt" ? "momo ml train" : "momo segment";
  throw new Error(
    version === undefined
      ? `no ${kind} model in dwh.ml_models yet: run \`${command}\` first`
      : `dwh.ml_models holds no ${kind} model version ${version}`,
  );
}
