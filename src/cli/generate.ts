import { join } from "node:path";
import { Command, Option } from "commander";
import { loadConfig } from "../config/config.ts";
import { GenerateInterrupted, generate } from "../generate/generate.ts";
import { FORMATS, resolveGenerateOptions, SCALES } from "../generate/options.ts";
import { EXIT_INTERRUPTED, exitWithError } from "./exit.ts";
import { formatCount } from "./format.ts";
import { type JsonOptions, printJson, withJsonOption } from "./options.ts";
import { progressBar } from "./progress.ts";

interface GenerateFlags extends JsonOptions {
  scale: string;
  clients?: string;
  transactions?: string;
  start?: string;
  months?: string;
  seed?: string;
  fraudRate?: string;
  dirtyRate?: string;
  format?: string;
  out?: string;
}

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

export function generateCommand(): Command {
  const command = new Command("generate")
    .description(
      "write synthetic B2B clients, their changes and transactions (with labelled fraud and dirty rows)",
    )
    .addOption(new Option("--scale <scale>", "size preset").choices(Object.keys(SCALES)).default("small"))
    .option("--clients <n>", "number of clients (overrides the preset)")
    .option("--transactions <n>", "approximate number of transactions (overrides the preset)")
    .option("--start <date>", "first day of the first month, YYYY-MM-01", "2024-01-01")
    .option("--months <n>", "number of months", "24")
    .option("--seed <n>", "random seed: same seed and options, byte-identical files", "42")
    .option("--fraud-rate <r>", "share of fraudulent transactions", "0.003")
    .option("--dirty-rate <r>", "share of extra broken rows (0 turns them off)", "0.001")
    .addOption(new Option("--format <format>", "file format").choices(FORMATS).default("csv"))
    .option("--out <dir>", "output directory (default: $MOMO_DATA_DIR/raw)");
  return withJsonOption(command).action(async (flags: GenerateFlags) => {
    const config = loadConfig();
    const options = resolveGenerateOptions({
      scale: flags.scale as never,
      clients: number(flags.clients),
      transactions: number(flags.transactions),
      start: flags.start,
      months: number(flags.months),
      seed: number(flags.seed),
      fraudRate: number(flags.fraudRate),
      dirtyRate: number(flags.dirtyRate),
      format: flags.format as never,
      out: flags.out ?? join(config.dataDir, "raw"),
    });
    const bar = progressBar(flags.json);
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
    const started = performance.now();
    let manifest: Awaited<ReturnType<typeof generate>>;
    try {
      manifest = await generate(options, (p) => bar.update(p.phase, p.rows, p.total), controller.signal);
    } catch (error) {
      bar.stop();
      if (error instanceof GenerateInterrupted) exitWithError(error.message, EXIT_INTERRUPTED);
      throw error;
    } finally {
      process.off("SIGINT", interrupt);
      process.off("SIGTERM", interrupt);
    }
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    if (flags.json) return printJson({ seconds, peakRssBytes, out: options.out, ...manifest });
    const { counts } = manifest;
    process.stdout.write(
      `wrote ${formatCount(counts.clients)} clients, ${formatCount(counts.clientChanges)} client changes, ` +
        `${formatCount(counts.transactions)} transactions (${formatCount(counts.fraudTransactions)} fraudulent, ` +
        `${formatCount(counts.dirtyRows)} dirty rows) to ${options.out} in ${seconds.toFixed(1)} s ` +
        `(${formatCount(Math.round(counts.transactionFileRows / seconds))} rows/s, peak memory ${(peakRssBytes / 1024 ** 3).toFixed(2)} GB)\n`,
    );
  });
}
