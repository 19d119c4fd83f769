import { Command } from "commander";
import { type SegmentResult, segmentClients, segmentMigration } from "../ml/segmentation/segment-clients.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  integerFlag,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";

interface SegmentCliOptions extends EngineOptions, JsonOptions {
  asOf?: string;
  k: string;
  restarts: string;
  seed: string;
  windowDays: string;
  compareWith?: string;
}

export function segmentCommand(): Command {
  const command = new Command("segment")
    .description("RFM + K-means client segments as of a day, written to dwh.client_segments")
    .option("--as-of <date>", "day described, YYYY-MM-DD (default: the last loaded day)")
    .option("--k <n>", "number of segments", "5")
    .option("--restarts <n>", "K-means restarts (k-means++ seedings), the best kept", "10")
    .option("--seed <n>", "random seed", "42")
    .option("--window-days <n>", "days of activity looked at, ending on the as-of day", "365")
    .option("--compare-with <date>", "also print the migration from the segmentation of that earlier day");
  return withJsonOption(withEngineOption(command)).action(async (options: SegmentCliOptions) => {
    const config = configFrom(options);
    const result = await withWarehouse(config, async (wh) => {
      const segmented = await segmentClients(wh, {
        asOf: options.asOf,
        k: integerFlag("--k", options.k),
        restarts: integerFlag("--restarts", options.restarts),
        seed: integerFlag("--seed", options.seed),
        windowDays: integerFlag("--window-days", options.windowDays),
        onStep: (step) => {
          if (!options.json) process.stderr.write(`  ${step}\n`);
        },
      });
      const migration = options.compareWith
        ? await segmentMigration(wh, options.compareWith, segmented.asOf)
        : undefined;
      return { ...segmented, migration };
    });
    if (options.json) return printJson({ engine: config.engine, ...result });
    process.stdout.write(`${describeSegments(result)}\n`);
    if (result.migration) {
      process.stdout.write(
        `\nmigration from ${options.compareWith} to ${result.asOf}\n${formatTable(
          ["from", "to", "clients"],
          result.migration.map((m) => [m.from, m.to, formatCount(m.clients)]),
          [2],
        )}\n`,
      );
    }
  });
}

export function describeSegments(result: SegmentResult): string {
  const table = formatTable(
    ["segment", "clients", "recency (days)", "frequency", "monetary"],
    [...result.segments]
      .sort((a, b) => b.centroid.monetary - a.centroid.monetary)
      .map((s) => [
        s.name,
        formatCount(s.clients),
        s.centroid.recencyDays.toFixed(1),
        s.centroid.frequency.toFixed(1),
        formatCount(Math.round(s.centroid.monetary)),
      ]),
    [1, 2, 3, 4],
  );
  return `${table}\n${formatCount(result.clients)} clients segmented as of ${result.asOf} (model version ${result.modelVersion}, inertia ${result.inertia.toFixed(1)}) in ${result.seconds.toFixed(1)} s`;
}
