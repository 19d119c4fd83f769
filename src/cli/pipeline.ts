import { join } from "node:path";
import { Command, Option } from "commander";
import { generate } from "../generate/generate.ts";
import { resolveGenerateOptions, SCALES } from "../generate/options.ts";
import { scoreFraud } from "../ml/fraud/score-fraud.ts";
import { trainFraudModel } from "../ml/fraud/train-fraud.ts";
import { segmentClients } from "../ml/segmentation/segment-clients.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { describeResult, loadBatch } from "./etl.ts";
import { formatCount } from "./format.ts";
import { describeTraining } from "./ml-model.ts";
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
  ml: boolean;
}

export function pipelineCommand(): Command {
  const command = new Command("pipeline")
    .description(
      "generate synthetic data, load it, train and score the fraud model, segment the clients: " +
        "momo generate, etl run, ml train, ml score and segment in a row",
    )
    .addOption(new Option("--scale <scale>", "size preset").choices(Object.keys(SCALES)).default("small"))
    .option("--seed <n>", "random seed", "42")
    .option("--out <dir>", "where the raw files go (default: $MOMO_DATA_DIR/raw)")
    .option("--no-ml", "stop after the ETL (no fraud model, scores or segments)");
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
    const ml = flags.ml ? await runModels(flags, bar) : undefined;
    const seconds = (performance.now() - started) / 1000;
    if (flags.json)
      return printJson({ engine: config.engine, seconds, generated: manifest.counts, etl, ...ml });
    process.stdout.write(
      `${describeResult(etl)}\n${ml ? describeModels(ml) : ""}\npipeline done in ${seconds.toFixed(1)} s on ${config.engine}\n`,
    );
  });
}

type Models = Awaited<ReturnType<typeof runModels>>;

/** The fraud model trained and registered, every transaction scored, the clients segmented. */
async function runModels(flags: PipelineFlags, bar: ReturnType<typeof progressBar>) {
  const say = (step: string) => {
    bar.stop();
    if (!flags.json) process.stderr.write(`  ${step}\n`);
  };
  return withWarehouse(configFrom(flags), async (wh) => {
    const training = await trainFraudModel(wh, {
      onStep: say,
      onProgress: (p) => bar.update("features", p.rows, Math.max(p.total, 1), p.rows),
      onRound: (method, round, rounds) => bar.update(`boosting (${method})`, round, rounds),
    });
    say("scoring every transaction");
    const scoring = await scoreFraud(wh, {
      onProgress: (p) => bar.update("scoring", p.rows, Math.max(p.total, 1), p.rows),
    });
    bar.stop();
    const segmentation = await segmentClients(wh, { onStep: say });
    return { training, scoring, segmentation };
  });
}

function describeModels({ training, scoring, segmentation }: Models): string {
  const segments = [...segmentation.segments]
    .sort((a, b) => b.clients - a.clients)
    .map((s) => `${s.name} ${formatCount(s.clients)}`)
    .join(", ");
  return (
    `\n${describeTraining(training)}\n` +
    `scored ${formatCount(scoring.scored)} transactions: ${formatCount(scoring.alerts)} alerts\n` +
    `segmented ${formatCount(segmentation.clients)} clients as of ${segmentation.asOf}: ${segments}\n`
  );
}
