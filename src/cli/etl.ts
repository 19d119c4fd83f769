import { Command, Option } from "commander";
import type { Config } from "../config/config.ts";
import { listBatches } from "../etl/batch-log.ts";
import { INPUT_FORMATS, type InputFormat } from "../etl/input.ts";
import { PAYSIM_DEFAULTS, type PaysimOptions } from "../etl/paysim.ts";
import { EtlInterrupted, type EtlResult, runEtl } from "../etl/run-etl.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { ensurePostgresDatabase } from "../warehouse/postgres/postgres-database.ts";
import { EXIT_INTERRUPTED, exitWithError } from "./exit.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";
import { progressBar } from "./progress.ts";

interface RunFlags extends EngineOptions, JsonOptions {
  input?: string;
  format: "generated" | "paysim";
  paysimStart: string;
  paysimGeo: string;
  currency: string;
}

export function etlCommand(): Command {
  const etl = new Command("etl").description("load raw files into the warehouse and inspect the batch log");
  const run = new Command("run")
    .description("extract, validate (rejects quarantined), transform (SCD2) and load one batch; idempotent")
    .option("--input <dir>", "input directory (default: $MOMO_DATA_DIR/raw), or a PaySim CSV file")
    .addOption(new Option("--format <format>", "input layout").choices(INPUT_FORMATS).default("generated"))
    .option("--paysim-start <date>", "PaySim: the day of step 1", PAYSIM_DEFAULTS.start)
    .option("--paysim-geo <code>", "PaySim: dim_geography code of its accounts", PAYSIM_DEFAULTS.geoCode)
    .option("--currency <code>", "PaySim: currency of its amounts", PAYSIM_DEFAULTS.currency);
  withJsonOption(withEngineOption(run)).action(async (flags: RunFlags) => {
    const config = configFrom(flags);
    const result = await loadBatch(config, {
      input: flags.input,
      format: flags.format,
      json: flags.json,
      paysim: { start: flags.paysimStart, geoCode: flags.paysimGeo, currency: flags.currency },
    });
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    if (flags.json) return printJson({ engine: config.engine, peakRssBytes, ...result });
    process.stdout.write(`${describeResult(result)}\n`);
  });
  const batches = new Command("batches")
    .description("the latest batches of dwh_audit.etl_batches")
    .option("--limit <n>", "how many", "20");
  withJsonOption(withEngineOption(batches)).action(
    async (flags: EngineOptions & JsonOptions & { limit: string }) => {
      const config = configFrom(flags);
      const rows = await withWarehouse(config, (wh) => listBatches(wh, Number(flags.limit)), {
        readOnly: true,
      });
      if (flags.json) return printJson(rows);
      const table = formatTable(
        ["batch", "status", "started", "in", "loaded", "rejected", "input"],
        rows.map((b) => [
          String(b.batch_id),
          b.status,
          b.started_at.slice(0, 19),
          formatCount(Number(b.rows_in)),
          formatCount(Number(b.rows_loaded)),
          formatCount(Number(b.rows_rejected)),
          b.input_path,
        ]),
        [0, 3, 4, 5],
      );
      process.stdout.write(`${table}\n`);
    },
  );
  return etl.addCommand(run).addCommand(batches);
}

/** Runs one ETL batch with progress bars and Ctrl-C handling; shared by `etl run` and `pipeline`. */
export interface BatchFlags {
  readonly input?: string;
  readonly format: InputFormat;
  readonly json?: boolean;
  readonly paysim?: Partial<PaysimOptions>;
}

export async function loadBatch(config: Config, flags: BatchFlags): Promise<EtlResult> {
  if (config.engine === "postgres") await ensurePostgresDatabase(config.databaseUrl);
  const bar = progressBar(flags.json);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    return await withWarehouse(config, (wh) =>
      runEtl(wh, {
        input: flags.input ?? `${config.dataDir}/raw`,
        format: flags.format,
        paysim: flags.paysim,
        signal: controller.signal,
        onProgress: (p) =>
          bar.update(
            p.stage,
            p.done,
            p.total,
            p.stage === "checksum" || p.stage === "summary" ? undefined : p.records,
          ),
      }),
    );
  } catch (error) {
    bar.stop();
    if (error instanceof EtlInterrupted)
      exitWithError(`${error.message}; the batch was rolled back`, EXIT_INTERRUPTED);
    throw error;
  } finally {
    bar.stop();
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

export function describeResult(r: EtlResult): string {
  if (r.status === "skipped") {
    return `input already loaded by batch ${r.loadedBy}: nothing to do (recorded as skipped batch ${r.batchId})`;
  }
  const c = r.counts;
  const kinds = [
    ["transactions", c.rows_in, c.rows_loaded, c.rows_rejected],
    ["clients", c.clients_in, c.clients_loaded, c.clients_rejected],
    ["client changes", c.changes_in, c.changes_loaded, c.changes_rejected],
  ] as const;
  const counts = formatTable(
    ["records", "in", "loaded", "rejected"],
    kinds.map(([name, ...n]) => [name, ...n.map(formatCount)]),
    [1, 2, 3],
  );
  const reasons = Object.entries(r.rejects).sort((a, b) => b[1] - a[1]);
  const rejects = reasons.length
    ? `\n\n${formatTable(
        ["rejected (dwh_audit.etl_rejects)", "records"],
        reasons.map(([reason, n]) => [reason, formatCount(n)]),
        [1],
      )}`
    : "";
  const rate = c.rows_in / r.seconds;
  return (
    `batch ${r.batchId} loaded in ${r.seconds.toFixed(1)} s (${formatCount(Math.round(rate))} transactions/s)\n\n${counts}${rejects}\n\n` +
    `${formatCount(c.client_versions_written)} client versions written, ${formatCount(c.facts_repointed)} earlier facts re-pointed, ` +
    `${formatCount(c.summary_days_rebuilt)} days of daily summary rebuilt`
  );
}
