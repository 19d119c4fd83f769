import { getJson } from "./api.ts";
import { loadCard } from "./cards.ts";
import { BASE, compactAxis, draw, PALETTE } from "./charts.ts";
import { type FilterChoices, setupPage, showResolvedDates } from "./filters.ts";
import { formatCount, formatMoney, formatMoneyFull, formatRate } from "./format.ts";
import { renderStats } from "./stats.ts";

interface Kpis {
  transactions: number;
  successful: number;
  value: string;
  fees: string;
  activeClients: number;
  successRate: number | null;
  averageTicket: string | null;
}

interface Overview {
  filters: Record<string, string>;
  previousPeriod: { from: string; to: string };
  current: Kpis;
  previous: Kpis;
}

interface Series {
  grain: string;
  points: (Kpis & { period: string })[];
}

interface Breakdown {
  items: (Kpis & { key: string; label: string; latitude?: number; longitude?: number })[];
}

function drawOverview(data: Overview): string | null {
  showResolvedDates(data.filters);
  const { current: c, previous: p } = data;
  renderStats(
    "stats-kpis",
    [
      {
        metric: "transactions",
        label: "Transactions",
        value: formatCount(c.transactions),
        raw: c.transactions,
        current: c.transactions,
        previous: p.transactions,
        change: "relative",
      },
      {
        metric: "value",
        label: "Value (successful)",
        value: formatMoney(c.value),
        raw: c.value,
        current: Number(c.value),
        previous: Number(p.value),
        change: "relative",
        note: formatMoneyFull(c.value),
      },
      {
        metric: "fees",
        label: "Fees earned",
        value: formatMoney(c.fees),
        raw: c.fees,
        current: Number(c.fees),
        previous: Number(p.fees),
        change: "relative",
      },
      {
        metric: "activeClients",
        label: "Active clients",
        value: formatCount(c.activeClients),
        raw: c.activeClients,
        current: c.activeClients,
        previous: p.activeClients,
        change: "relative",
      },
      {
        metric: "successRate",
        label: "Success rate",
        value: formatRate(c.successRate),
        raw: c.successRate,
        current: c.successRate,
        previous: p.successRate,
        change: "points",
      },
      {
        metric: "averageTicket",
        label: "Average ticket",
        value: formatMoney(c.averageTicket),
        raw: c.averageTicket,
        current: c.averageTicket === null ? null : Number(c.averageTicket),
        previous: p.averageTicket === null ? null : Number(p.averageTicket),
        change: "relative",
      },
    ],
    `${data.previousPeriod.from} → ${data.previousPeriod.to}`,
  );
  return c.transactions === 0 ? "No transactions match these filters in this period." : null;
}

function drawTrend(data: Series): string | null {
  if (data.points.length === 0) return "No transactions match these filters in this period.";
  draw("chart-trend", {
    ...BASE,
    tooltip: { ...BASE.tooltip, valueFormatter: (v) => formatCount(Number(v)) },
    legend: { ...BASE.legend, data: ["Value", "Transactions"] },
    xAxis: { type: "category", data: data.points.map((p) => p.period) },
    yAxis: [
      { type: "value", name: "F CFA", ...compactAxis(), splitLine: { lineStyle: { type: "dashed" } } },
      { type: "value", name: "count", ...compactAxis(), splitLine: { show: false } },
    ],
    series: [
      {
        name: "Value",
        type: "bar",
        data: data.points.map((p) => Number(p.value)),
        itemStyle: { borderRadius: [3, 3, 0, 0] },
      },
      {
        name: "Transactions",
        type: "line",
        yAxisIndex: 1,
        smooth: true,
        symbol: "none",
        data: data.points.map((p) => p.transactions),
      },
    ],
  });
  return null;
}

function drawServices(data: Breakdown): string | null {
  const items = data.items.filter((i) => i.transactions > 0);
  if (items.length === 0) return "No transactions match these filters in this period.";
  const sorted = [...items].reverse();
  draw("chart-by-service", {
    ...BASE,
    tooltip: { ...BASE.tooltip, valueFormatter: (v) => formatMoneyFull(Number(v)) },
    xAxis: { type: "value", ...compactAxis() },
    yAxis: {
      type: "category",
      data: sorted.map((i) => i.label),
      axisLabel: { width: 150, overflow: "truncate" },
    },
    series: [
      {
        name: "Value",
        type: "bar",
        data: sorted.map((i) => Number(i.value)),
        itemStyle: { borderRadius: [0, 3, 3, 0] },
      },
    ],
  });
  return null;
}

function drawChannels(data: Breakdown): string | null {
  if (data.items.length === 0) return "No transactions match these filters in this period.";
  draw("chart-by-channel", {
    tooltip: { trigger: "item", valueFormatter: (v) => `${formatCount(Number(v))} transactions` },
    legend: { bottom: 0, icon: "circle" },
    series: [
      {
        name: "Transactions",
        type: "pie",
        radius: ["42%", "70%"],
        center: ["50%", "45%"],
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        label: { formatter: "{d} %" },
        data: data.items.map((i) => ({ name: i.label, value: i.transactions })),
      },
    ],
  });
  return null;
}

