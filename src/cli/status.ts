import { Command } from "commander";
import { inspectWarehouse } from "../inspect/inspect-warehouse.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";

export function statusCommand(): Command {
  const command = new Command("status").description("check the connection and count the rows of every table");
  return withJsonOption(withEngineOption(command)).action(async (options: EngineOptions & JsonOptions) => {
    const report = await withWarehouse(configFrom(options), inspectWarehouse, { readOnly: true });
    if (options.json) {
      const { indexes: _indexes, ...status } = report;
      return printJson({
        ...status,
        tables: report.tables.map(({ name, rowCount }) => ({ name, rowCount })),
        views: report.views.map(({ name, rowCount }) => ({ name, rowCount })),
      });
    }
    const lines = [
      `engine    ${report.engine}`,
      `location  ${report.location}`,
      `server    ${report.serverVersion}`,
      `schema    ${report.schema}: ${report.initialised ? "initialised" : `incomplete, missing ${report.missing.join(", ")} (run \`momo init\`)`}`,
      "",
      formatTable(
        ["relation", "kind", "rows"],
        [...report.tables, ...report.views].map((t) => [t.name, t.kind, formatCount(t.rowCount)]),
        [2],
      ),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  });
}
