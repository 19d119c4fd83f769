import { Command } from "commander";
import { startServer } from "../serve/server.ts";
import { configFrom, type EngineOptions, withEngineOption } from "./options.ts";

interface ServeFlags extends EngineOptions {
  port: string;
  host: string;
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) {
    throw new Error(`--port ${JSON.stringify(text)} is invalid: accepts a TCP port from 0 to 65535`);
  }
  return port;
}

export function serveCommand(): Command {
  const command = new Command("serve")
    .description("serve the dashboards and their JSON API over a read-only connection to the warehouse")
    .option("--port <port>", "TCP port (0: any free port)", "8080")
    .option("--host <host>", "address to listen on", "127.0.0.1");
  return withEngineOption(command).action(async (flags: ServeFlags) => {
    const port = parsePort(flags.port);
    const server = await startServer(configFrom(flags), { port, host: flags.host }).catch((cause) => {
      if ((cause as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new Error(`cannot listen on ${flags.host}:${port}: the port is in use (try --port)`, { cause });
      }
      throw cause;
    });
    const lock =
      server.engine === "duckdb"
        ? " While it runs, the DuckDB file is locked: stop it before `momo etl run`."
        : "";
    process.stdout.write(`dashboards: ${server.url} (${server.engine}, read-only). Ctrl-C stops.${lock}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
  });
}
