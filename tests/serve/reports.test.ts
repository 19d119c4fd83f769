import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/reports/report.ts";
import { buildReport, writeReport } from "../../src/reports/write-report.ts";
import { openReadOnlyWarehouse } from "../../src/serve/read-only.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import { configFor, seedMlOutputs, type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

const figures = (report: Report) => report.sections.flatMap((s) => s.figures);
const figure = (report: Report, title: string) => {
  const found = figures(report).find((f) => f.title === title);
  if (!found)
    throw new Error(
      `no figure "${title}" in ${figures(report)
        .map((f) => f.title)
        .join(" | ")}`,
    );
  return found;
};
const column = (report: Report, title: string, label: string) => {
  const { table } = figure(report, title);
  const index = table.columns.findIndex((c) => c.label === label);
  return table.rows.map((row) => row[index]);
};
const text = (report: Report) => report.sections.flatMap((s) => s.text).join("\n");

for (const engine of ENGINES_UNDER_TEST) {
  describe(`momo report on ${engine}`, () => {
    let input: Awaited<ReturnType<typeof tinyInput>>;
    let tiny: TinyWarehouse;
    let wh: Warehouse;
    let out: string;
    let transactions: number;

    beforeAll(async () => {
      input = await tinyInput();
      tiny = await tinyWarehouse(engine, input.input, false);
      wh = await openReadOnlyWarehouse(configFor(tiny.db));
      const [row] = await wh.query<{ n: number }>("SELECT COUNT(*) AS n FROM dwh.fact_transactions");
      transactions = Number(row?.n);
      out = mkdtempSync(join(tmpdir(), "momo-reports-"));
    });

    afterAll(async () => {
      await wh?.close();
      await tiny?.db.drop();
      input?.cleanup();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it("explores the whole history with figures that add up to the fact table", async () => {
      const report = await buildReport("exploration", wh);
      expect(report.sections.map((s) => s.title)).toEqual([
        "The data set and its quality",
        "Activity over time",
        "When transactions happen",
        "Services, channels, places and amounts",
        "The client base",
      ]);
      const sum = (values: unknown[]) => values.reduce((s: number, v) => s + Number(v), 0);
      expect(column(report, "Monthly value and transactions", "month")).toHaveLength(24);
      expect(sum(column(report, "Monthly value and transactions", "transactions"))).toBe(transactions);
      expect(sum(column(report, "Transactions by hour of the day", "transactions"))).toBe(transactions);
      expect(sum(column(report, "Value by service", "transactions"))).toBe(transactions);
      expect(sum(column(report, "Amounts by order of magnitude", "transactions"))).toBe(transactions);
      expect(sum(column(report, "Rejected records by reason", "records"))).toBeGreaterThan(0);
      expect(text(report)).toContain(`${transactions.toLocaleString("en-US")} transactions`);
      for (const f of figures(report)) {
        expect(f.table.rows.length, f.title).toBeGreaterThan(0);
        for (const series of (f.chart?.series ?? []) as { data: unknown[] }[]) {
          expect(series.data.length, f.title).toBeGreaterThan(0);
        }
      }
    });

    it("says what to run when no model exists yet", async () => {
      const fraud = await buildReport("fraud", wh);
      expect(fraud.sections.at(-1)).toEqual({
        title: "The fraud model",
        text: ["No model trained yet — run `momo ml train`, then this report again."],
        figures: [],
      });
      const segmentation = await buildReport("segmentation", wh);
      expect(segmentation.sections[0]).toEqual({
        title: "Segments",
        text: ["No segmentation yet — run `momo segment`, then this report again."],
        figures: [],
      });
      expect(column(segmentation, "The 20 clients with the most value", "client")).toHaveLength(20);
    });

    it("writes self-contained HTML: ECharts inlined, chart options as JSON, no network address", async () => {
      const path = await writeReport("exploration", wh, out);
      expect(path).toBe(join(out, "exploration.html"));
      const html = readFileSync(path, "utf8");
      expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
      expect(html.length).toBeGreaterThan(1_000_000);
      expect(html).toContain("echarts.init(");
      const options = JSON.parse(/const charts = (.*);\n/.exec(html)?.[1] ?? "null");
      expect(Object.keys(options).length).toBeGreaterThanOrEqual(8);
      expect(html).toContain("<summary>The numbers</summary>");
    });

    describe("with the outputs of a trained model", () => {
      beforeAll(async () => {
        await wh.close();
        const writer = await tiny.db.open();
        await seedMlOutputs(writer);
        await writer.close();
        wh = await openReadOnlyWarehouse(configFor(tiny.db));
      });

      it("evaluates the fraud model against the labels", async () => {
        const report = await buildReport("fraud", wh);
        const [row] = await wh.query<{ tp: number; fp: number; fn: number }>(
          `SELECT SUM(CASE WHEN fs.is_alert AND t.is_fraud THEN 1 ELSE 0 END) AS tp,
                  SUM(CASE WHEN fs.is_alert AND NOT t.is_fraud THEN 1 ELSE 0 END) AS fp,
                  SUM(CASE WHEN NOT fs.is_alert AND t.is_fraud THEN 1 ELSE 0 END) AS fn
             FROM dwh.fact_fraud_scores AS fs
             JOIN dwh.fact_transactions AS t ON t.transaction_id = fs.transaction_id`,
        );
        expect(figure(report, "Alerts against labels").table.rows).toEqual([
          ["alert", Number(row?.tp), Number(row?.fp)],
          ["no alert", Number(row?.fn), transactions - Number(row?.tp) - Number(row?.fp) - Number(row?.fn)],
        ]);
        expect(column(report, "Main reason of the latest alerts", "feature")).toEqual(["amount_zscore_30d"]);
        expect(column(report, "Model fraud_gbdt v1", "figure")).toEqual(
          expect.arrayContaining([
            "decision threshold",
            "imbalance treatment",
            "test precision",
            "test recall",
          ]),
        );
        expect(column(report, "Feature importance", "feature")).toEqual(["amount_zscore_30d", "night_time"]);
        expect(column(report, "Recall by typology on the test months", "recall")).toEqual([0.9, 0.75]);
        const typologies = column(report, "Fraud by typology", "transactions");
        const [fraud] = await wh.query<{ n: number }>(
          "SELECT COUNT(*) AS n FROM dwh.fact_transactions WHERE is_fraud",
        );
        expect(typologies.reduce((s: number, v) => s + Number(v), 0)).toBe(Number(fraud?.n));
      });

      it("profiles the K-means segments and their migration", async () => {
        const report = await buildReport("segmentation", wh);
        expect(column(report, "Segment profiles", "segment").sort()).toEqual([
          "At risk",
          "Champions",
          "Dormant",
          "Loyal",
        ]);
        const flows = figure(report, "Migration from 2025-06-30 to 2025-12-31").table.rows;
        expect(flows.length).toBeGreaterThan(3);
        expect(text(report)).toContain("0.0 % of the clients kept their segment");
      });
    });
  });
}
