import { refreshSegmentAggregates } from "../../warehouse/segment-aggregates.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { dateKey } from "../features/split.ts";
import { registerModel } from "../registry.ts";
import { kmeans } from "./kmeans.ts";
import { nameSegments, rfmCentroids } from "./naming.ts";
import { lastSummaryDay, RFM_TABLE, type RfmData, readRfm, stageRfm } from "./rfm.ts";
import { LogStandardScaler } from "./scaling.ts";

export interface SegmentOptions {
  /** Day the segmentation describes, `YYYY-MM-DD` (default: the last day of the daily summary). */
  readonly asOf?: string;
  readonly k?: number;
  readonly restarts?: number;
  readonly seed?: number;
  /** Days of activity looked at, ending on the as-of day (default 365). */
  readonly windowDays?: number;
  readonly onStep?: (step: string) => void;
}

export interface SegmentSummary {
  readonly segmentId: number;
  readonly name: string;
  readonly clients: number;
  /** Centroid back in the features' units: days, transactions, currency. */
  readonly centroid: { readonly recencyDays: number; readonly frequency: number; readonly monetary: number };
}

export interface SegmentResult {
  readonly asOf: string;
  readonly modelVersion: number;
  readonly clients: number;
  readonly inertia: number;
  readonly iterations: number;
  readonly segments: readonly SegmentSummary[];
  readonly seconds: number;
}

const FEATURES = ["recency_days", "frequency", "monetary"] as const;

/**
 * RFM per client as of a day, K-means on the log-standardised measures, segments named from their
 * centroids, written to dwh.client_segments (replacing that day's rows) with the model in dwh.ml_models.
 */
