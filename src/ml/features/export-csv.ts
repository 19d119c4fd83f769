import { once } from "node:events";
import { createWriteStream, renameSync, rmSync } from "node:fs";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { FEATURE_NAMES } from "./catalog.ts";
import { SPLITS, type Split } from "./query.ts";
import { type FeatureBatch, forEachFeatureBatch, planFeatures, type ReadFeaturesOptions } from "./read.ts";
import type { TimeSplit } from "./split.ts";

/** The export's columns: ids and labels, then the features in ML_FEATURES order. */
export const EXPORT_HEADER = ["transaction_id", "split", "is_fraud", "fraud_type", ...FEATURE_NAMES];

export interface ExportSummary {
  readonly path: string;
  readonly rows: number;
  readonly frauds: number;
  readonly rowsBySplit: Record<Split, number>;
  readonly timeSplit: TimeSplit;
  readonly seconds: number;
}

/**
 * Writes the feature matrix as CSV: a header, then one line per transaction in (transaction_at,
 * transaction_id) order; an empty field is a missing value; numbers are the warehouse's doubles in
 * JavaScript's shortest round-trip form. Written to `path.partial`, renamed when complete.
 */
export async function exportFeaturesCsv(
  wh: Warehouse,
  path: string,
  options: Omit<ReadFeaturesOptions, "sampleNegatives"> = {},
): Promise<ExportSummary> {
  const started = performance.now();
  const plan = await planFeatures(wh, options);
  const partial = `${path}.partial`;
  const out = createWriteStream(partial, { encoding: "utf8" });
  const failed = new Promise<never>((_, reject) => out.once("error", reject));
  failed.catch(() => {});
  const rowsBySplit: Record<Split, number> = { train: 0, valid: 0, test: 0 };
  let frauds = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, "drain"), failed]);
  };
  try {
    await write(`${EXPORT_HEADER.join(",")}\n`);
    const rows = await forEachFeatureBatch(
      wh,
      plan,
      async (batch) => {
        for (let r = 0; r < batch.rows; r++) {
          rowsBySplit[SPLITS[batch.splits[r] as number] as Split]++;
          frauds += batch.labels[r] as number;
        }
        await write(csvLines(batch));
      },
      options,
    );
    out.end();
    await Promise.race([once(out, "finish"), failed]);
    renameSync(partial, path);
    return {
      path,
      rows,
      frauds,
      rowsBySplit,
      timeSplit: plan.timeSplit,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    out.destroy();
    rmSync(partial, { force: true });
    throw new Error(`feature export to ${path} failed: ${(error as Error).message}`, { cause: error });
  }
}

function csvLines(batch: FeatureBatch): string {
  const cols = FEATURE_NAMES.length;
  let text = "";
  for (let r = 0; r < batch.rows; r++) {
    let line = `${csvField(batch.transactionIds[r] as string)},${SPLITS[batch.splits[r] as number]},${batch.labels[r]},${csvField(batch.fraudTypes[r] ?? "")}`;
    for (let c = 0; c < cols; c++) {
      const value = batch.values[r * cols + c] as number;
      line += Number.isNaN(value) ? "," : `,${value}`;
    }
    text += `${line}\n`;
  }
  return text;
}

/** Identifiers and typologies never hold commas or quotes in practice; quote them if they ever do. */
function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
