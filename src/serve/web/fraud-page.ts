import { getJson } from "./api.ts";
import { loadCard, NO_MODEL } from "./cards.ts";
import { BASE, compactAxis, draw, PALETTE } from "./charts.ts";
import { apiParams, setupPage, showResolvedDates } from "./filters.ts";
import { formatCount, formatMoney, formatMoneyFull, formatRate, formatScore, html } from "./format.ts";
import { renderStats } from "./stats.ts";

interface Model {
  version: number;
  createdAt: string;
  trainedFrom: string | null;
  trainedTo: string | null;
  decisionThreshold: number | null;
  featureNames: string[];
  summary: {
    figures: { label: string; value: number | string }[];
    recallByFraudType: { fraudType: string; frauds: number; detected: number; recall: number }[];
    featureImportance: { feature: string; gain: number }[];
  };
}

interface Figures {
  transactions: number;
  fraud: number;
  fraudAmount: string;
  fraudRate: number | null;
  scored: number;
  alerts: number;
  alertRate: number | null;
}

interface Overview {
  filters: Record<string, string>;
  previousPeriod: { from: string; to: string };
  current: Figures;
  previous: Figures;
  model: Model | null;
}

interface Series {
  points: { period: string; fraudRate: number | null; fraud: number; alerts: number }[];
}

interface Breakdown {
  items: {
    key: string;
    label: string;
    fraud: number;
    fraudAmount: string;
    transactions?: number;
    fraudRate?: number | null;
  }[];
}

interface Scores {
  modelVersion: number | null;
  threshold: number | null;
  bins: { from: number; to: number; transactions: number; alerts: number }[];
}

interface Alerts {
  modelVersion: number | null;
  alerts: {
    transactionId: string;
    transactionAt: string;
    clientId: string;
    clientName: string;
    clientType: string;
    service: string;
    channel: string;
    amount: string;
    score: number;
    isFraud: boolean;
    fraudType: string | null;
    reasons: { feature: string; value: unknown; contribution: number }[];
  }[];
}

function drawOverview(data: Overview): string | null {
  showResolvedDates(data.filters);
  const { current: c, previous: p, model } = data;
  renderStats(
    "stats-fraud-kpis",
    [
      {
        metric: "fraud",
        label: "Labelled fraud",
        value: formatCount(c.fraud),
        raw: c.fraud,
        current: c.fraud,
        previous: p.fraud,
        change: "relative",
        risingIsBad: true,
      },
      {
        metric: "fraudRate",
        label: "Fraud rate",
        value: formatRate(c.fraudRate),
        raw: c.fraudRate,
        current: c.fraudRate,
        previous: p.fraudRate,
        change: "points",
        risingIsBad: true,
      },
      {
        metric: "fraudAmount",
        label: "Fraud amount",
        value: formatMoney(c.fraudAmount),
        raw: c.fraudAmount,
        current: Number(c.fraudAmount),
        previous: Number(p.fraudAmount),
        change: "relative",
        risingIsBad: true,
      },
      model
        ? {
            metric: "alerts",
            label: "Model alerts",
            value: formatCount(c.alerts),
            raw: c.alerts,
            current: c.alerts,
            previous: p.alerts,
            change: "relative",
            risingIsBad: true,
            note: `${formatCount(c.scored)} scored`,
          }
        : { metric: "alerts", label: "Model alerts", value: "–", raw: null, note: "no model trained yet" },
      {
        metric: "alertRate",
        label: "Alert rate",
        value: formatRate(c.alertRate),
        raw: c.alertRate,
        current: c.alertRate,
        previous: p.alertRate,
        change: "points",
        risingIsBad: true,
      },
      {
        metric: "transactions",
        label: "Transactions",
        value: formatCount(c.transactions),
        raw: c.transactions,
        current: c.transactions,
        previous: p.transactions,
        change: "relative",
      },
    ],
    `${data.previousPeriod.from} → ${data.previousPeriod.to}`,
  );
  return c.transactions === 0 ? "No transactions match these filters in this period." : null;
}

function figure(value: number | string): string {
  if (typeof value === "string") return value;
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(3);
}