/** Country names at the centre of their regions, as faint captions behind the bubbles. */
function countryCaptions(items: Breakdown["items"], choices: FilterChoices) {
  const byCountry = new Map<string, { lon: number; lat: number; n: number }>();
  for (const item of items) {
    const code = item.key.split(":")[0] as string;
    const sum = byCountry.get(code) ?? { lon: 0, lat: 0, n: 0 };
    byCountry.set(code, {
      lon: sum.lon + (item.longitude ?? 0),
      lat: sum.lat + (item.latitude ?? 0),
      n: sum.n + 1,
    });
  }
  return [...byCountry].map(([code, sum]) => ({
    name: choices.countries.find((c) => c.code === code)?.name ?? code,
    value: [sum.lon / sum.n, sum.lat / sum.n],
  }));
}

function drawRegions(data: Breakdown, choices: FilterChoices): string | null {
  const items = data.items.filter((i) => i.latitude !== undefined && i.transactions > 0);
  if (items.length === 0) return "No transactions match these filters in this period.";
  const max = Math.max(...items.map((i) => Number(i.value)));
  const rates = items.map((i) => i.successRate ?? 0);
  draw("chart-by-region", {
    grid: { left: 8, right: 8, top: 8, bottom: 40, containLabel: false },
    tooltip: {
      trigger: "item",
      formatter: (p: unknown) => {
        const item = items[(p as { dataIndex: number }).dataIndex];
        if ((p as { seriesIndex: number }).seriesIndex === 0) return "";
        return item
          ? `<b>${item.label}</b><br>${formatMoneyFull(item.value)}<br>${formatCount(item.transactions)} transactions · ${formatRate(item.successRate)} success`
          : "";
      },
    },
    xAxis: { type: "value", scale: true, show: false },
    yAxis: { type: "value", scale: true, show: false },
    visualMap: {
      seriesIndex: 1,
      min: Math.min(...rates),
      max: Math.max(...rates),
      dimension: 3,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      itemHeight: 120,
      text: ["success rate high", "low"],
      inRange: { color: ["#c8553d", "#e4b429", "#3aa17e"] },
      formatter: (v: unknown) => formatRate(Number(v)),
    },
    series: [
      {
        type: "scatter",
        silent: true,
        symbolSize: 0,
        z: 1,
        data: countryCaptions(items, choices),
        label: { show: true, formatter: "{b}", color: "#b8c0cc", fontSize: 22, fontWeight: "bold" },
      },
      {
        type: "scatter",
        z: 2,
        data: items.map((i) => [i.longitude, i.latitude, Number(i.value), i.successRate ?? 0, i.label]),
        symbolSize: (v: number[]) => 6 + 44 * Math.sqrt((v[2] ?? 0) / max),
        itemStyle: { opacity: 0.8, borderColor: "#fff", borderWidth: 1 },
        label: {
          show: true,
          formatter: (p: { value: unknown }) => {
            const v = p.value as [number, number, number, number, string];
            return v[2] > max * 0.25 ? v[4] : "";
          },
          position: "right",
          color: "#334",
          fontSize: 11,
        },
      },
    ],
  });
  return null;
}

function drawClientTypes(data: Breakdown): string | null {
  if (data.items.length === 0) return "No transactions match these filters in this period.";
  draw("chart-by-client-type", {
    ...BASE,
    legend: { ...BASE.legend, data: ["Value", "Active clients"] },
    xAxis: { type: "category", data: data.items.map((i) => i.label), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: [
      { type: "value", ...compactAxis(), splitLine: { lineStyle: { type: "dashed" } } },
      { type: "value", ...compactAxis(), splitLine: { show: false } },
    ],
    series: [
      {
        name: "Value",
        type: "bar",
        data: data.items.map((i) => Number(i.value)),
        itemStyle: { borderRadius: [3, 3, 0, 0] },
      },
      {
        name: "Active clients",
        type: "line",
        yAxisIndex: 1,
        data: data.items.map((i) => i.activeClients),
        color: PALETTE[1],
      },
    ],
  });
  return null;
}

void setupPage(async ({ params, choices }) => {
  await Promise.all([
    loadCard("kpis", () => getJson<Overview>("/api/kpi/overview", params), drawOverview),
    loadCard("trend", () => getJson<Series>("/api/kpi/timeseries", params), drawTrend),
    loadCard(
      "by-service",
      () => getJson<Breakdown>("/api/kpi/breakdown", params, { by: "service" }),
      drawServices,
    ),
    loadCard(
      "by-channel",
      () => getJson<Breakdown>("/api/kpi/breakdown", params, { by: "channel" }),
      drawChannels,
    ),
    loadCard(
      "by-region",
      () => getJson<Breakdown>("/api/kpi/breakdown", params, { by: "region" }),
      (data) => drawRegions(data, choices),
    ),
    loadCard(
      "by-client-type",
      () => getJson<Breakdown>("/api/kpi/breakdown", params, { by: "clientType", activeClients: "true" }),
      drawClientTypes,
    ),
  ]);
});
