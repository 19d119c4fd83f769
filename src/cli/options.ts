import { type Command, Option } from "commander";
import { type Config, loadConfig, withEngine } from "../config/config.ts";
import { ENGINES } from "../warehouse/warehouse.ts";

export interface EngineOptions {
  engine?: string;
}

export interface JsonOptions {
  json?: boolean;
}

/** `--engine`, shared by every command that opens the warehouse. */
export function withEngineOption(command: Command): Command {
  return command.addOption(
    new Option("--engine <engine>", "warehouse engine, overriding MOMO_ENGINE").choices(ENGINES),
  );
}

export function withJsonOption(command: Command): Command {
  return command.option("--json", "print machine-readable JSON");
}

export function configFrom(options: EngineOptions): Config {
  return withEngine(loadConfig(), options.engine);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