export async function segmentClients(wh: Warehouse, options: SegmentOptions = {}): Promise<SegmentResult> {
  const started = performance.now();
  const { k = 5, restarts = 10, seed = 42, windowDays = 365, onStep = () => {} } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`--k must be an integer >= 1, got ${k}`);
  if (!Number.isInteger(windowDays) || windowDays < 1)
    throw new Error(`the window must be a whole number of days >= 1, got ${windowDays}`);
  const asOf = options.asOf ?? (await lastSummaryDay(wh));
  dateKey(asOf);
  return wh.transaction(async (tx) => {
    onStep(`RFM of the clients active in the ${windowDays} days to ${asOf}`);
    const rows = await stageRfm(tx, asOf, windowDays);
    if (rows < k)
      throw new Error(
        `${rows} clients had a successful transaction in the window to ${asOf}: fewer than k = ${k}`,
      );
    const rfm = await readRfm(tx, rows);
    await tx.exec(`DROP TABLE ${RFM_TABLE}`);
    onStep(`K-means, k = ${k}, ${restarts} restarts, on ${rows.toLocaleString("en-US")} clients`);
    const columns = [rfm.recencyDays, rfm.frequency, rfm.monetary];
    const scaler = LogStandardScaler.fit(columns, [...FEATURES]);
    const points = scaler.transform(columns);
    const clusters = kmeans(points, rows, FEATURES.length, { k, restarts, seed });
    const names = nameSegments(rfmCentroids(clusters.centroids, FEATURES.length));
    const segments = summarise(clusters.centroids, clusters.labels, names, scaler, k);
    onStep("writing dwh.client_segments");
    const version = await registerModel(tx, {
      kind: "segment_kmeans",
      trainedFrom: null,
      trainedTo: asOf,
      featureNames: [...FEATURES],
      parameters: { k, restarts, seed, windowDays, scaling: "log1p then z-score" },
      metrics: {
        clients: rows,
        inertia: clusters.inertia,
        iterations: clusters.iterations,
        converged: clusters.converged,
        segments: segments.map((s) => ({ name: s.name, clients: s.clients, centroid: s.centroid })),
      },
      decisionThreshold: null,
      model: { scaler: scaler.toJSON(), centroids: [...clusters.centroids], names },
    });
    await writeSegments(tx, asOf, version, rfm, clusters.labels, points, clusters.centroids, names);
    onStep("summing the segments for the dashboards");
    await refreshSegmentAggregates(tx, asOf);
    return {
      asOf,
      modelVersion: version,
      clients: rows,
      inertia: clusters.inertia,
      iterations: clusters.iterations,
      segments,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

function summarise(
  centroids: Float64Array,
  labels: Int32Array,
  names: readonly string[],
  scaler: LogStandardScaler,
  k: number,
): SegmentSummary[] {
  const counts = new Array<number>(k).fill(0);
  for (const label of labels) counts[label] = (counts[label] ?? 0) + 1;
  const unscale = (j: number, c: number) =>
    Math.expm1(
      (centroids[j * FEATURES.length + c] as number) * (scaler.stds[c] as number) +
        (scaler.means[c] as number),
    );
  return Array.from({ length: k }, (_, j) => ({
    segmentId: j,
    name: names[j] as string,
    clients: counts[j] as number,
    centroid: { recencyDays: unscale(j, 0), frequency: unscale(j, 1), monetary: unscale(j, 2) },
  }));
}

async function writeSegments(
  tx: Warehouse,
  asOf: string,
  version: number,
  rfm: RfmData,
  labels: Int32Array,
  points: Float64Array,
  centroids: Float64Array,
  names: readonly string[],
): Promise<void> {
  await tx.query("DELETE FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)", [asOf]);
  const d = FEATURES.length;
  function* lines(): Generator<string> {
    for (let i = 0; i < rfm.rows; i++) {
      const label = labels[i] as number;
      let squares = 0;
      for (let c = 0; c < d; c++)
        squares += ((points[i * d + c] as number) - (centroids[label * d + c] as number)) ** 2;
      yield `${rfm.clientIds[i]}\t${rfm.clientKeys[i]}\t${asOf}\t${version}\t${rfm.recencyDays[i]}\t${rfm.frequency[i]}\t${rfm.monetaryText[i]}\t${rfm.rScores[i]}\t${rfm.fScores[i]}\t${rfm.mScores[i]}\t${label}\t${names[label]}\t${Math.sqrt(squares)}\n`;
    }
  }
  await tx.loadText(
    { schema: "dwh", table: "client_segments" },
    [
      "client_id",
      "client_key",
      "as_of_date",
      "model_version",
      "recency_days",
      "frequency",
      "monetary",
      "r_score",
      "f_score",
      "m_score",
      "segment_id",
      "segment_name",
      "centroid_distance",
    ],
    lines(),
  );
  if (tx.engine === "postgres") await tx.exec("ANALYZE dwh.client_segments");
}

export interface MigrationCell {
  readonly from: string;
  readonly to: string;
  readonly clients: number;
}

/** Clients moving between segments from one as-of day to another; "(none)" when absent on a side. */
export async function segmentMigration(wh: Warehouse, from: string, to: string): Promise<MigrationCell[]> {
  dateKey(from);
  dateKey(to);
  const rows = await wh.query<{ from_segment: string; to_segment: string; clients: number }>(
    `WITH a AS (SELECT client_id, segment_name FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)),
          b AS (SELECT client_id, segment_name FROM dwh.client_segments WHERE as_of_date = CAST($2 AS DATE))
     SELECT COALESCE(a.segment_name, '(none)') AS from_segment, COALESCE(b.segment_name, '(none)') AS to_segment,
            COUNT(*) AS clients
       FROM a FULL OUTER JOIN b ON a.client_id = b.client_id
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [from, to],
  );
  return rows.map((r) => ({ from: r.from_segment, to: r.to_segment, clients: Number(r.clients) }));
}

/** The as-of days segmented so far, oldest first. */
export async function segmentedDays(wh: Warehouse): Promise<string[]> {
  const rows = await wh.query<{ as_of_date: string }>(
    "SELECT DISTINCT as_of_date FROM dwh.client_segments ORDER BY as_of_date",
  );
  return rows.map((r) => String(r.as_of_date));
}
