import { Command } from "commander";
import { exportParquet } from "../export/export-parquet.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";

interface ParquetOptions extends EngineOptions, JsonOptions {
  out: string;
  overwrite?: boolean;
}

export function exportCommand(): Command {
  const parquet = new Command("parquet")
    .description(
      "write the star schema as Parquet: one folder per table, facts split by month (month=YYYY-MM/part-0.parquet)",
    )
    .requiredOption("--out <dir>", "output directory")
    .option("--overwrite", "replace tables already exported to --out");
  withJsonOption(withEngineOption(parquet)).action(async (options: ParquetOptions) => {
    const config = configFrom(options);
    const started = performance.now();
    const result = await exportParquet(config, {
      out: options.out,
      overwrite: options.overwrite ?? false,
      onTable: (t) => {
        if (!options.json)
          process.stderr.write(
            `  ${t.table}: ${formatCount(t.rows)} rows, ${t.files} file${t.files === 1 ? "" : "s"}\n`,
          );
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (options.json) return printJson({ ...result, seconds });
    const table = formatTable(
      ["table", "rows", "files", "layout"],
      result.tables.map((t) => [
        t.table,
        formatCount(t.rows),
        String(t.files),
        t.partitioned ? "month=YYYY-MM/" : "one file",
      ]),
      [1, 2],
    );
    process.stdout.write(
      `${table}\nexported the ${config.engine} warehouse to ${result.out} in ${seconds.toFixed(1)} s\n`,
    );
  });
  return new Command("export").description("export the warehouse for other engines").addCommand(parquet);
}