function drawModel(model: Model | null): string | null {
  if (!model) return NO_MODEL;
  const { summary } = model;
  const rows: [string, string][] = [
    ["version", String(model.version)],
    ["trained", model.createdAt.slice(0, 16)],
    ["training data", `${model.trainedFrom ?? "?"} → ${model.trainedTo ?? "?"}`],
    ["decision threshold", model.decisionThreshold === null ? "–" : formatScore(model.decisionThreshold)],
    ["features", String(model.featureNames.length)],
    ...summary.figures.map((f): [string, string] => [f.label, figure(f.value)]),
  ];
  const top = summary.featureImportance[0]?.gain ?? 1;
  const importance = summary.featureImportance.length
    ? `<h3>Feature importance (gain)</h3><table>${summary.featureImportance
        .map(
          (f) =>
            `<tr><td>${html(f.feature)}</td><td><span class="scorebar wide"><i style="width:${Math.round((f.gain / top) * 100)}%"></i></span></td></tr>`,
        )
        .join("")}</table>`
    : "";
  const recall = summary.recallByFraudType.length
    ? `<h3>Test recall by typology</h3><table>${summary.recallByFraudType
        .map(
          (g) =>
            `<tr><td>${html(g.fraudType.replaceAll("_", " "))}</td><td class="num">${formatCount(g.detected)} / ${formatCount(g.frauds)}</td><td class="num">${formatRate(g.recall)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  const container = document.getElementById("custom-model") as HTMLElement;
  container.innerHTML = `<div class="two-columns"><dl>${rows
    .map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`)
    .join("")}</dl><div>${importance}${recall}</div></div>`;
  return null;
}

function drawTrend(data: Series, hasModel: boolean): string | null {
  if (data.points.length === 0) return "No transactions match these filters in this period.";
  draw("chart-fraud-trend", {
    ...BASE,
    legend: { ...BASE.legend, data: hasModel ? ["Fraud rate", "Model alerts"] : ["Fraud rate"] },
    xAxis: { type: "category", data: data.points.map((p) => p.period) },
    yAxis: [
      {
        type: "value",
        name: "fraud rate",
        axisLabel: { formatter: (v: number) => `${(v * 100).toFixed(2)} %` },
      },
      { type: "value", name: "alerts", ...compactAxis(), splitLine: { show: false } },
    ],
    series: [
      {
        name: "Fraud rate",
        type: "line",
        data: data.points.map((p) => p.fraudRate ?? 0),
        areaStyle: { opacity: 0.12 },
        symbol: "none",
        tooltip: { valueFormatter: (v) => formatRate(Number(v)) },
      },
      ...(hasModel
        ? [
            {
              name: "Model alerts",
              type: "bar" as const,
              yAxisIndex: 1,
              data: data.points.map((p) => p.alerts),
              color: PALETTE[1],
              itemStyle: { opacity: 0.6 },
            },
          ]
        : []),
    ],
  });
  return null;
}

function drawTypologies(data: Breakdown): string | null {
  if (data.items.length === 0) return "No labelled fraud in this period.";
  draw("chart-by-typology", {
    ...BASE,
    tooltip: { ...BASE.tooltip, valueFormatter: (v) => `${formatCount(Number(v))} transactions` },
    xAxis: { type: "category", data: data.items.map((i) => i.label), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", ...compactAxis() },
    series: [
      {
        name: "Fraudulent transactions",
        type: "bar",
        data: data.items.map((i) => i.fraud),
        color: "#c8553d",
        itemStyle: { borderRadius: [3, 3, 0, 0] },
      },
    ],
  });
  return null;
}

function drawServices(data: Breakdown): string | null {
  const items = data.items.filter((i) => i.fraud > 0).slice(0, 10);
  if (items.length === 0) return "No labelled fraud in this period.";
  draw("chart-fraud-by-service", {
    ...BASE,
    legend: { ...BASE.legend, data: ["Fraudulent transactions", "Fraud rate"] },
    xAxis: {
      type: "category",
      data: items.map((i) => i.label),
      axisLabel: { interval: 0, rotate: 25, width: 110, overflow: "truncate" },
    },
    yAxis: [
      { type: "value", ...compactAxis() },
      {
        type: "value",
        axisLabel: { formatter: (v: number) => `${(v * 100).toFixed(1)} %` },
        splitLine: { show: false },
      },
    ],
    series: [
      { name: "Fraudulent transactions", type: "bar", data: items.map((i) => i.fraud), color: "#c8553d" },
      {
        name: "Fraud rate",
        type: "line",
        yAxisIndex: 1,
        data: items.map((i) => i.fraudRate ?? 0),
        color: PALETTE[1],
        tooltip: { valueFormatter: (v) => formatRate(Number(v)) },
      },
    ],
  });
  return null;
}

function drawScores(data: Scores): string | null {
  if (data.modelVersion === null) return NO_MODEL;
  if (data.bins.every((b) => b.transactions === 0)) {
    return `No transaction of this period scored by model v${data.modelVersion} — \`momo ml score\` scores them.`;
  }
  const labels = data.bins.map((b) => `${b.from.toFixed(2)}`);
  const threshold = data.threshold;
  draw("chart-scores", {
    ...BASE,
    legend: { ...BASE.legend, data: ["Below threshold", "Alerts"] },
    tooltip: { ...BASE.tooltip, valueFormatter: (v) => formatCount(Number(v)) },
    xAxis: { type: "category", data: labels, name: "score" },
    yAxis: { type: "log", logBase: 10, name: "transactions", ...compactAxis() },
    series: [
      {
        name: "Below threshold",
        type: "bar",
        barGap: "-100%",
        data: data.bins.map((b) => b.transactions - b.alerts || null),
        color: PALETTE[1],
        ...(threshold === null
          ? {}
          : {
              markLine: {
                symbol: "none",
                lineStyle: { color: "#c8413a", type: "dashed" },
                label: { formatter: `threshold ${formatScore(threshold)}` },
                data: [{ xAxis: Math.min(Math.floor(threshold * data.bins.length), data.bins.length - 1) }],
              },
            }),
      },
      {
        name: "Alerts",
        type: "bar",
        data: data.bins.map((b) => b.alerts || null),
        color: "#c8413a",
      },
    ],
  });
  return null;
}

