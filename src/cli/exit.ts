import { ConfigError } from "../config/config.ts";
import { WarehouseUnavailableError } from "../warehouse/warehouse.ts";

export const EXIT_FAILURE = 1;
/** The database could not be reached or opened. */
export const EXIT_UNAVAILABLE = 2;
/** Stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** The one way every failure leaves the CLI: a single line on stderr and a non-zero exit code. */
export function exitWithError(message: string, code: number = EXIT_FAILURE): never {
  process.stderr.write(`momo: ${message}\n`);
  process.exit(code);
}

export function exitCodeFor(error: unknown): number {
  return error instanceof WarehouseUnavailableError ? EXIT_UNAVAILABLE : EXIT_FAILURE;
}

export function messageOf(error: unknown): string {
  if (error instanceof ConfigError || error instanceof WarehouseUnavailableError) return error.message;
  if (error instanceof Error) return process.env.MOMO_DEBUG ? (error.stack ?? error.message) : error.message;
  return String(error);
}
