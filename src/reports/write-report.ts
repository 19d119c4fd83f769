import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { reportContext } from "./context.ts";
import { explorationReport } from "./exploration.ts";
import { fraudReport } from "./fraud-report.ts";
import { renderReportHtml } from "./render-html.ts";
import type { Report, ReportKind } from "./report.ts";
import { segmentationReport } from "./segmentation-report.ts";

const BUILDERS = { exploration: explorationReport, fraud: fraudReport, segmentation: segmentationReport };

/** Reads the warehouse and returns the report of `kind`. */
export async function buildReport(kind: ReportKind, wh: Warehouse): Promise<Report> {
  const context = await reportContext(wh);
  const report = await BUILDERS[kind](context);
  const generatedAt = new Date().toISOString().replace("T", " ").slice(0, 19);
  return { ...report, generatedAt: `${generatedAt} UTC`, source: `${wh.engine} ${wh.location}` };
}

/** Writes `<outDir>/<kind>.html`, a self-contained page, and returns its path. */
export async function writeReport(kind: ReportKind, wh: Warehouse, outDir: string): Promise<string> {
  const html = renderReportHtml(await buildReport(kind, wh));
  mkdirSync(outDir, { recursive: true });
  const path = resolve(join(outDir, `${kind}.html`));
  writeFileSync(path, html);
  return path;
}
