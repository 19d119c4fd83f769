import { join } from "node:path";
import { Command, Option } from "commander";
import { generate } from "../generate/generate.ts";
import { resolveGenerateOptions, SCALES } from "../generate/options.ts";
import { describeResult, loadBatch } from "./etl.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";
import { progressBar } from "./progress.ts";

interface PipelineFlags extends EngineOptions, JsonOptions {
  scale: string;
  seed: string;
  out?: string;
}

export function pipelineCommand(): Command {
  const command = new Command("pipeline")
    .description("generate synthetic data, then load it: momo generate followed by momo etl run")
    .addOption(new Option("--scale <scale>", "size preset").choices(Object.keys(SCALES)).default("small"))
    .option("--seed <n>", "random seed", "42")
    .option("--out <dir>", "where the raw files go (default: $MOMO_DATA_DIR/raw)");
  return withJsonOption(withEngineOption(command)).action(async (flags: PipelineFlags) => {
    const config = configFrom(flags);
    const out = flags.out ?? join(config.dataDir, "raw");
    const started = performance.now();
    const bar = progressBar(flags.json);
    const manifest = await generate(
      resolveGenerateOptions({ scale: flags.scale as never, seed: Number(flags.seed), out }),
      (p) => bar.update(`generate ${p.phase}`, p.rows, p.total),
    );
    bar.stop();
    if (!flags.json) {
      process.stdout.write(
        `generated ${manifest.counts.transactionFileRows.toLocaleString("en-US")} transaction rows in ${out}\n`,
      );
    }
    const etl = await loadBatch(config, {
      input: out,
      format: "generated",
      json: flags.json,
    });
    const seconds = (performance.now() - started) / 1000;
    if (flags.json) return printJson({ engine: config.engine, seconds, generated: manifest.counts, etl });
    process.stdout.write(
      `${describeResult(etl)}\n\npipeline done in ${seconds.toFixed(1)} s on ${config.engine}\n`,
    );
  });
}
