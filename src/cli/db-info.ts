import { Command } from "commander";
import { inspectWarehouse } from "../inspect/inspect-warehouse.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { formatBytes, formatCount, formatTable } from "./format.ts";
import {
  configFrom,
  type EngineOptions,
  type JsonOptions,
  printJson,
  withEngineOption,
  withJsonOption,
} from "./options.ts";

export function dbInfoCommand(): Command {
  const command = new Command("db-info").description("list tables, views, row counts, sizes and indexes");
  return withJsonOption(withEngineOption(command)).action(async (options: EngineOptions & JsonOptions) => {
    const report = await withWarehouse(configFrom(options), inspectWarehouse, { readOnly: true });
    if (options.json) return printJson(report);
    const sections = [
      `${report.engine} · ${report.location} · ${report.serverVersion} · ${formatBytes(report.databaseSizeBytes)}`,
      formatTable(
        ["table", "rows", "size", "description"],
        report.tables.map((t) => [
          t.name,
          formatCount(t.rowCount),
          formatBytes(t.sizeBytes),
          t.comment ?? "",
        ]),
        [1, 2],
      ),
      formatTable(
        ["view", "rows", "description"],
        report.views.map((v) => [v.name, formatCount(v.rowCount), v.comment ?? ""]),
        [1],
      ),
      formatTable(
        ["index", "table", "definition"],
        report.indexes.map((i) => [i.name, i.table, i.definition]),
      ),
    ];
    if (!report.initialised) sections.push(`missing: ${report.missing.join(", ")} (run \`momo init\`)`);
    process.stdout.write(`${sections.join("\n\n")}\n`);
  });
}
