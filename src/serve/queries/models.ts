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
  /** Fraud models: the figures worth showing, read from `metrics`. */
  readonly summary?: ModelSummary;
}

/** The active model of `kind`, or null before `momo ml train` (fraud) or `momo segment` has run. */
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
  const metrics = parseObject(row.metrics);
  return {
    kind,
    version: Number(row.model_version),
    createdAt: row.created_at,
    trainedFrom: row.trained_from,
    trainedTo: row.trained_to,
    decisionThreshold: row.decision_threshold === null ? null : Number(row.decision_threshold),
    featureNames: parseFeatureNames(row.feature_names),
    metrics,
    ...(kind === "fraud_gbdt" ? { summary: summariseFraudMetrics(metrics) } : {}),
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

export interface ModelSummary {
  /** Headline figures, held-out test first when the registry holds them. */
  readonly figures: readonly { readonly label: string; readonly value: number | string }[];
  readonly recallByFraudType: readonly {
    readonly fraudType: string;
    readonly frauds: number;
    readonly detected: number;
    readonly recall: number;
  }[];
  /** Largest gain first, at most 12. */
  readonly featureImportance: readonly { readonly feature: string; readonly gain: number }[];
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => v !== null && typeof v === "object" && !Array.isArray(v);
const asNumber = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * What to show of a fraud model's metrics. `momo ml train` stores the imbalance treatment kept, and per
 * treatment its validation and held-out test metrics; other shapes fall back to their scalar entries.
 */
export function summariseFraudMetrics(metrics: Loose): ModelSummary {
  const variants = Array.isArray(metrics.variants) ? metrics.variants.filter(isObject) : [];
  const kept = variants.find((v) => v.method === metrics.kept) ?? variants[0];
  const test = isObject(kept?.test) ? kept.test : undefined;
  const validation = isObject(kept?.validation) ? kept.validation : undefined;
  const figures: { label: string; value: number | string }[] = [];
  const add = (label: string, value: unknown) => {
    const n = asNumber(value);
    if (n !== undefined) figures.push({ label, value: n });
    else if (typeof value === "string") figures.push({ label, value });
  };
  if (test || validation) {
    add("imbalance treatment", metrics.kept);
    for (const name of ["precision", "recall", "f1", "prAuc", "rocAuc"]) add(`test ${name}`, test?.[name]);
    add("test transactions", test?.rows);
    add("test frauds", test?.frauds);
    const confusion = isObject(test?.confusion) ? test.confusion : {};
    for (const name of ["tp", "fp", "fn", "tn"]) add(`test ${name}`, confusion[name]);
    for (const name of ["precision", "recall", "prAuc"]) add(`validation ${name}`, validation?.[name]);
  } else {
    for (const [key, value] of Object.entries(metrics)) {
      if (isObject(value)) for (const [inner, v] of Object.entries(value)) add(`${key}.${inner}`, v);
      else add(key, value);
    }
  }
  const groups = Array.isArray(test?.recallByFraudType) ? test.recallByFraudType.filter(isObject) : [];
  const importance = Array.isArray(metrics.featureImportance)
    ? metrics.featureImportance
        .filter(isObject)
        .map((f) => ({ feature: String(f.feature), gain: Number(f.gain) }))
    : isObject(metrics.featureImportance)
      ? Object.entries(metrics.featureImportance).map(([feature, gain]) => ({ feature, gain: Number(gain) }))
      : [];
  return {
    figures,
    recallByFraudType: groups.map((g) => ({
      fraudType: String(g.group),
      frauds: Number(g.positives ?? 0),
      detected: Number(g.detected ?? 0),
      recall: Number(g.recall ?? 0),
    })),
    featureImportance: importance
      .filter((f) => Number.isFinite(f.gain))
      .sort((a, b) => b.gain - a.gain)
      .slice(0, 12),
  };
}
