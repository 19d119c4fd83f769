import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { z } from "zod";
import { ENGINES, type Engine } from "../warehouse/warehouse.ts";

/** Every setting, the variable that holds it, and what it accepts (shown in errors and `.env.example`). */
const VARIABLES = {
  MOMO_ENGINE: z.enum(ENGINES, { error: `accepts one of: ${ENGINES.join(", ")}` }).default("duckdb"),
  MOMO_DATA_DIR: z
    .string({ error: "accepts a directory path" })
    .min(1, "accepts a directory path")
    .default("data"),
  MOMO_DUCKDB_PATH: z.string().min(1, "accepts a file path, or :memory:").optional(),
  DATABASE_URL: z
    .string()
    .default("postgres://postgres@127.0.0.1:5432/momo")
    .refine(isPostgresUrl, "accepts a URL postgres://user[:password]@host[:port]/database"),
};

const schema = z.object(VARIABLES);

export interface Config {
  readonly engine: Engine;
  readonly dataDir: string;
  readonly duckdbPath: string;
  readonly databaseUrl: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export interface ConfigSources {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Reads the environment, over an optional `.env` in `cwd` (the environment wins), and freezes the result. */
export function loadConfig({ env = process.env, cwd = process.cwd() }: ConfigSources = {}): Config {
  const envFile = join(cwd, ".env");
  const fromFile = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(VARIABLES)) {
    const value = env[name] ?? fromFile[name];
    raw[name] = value === "" ? undefined : value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const source = env[name] !== undefined ? "" : ` (from ${envFile})`;
      return `${name}=${JSON.stringify(raw[name])}${source} is invalid: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const values = parsed.data;
  const dataDir = resolve(cwd, values.MOMO_DATA_DIR);
  const duckdbPath = values.MOMO_DUCKDB_PATH ?? join(dataDir, "dwh", "momo.duckdb");
  return Object.freeze({
    engine: values.MOMO_ENGINE,
    dataDir,
    duckdbPath: duckdbPath === ":memory:" ? duckdbPath : resolve(cwd, duckdbPath),
    databaseUrl: values.DATABASE_URL,
  });
}

/** A copy of `config` with the engine a command-line flag asked for. */
export function withEngine(config: Config, engine: string | undefined): Config {
  if (engine === undefined) return config;
  const parsed = VARIABLES.MOMO_ENGINE.safeParse(engine);
  if (!parsed.success)
    throw new ConfigError(
      `--engine ${JSON.stringify(engine)} is invalid: ${parsed.error.issues[0]?.message}`,
    );
  return Object.freeze({ ...config, engine: parsed.data });
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.pathname.length > 1;
  } catch {
    return false;
  }
}
