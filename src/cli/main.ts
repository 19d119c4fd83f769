import { Command } from "commander";
import { dbInfoCommand } from "./db-info.ts";
import { docsCommand } from "./docs.ts";
import { etlCommand } from "./etl.ts";
import { exitCodeFor, exitWithError, messageOf } from "./exit.ts";
import { exportCommand } from "./export.ts";
import { generateCommand } from "./generate.ts";
import { initCommand } from "./init.ts";
import { mlCommand } from "./ml.ts";
import { pipelineCommand } from "./pipeline.ts";
import { reportCommand } from "./report.ts";
import { segmentCommand } from "./segment.ts";
import { serveCommand } from "./serve.ts";
import { statusCommand } from "./status.ts";

export function program(): Command {
  return new Command("momo")
    .description("momo-dwh: a data warehouse for B2B mobile money, on DuckDB or PostgreSQL")
    .version("0.1.0")
    .showHelpAfterError()
    .addCommand(generateCommand())
    .addCommand(initCommand())
    .addCommand(etlCommand())
    .addCommand(segmentCommand())
    .addCommand(mlCommand())
    .addCommand(pipelineCommand())
    .addCommand(statusCommand())
    .addCommand(dbInfoCommand())
    .addCommand(docsCommand())
    .addCommand(exportCommand())
    .addCommand(serveCommand())
    .addCommand(reportCommand());
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await program().parseAsync([...argv]);
  } catch (error) {
    exitWithError(messageOf(error), exitCodeFor(error));
  }
}
