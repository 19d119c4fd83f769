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

/** A numeric flag's value; an error naming the flag when it is not a number. */
export function numberFlag(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new Error(`${flag} accepts a number, got ${JSON.stringify(text)}`);
  return value;
}

/** A whole-number flag's value; an error naming the flag otherwise. */
export function integerFlag(flag: string, text: string): number {
  const value = numberFlag(flag, text);
  if (!Number.isInteger(value))
    throw new Error(`${flag} accepts a whole number, got ${JSON.stringify(text)}`);
  return value;
}
