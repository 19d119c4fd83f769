import { Command } from "commander";
import { distributeWithCitus, requireCitus } from "../init/citus.ts";
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

interface InitOptions extends EngineOptions, JsonOptions {
  citus?: boolean;
}

export function initCommand(): Command {
  const command = new Command("init").description(
    "create the dwh star schema and load the reference dimensions (safe to run again: it changes nothing)",
  );
  command.option(
    "--citus",
    "then distribute it over Citus: facts sharded by client_id, dimensions as reference tables",
  );
  return withJsonOption(withEngineOption(command)).action(async (options: InitOptions) => {
    const config = configFrom(options);
    if (options.citus && config.engine !== "postgres")
      throw new Error(`--citus needs the postgres engine, not ${config.engine} (pass --engine postgres)`);
    const createdDatabase =
      config.engine === "postgres" && (await ensurePostgresDatabase(config.databaseUrl));
    const started = performance.now();
    const result = await withWarehouse(config, async (wh) => {
      if (options.citus) await requireCitus(wh);
      const init = await initWarehouse(wh, (step) => {
        if (!options.json) process.stderr.write(`  ${step}\n`);
      });
      return { ...init, ...(options.citus ? { citus: await distributeWithCitus(wh) } : {}) };
    });
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
        `${config.engine} warehouse ${changed ? "initialised" : "already up to date"} in ${seconds.toFixed(1)} s\n` +
        (result.citus ? `citus: ${result.citus.length} distribution statements run\n` : ""),
    );
  });
}