function drawAlerts(data: Alerts): string | null {
  if (data.modelVersion === null) return NO_MODEL;
  if (data.alerts.length === 0) {
    return `No alert of model v${data.modelVersion} in this period for these filters (\`momo ml score\` scores new transactions).`;
  }
  const container = document.getElementById("table-alerts") as HTMLElement;
  const filters = new URLSearchParams(apiParams());
  const rows = data.alerts.map((a) => {
    filters.set("client", a.clientId);
    const reasons = a.reasons
      .map(
        (r) =>
          `<span class="chip">${html(r.feature)} = ${html(typeof r.value === "number" ? Number(r.value.toFixed(3)) : r.value)} <b>${r.contribution >= 0 ? "+" : ""}${r.contribution.toFixed(2)}</b></span>`,
      )
      .join("");
    const label = a.isFraud
      ? `<span class="chip fraud">${html((a.fraudType ?? "fraud").replaceAll("_", " "))}</span>`
      : `<span class="chip ok">not labelled</span>`;
    return `<tr>
      <td>${html(a.transactionAt)}</td>
      <td><a href="/clients?${html(filters.toString())}">${html(a.clientName)}</a><div class="muted">${html(a.clientId)} · ${html(a.clientType)}</div></td>
      <td>${html(a.service)}<div class="muted">${html(a.channel)}</div></td>
      <td class="num">${html(formatMoneyFull(a.amount))}</td>
      <td class="num">${formatScore(a.score)}<span class="scorebar"><i style="width:${Math.round(a.score * 100)}%"></i></span></td>
      <td>${label}</td>
      <td>${reasons}</td>
    </tr>`;
  });
  container.innerHTML = `<table><thead><tr><th>When</th><th>Client</th><th>Service</th><th class="num">Amount</th>
    <th class="num">Score</th><th>Label</th><th>Top reasons</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return null;
}

void setupPage(async ({ params, choices }) => {
  const hasModel = choices.models.fraud !== null;
  const overview = getJson<Overview>("/api/fraud/overview", params);
  overview.catch(() => {}); // each card below reports the failure itself
  await Promise.all([
    loadCard("fraud-kpis", () => overview, drawOverview),
    loadCard(
      "model",
      () => overview,
      (data) => drawModel(data.model),
    ),
    loadCard(
      "fraud-trend",
      () => getJson<Series>("/api/fraud/timeseries", params),
      (d) => drawTrend(d, hasModel),
    ),
    loadCard(
      "by-typology",
      () => getJson<Breakdown>("/api/fraud/breakdown", params, { by: "typology" }),
      drawTypologies,
    ),
    loadCard(
      "fraud-by-service",
      () => getJson<Breakdown>("/api/fraud/breakdown", params, { by: "service" }),
      drawServices,
    ),
    loadCard("scores", () => getJson<Scores>("/api/fraud/scores", params), drawScores),
    loadCard("alerts", () => getJson<Alerts>("/api/fraud/alerts", params, { limit: "25" }), drawAlerts),
  ]);
});
