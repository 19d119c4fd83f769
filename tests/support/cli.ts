import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/momo.js", import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `momo` as a user would, in `cwd`, with only the given MOMO_/DATABASE_ variables set. */
export function runMomo(args: readonly string[], env: Record<string, string> = {}, cwd?: string): CliRun {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("MOMO_") && k !== "DATABASE_URL"),
  );
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...clean, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
