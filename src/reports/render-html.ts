import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Cell, Column, Report } from "./report.ts";

const ECHARTS = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
const PALETTE = ["#f26b1d", "#1f6f8b", "#3aa17e", "#e4b429", "#8e5ea2", "#c8553d", "#5b8def", "#7a8b99"];

const COUNT = new Intl.NumberFormat("en-US");
const MONEY = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const DECIMAL = new Intl.NumberFormat("en-US", { maximumFractionDigits: 3 });

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function formatCell(value: Cell, column: Column): string {
  if (value === null) return "–";
  switch (column.format) {
    case "count":
      return COUNT.format(Number(value));
    case "money":
      return MONEY.format(Number(value));
    case "rate":
      return `${(Number(value) * 100).toFixed(3)} %`;
    case "decimal":
      return DECIMAL.format(Number(value));
    default:
      return String(value);
  }
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

const STYLE = `
  body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d2733; background: #f4f6f9; }
  header { background: #1d2733; color: #fff; padding: 28px 40px; }
  header h1 { margin: 0 0 4px; font-size: 24px; } header h1 span { color: #f26b1d; }
  header p { margin: 0; color: #cfd6e0; }
  main { max-width: 1180px; margin: 0 auto; padding: 16px 40px 48px; }
  nav { margin: 16px 0; } nav a { margin-right: 16px; color: #1f6f8b; }
  section { background: #fff; border: 1px solid #e4e7ec; border-radius: 10px; padding: 20px 24px; margin: 20px 0; }
  section h2 { margin: 0 0 8px; font-size: 19px; }
  figure { margin: 24px 0 8px; } figure h3 { margin: 0 0 2px; font-size: 15px; }
  figure .note { margin: 0 0 8px; color: #667085; font-size: 13px; }
  .chart { width: 100%; height: 340px; }
  details { margin-top: 6px; } summary { cursor: pointer; color: #1f6f8b; font-size: 13px; }
  table { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 13px; }
  th, td { border-bottom: 1px solid #e4e7ec; padding: 4px 8px; text-align: left; }
  th { color: #667085; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  footer { color: #667085; font-size: 12px; text-align: center; padding-bottom: 32px; }
`;

/** One HTML file holding everything: text, tables, chart options and ECharts itself (no network needed). */
export function renderReportHtml(report: Report): string {
  const charts: Record<string, unknown> = {};
  let next = 0;
  const sections = report.sections.map((section, s) => {
    const figures = section.figures.map((figure) => {
      const id = `chart-${++next}`;
      if (figure.chart) charts[id] = { color: PALETTE, animation: false, ...figure.chart };
      const head = figure.table.columns
        .map((c) => `<th${c.format && c.format !== "text" ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`)
        .join("");
      const rows = figure.table.rows
        .map(
          (row) =>
            `<tr>${row
              .map((cell, i) => {
                const column = figure.table.columns[i] as Column;
                const numeric = column.format && column.format !== "text";
                return `<td${numeric ? ' class="num"' : ""}>${escapeHtml(formatCell(cell, column))}</td>`;
              })
              .join("")}</tr>`,
        )
        .join("");
      const table = `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
      return `<figure>
        <h3>${escapeHtml(figure.title)}</h3>${figure.note ? `<p class="note">${escapeHtml(figure.note)}</p>` : ""}
        ${figure.chart ? `<div class="chart" id="${id}" style="height:${figure.height ?? 340}px"></div><details><summary>The numbers</summary>${table}</details>` : table}
      </figure>`;
    });
    return `<section id="section-${s + 1}"><h2>${escapeHtml(section.title)}</h2>
      ${section.text.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}${figures.join("")}</section>`;
  });
  const toc = report.sections
    .map((s, i) => `<a href="#section-${i + 1}">${escapeHtml(s.title)}</a>`)
    .join("");
  const echarts = readFileSync(ECHARTS, "utf8").replaceAll("</script", "<\\/script");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)} · momo-dwh</title>
<style>${STYLE}</style>
<script>${echarts}</script>
</head>
<body>
<header><h1>momo<span>-dwh</span> · ${escapeHtml(report.title)}</h1><p>${escapeHtml(report.subtitle)}</p></header>
<main>
<nav>${toc}</nav>
${sections.join("\n")}
</main>
<footer>Generated ${escapeHtml(report.generatedAt)} from ${escapeHtml(report.source)} by <code>momo report ${report.kind}</code>.</footer>
<script>
const charts = ${scriptJson(charts)};
for (const [id, option] of Object.entries(charts)) {
  const chart = echarts.init(document.getElementById(id));
  chart.setOption(option);
  addEventListener("resize", () => chart.resize());
}
</script>
</body>
</html>
`;
}
