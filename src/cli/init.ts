import { Command } from "commander";
import { initWarehouse } from "../init/init-warehouse.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { ensurePostgresDatabase } from "../warehouse/postgres/postgres-database.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";

export function initCommand(): Command {
  const command = new Command("init").description(
    "create the dwh star schema and load the reference dimensions (safe to run again: it changes nothing)",
  );
  return withJsonOption(withEngineOption(command)).action(async (options: EngineOptions & JsonOptions) => {
    const config = configFrom(options);
    const createdDatabase =
      config.engine === "postgres" && (await ensurePostgresDatabase(config.databaseUrl));
    const started = performance.now();
    const result = await withWarehouse(config, (wh) =>
      initWarehouse(wh, (step) => {
        if (!options.json) process.stderr.write(`  ${step}\n`);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (options.json) return printJson({ engine: config.engine, createdDatabase, seconds, ...result });
    const table = formatTable(
      ["dimension", "inserted", "updated", "unchanged"],
      result.dimensions.map((d) => [
        d.table,
        formatCount(d.inserted),
        formatCount(d.updated),
        formatCount(d.unchanged),
      ]),
      [1, 2, 3],
    );
    const changed = result.dimensions.some((d) => d.inserted || d.updated);
    process.stdout.write(
      `${createdDatabase ? "created the database\n" : ""}${table}\n` +
        `${config.engine} warehouse ${changed ? "initialised" : "already up to date"} in ${seconds.toFixed(1)} s\n`,
    );
  });
}
