import { Argument, Command } from "commander";
import { REPORT_KINDS, type ReportKind } from "../reports/report.ts";
import { writeReport } from "../reports/write-report.ts";
import { withWarehouse } from "../warehouse/open-warehouse.ts";
import { configFrom, type EngineOptions, withEngineOption } from "./options.ts";

interface ReportFlags extends EngineOptions {
  out: string;
}

export function reportCommand(): Command {
  const command = new Command("report")
    .description("write a self-contained HTML analysis report (charts and the numbers behind them)")
    .addArgument(new Argument("<kind>", "which report").choices(REPORT_KINDS))
    .option("--out <dir>", "directory of the HTML file", "reports");
  return withEngineOption(command).action(async (kind: ReportKind, flags: ReportFlags) => {
    const started = performance.now();
    const path = await withWarehouse(configFrom(flags), (wh) => writeReport(kind, wh, flags.out), {
      readOnly: true,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${kind} report: ${path} (${seconds} s)\n`);
  });
}
