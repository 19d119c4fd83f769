import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { ML_FEATURES } from "../ml/features/catalog.ts";
import { type ExportSummary, exportFeaturesCsv } from "../ml/features/export-csv.ts";
import { SPLITS, type Split } from "../ml/features/query.ts";
import { dateKey } from "../ml/features/split.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { EXIT_INTERRUPTED, exitWithError } from "./exit.ts";
import { formatCount, formatTable } from "./format.ts";
import { evaluateCommand, scoreCommand, trainCommand } from "./ml-model.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";
import { progressBar } from "./progress.ts";

/** `momo ml …`: one subcommand per step of the fraud model, each built by its own function below. */
export function mlCommand(): Command {
  return new Command("ml")
    .description("fraud detection: features computed in the warehouse, model training, evaluation, scoring")
    .addCommand(featuresCommand())
    .addCommand(trainCommand())
    .addCommand(evaluateCommand())
    .addCommand(scoreCommand());
}

interface FeaturesFlags extends EngineOptions, JsonOptions {
  export?: string;
  from?: string;
  to?: string;
  split?: Split;
}

function featuresCommand(): Command {
  const command = new Command("features")
    .description(
      "list the fraud features, or compute them in the warehouse and write them with labels and split as CSV",
    )
    .option("--export <file.csv>", "write the feature matrix to this CSV file")
    .option("--from <date>", "first day exported, YYYY-MM-DD (default: the first loaded)")
    .option("--to <date>", "last day exported, YYYY-MM-DD, included (default: the last loaded)")
    .addOption(new Option("--split <split>", "export only the rows of one split").choices(SPLITS));
  return withJsonOption(withEngineOption(command)).action(async (flags: FeaturesFlags) => {
    if (!flags.export) {
      if (flags.from || flags.to || flags.split)
        throw new Error("--from, --to and --split need --export FILE.csv");
      if (flags.json) printJson(ML_FEATURES);
      else
        process.stdout.write(
          `${formatTable(
            ["feature", "definition"],
            ML_FEATURES.map((f) => [f.name, f.description]),
          )}\n`,
        );
      return;
    }
    for (const day of [flags.from, flags.to]) if (day) dateKey(day);
    const summary = await exportWithProgress(flags, resolve(flags.export));
    if (flags.json) return printJson({ engine: configFrom(flags).engine, ...summary });
    process.stdout.write(`${describeExport(summary)}\n`);
  });
}

async function exportWithProgress(flags: FeaturesFlags, path: string): Promise<ExportSummary> {
  const bar = progressBar(flags.json);
  const interrupt = () => {
    bar.stop();
    rmSync(`${path}.partial`, { force: true });
    exitWithError("feature export interrupted; nothing was written", EXIT_INTERRUPTED);
  };
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  try {
    return await withWarehouse(
      configFrom(flags),
      (wh) =>
        exportFeaturesCsv(wh, path, {
          from: flags.from,
          to: flags.to,
          split: flags.split,
          onProgress: (p) =>
            bar.update(
              p.stage === "compute" ? "computing features" : "writing rows",
              p.rows,
              Math.max(p.total, 1),
              p.rows,
            ),
        }),
      { readOnly: true },
    );
  } finally {
    bar.stop();
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

function describeExport(s: ExportSummary): string {
  const t = s.timeSplit;
  const splits = formatTable(
    ["split", "rows", "months", "days"],
    [
      [
        "train",
        formatCount(s.rowsBySplit.train),
        String(t.trainMonths),
        `${t.firstMonth}-01 … before ${t.validFrom}`,
      ],
      [
        "valid",
        formatCount(s.rowsBySplit.valid),
        String(t.validMonths),
        `${t.validFrom} … before ${t.testFrom}`,
      ],
      [
        "test",
        formatCount(s.rowsBySplit.test),
        String(t.testMonths),
        `${t.testFrom} … end of ${t.lastMonth}`,
      ],
    ],
    [1, 2],
  );
  return (
    `wrote ${formatCount(s.rows)} rows (${formatCount(s.frauds)} frauds, ${ML_FEATURES.length} features) ` +
    `to ${s.path} in ${s.seconds.toFixed(1)} s\n\n${splits}`
  );
}
