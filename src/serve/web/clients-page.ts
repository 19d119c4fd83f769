import { getJson } from "./api.ts";
import { loadCard, NO_SEGMENTS } from "./cards.ts";
import { BASE, compactAxis, draw, PALETTE } from "./charts.ts";
import { renderClient } from "./client-detail.ts";
import { setPageParam, setupPage, showResolvedDates } from "./filters.ts";
import { formatCount, formatMoney, formatRate, html } from "./format.ts";

interface Segments {
  filters: Record<string, string>;
  asOfDate: string | null;
  segments: {
    name: string;
    clients: number;
    monetary: string;
    averageMonetary: number;
    averageFrequency: number;
    averageRecencyDays: number;
  }[];
}

interface Migration {
  fromDate: string | null;
  toDate: string | null;
  flows: { from: string; to: string; clients: number }[];
}

interface TopClients {
  filters: Record<string, string>;
  clients: {
    clientId: string;
    clientName: string;
    clientType: string;
    region: string;
    country: string;
    segment: string | null;
    transactions: number;
    value: string;
    successRate: number | null;
  }[];
}

interface Cohorts {
  months: string[];
  cohorts: { cohort: string; size: number; active: number[] }[];
}

function drawSegments(data: Segments): string | null {
  if (data.asOfDate === null) return NO_SEGMENTS;
  if (data.segments.length === 0) return "No segmented client matches these filters.";
  draw("chart-segments", {
    ...BASE,
    title: {
      text: `as of ${data.asOfDate}`,
      right: 0,
      top: 0,
      textStyle: { fontSize: 12, color: "#667085", fontWeight: "normal" },
    },
    legend: { ...BASE.legend, data: ["Clients", "Value over the window"] },
    xAxis: { type: "category", data: data.segments.map((s) => s.name), axisLabel: { interval: 0 } },
    yAxis: [
      { type: "value", name: "clients", ...compactAxis() },
      { type: "value", name: "F CFA", ...compactAxis(), splitLine: { show: false } },
    ],
    series: [
      {
        name: "Clients",
        type: "bar",
        data: data.segments.map((s) => s.clients),
        itemStyle: { borderRadius: [3, 3, 0, 0] },
      },
      {
        name: "Value over the window",
        type: "line",
        yAxisIndex: 1,
        data: data.segments.map((s) => Number(s.monetary)),
        color: PALETTE[1],
        tooltip: { valueFormatter: (v) => formatMoney(Number(v)) },
      },
    ],
  });
  return null;
}

function drawMigration(data: Migration): string | null {
  if (data.toDate === null) return NO_SEGMENTS;
  if (data.fromDate === null) {
    return "One segmentation so far: migration needs a second one, e.g. `momo segment --as-of` an earlier day.";
  }
  if (data.flows.length === 0) return "No segmented client matches these filters.";
  const left = (name: string) => `${name} · ${data.fromDate}`;
  const right = (name: string) => `${name} · ${data.toDate}`;
  const names = new Set<string>();
  for (const f of data.flows) names.add(left(f.from)).add(right(f.to));
  draw("chart-migration", {
    tooltip: { trigger: "item", valueFormatter: (v) => `${formatCount(Number(v))} clients` },
    series: [
      {
        type: "sankey",
        left: 0,
        right: 150,
        top: 8,
        bottom: 8,
        nodeGap: 10,
        emphasis: { focus: "adjacency" },
        lineStyle: { color: "gradient", opacity: 0.35 },
        label: { fontSize: 11 },
        data: [...names].map((name) => ({ name })),
        links: data.flows.map((f) => ({ source: left(f.from), target: right(f.to), value: f.clients })),
      },
    ],
  });
  return null;
}

function drawTopClients(data: TopClients, select: (clientId: string) => void): string | null {
  if (data.clients.length === 0) return "No client was active with these filters in this period.";
  showResolvedDates(data.filters);
  const container = document.getElementById("table-top-clients") as HTMLElement;
  container.innerHTML = `<table><thead><tr><th>#</th><th>Client</th><th>Type</th><th>Region</th><th>Segment</th>
    <th class="num">Value</th><th class="num">Transactions</th><th class="num">Success</th></tr></thead><tbody>${data.clients
      .map(
        (c, i) => `<tr class="clickable" data-client="${html(c.clientId)}">
          <td class="num">${i + 1}</td>
          <td><b>${html(c.clientName)}</b> <span class="muted">${html(c.clientId)}</span></td>
          <td>${html(c.clientType)}</td>
          <td>${html(c.region)} (${html(c.country)})</td>
          <td>${c.segment ? `<span class="chip">${html(c.segment)}</span>` : '<span class="muted">–</span>'}</td>
          <td class="num" data-value="${html(c.value)}">${html(formatMoney(c.value))}</td>
          <td class="num">${formatCount(c.transactions)}</td>
          <td class="num">${formatRate(c.successRate)}</td>
        </tr>`,
      )
      .join("")}</tbody></table>`;
  for (const row of container.querySelectorAll<HTMLElement>("tr[data-client]")) {
    row.addEventListener("click", () => select(row.dataset.client as string));
  }
  return null;
}

function drawCohorts(data: Cohorts): string | null {
  const cohorts = data.cohorts.filter((c) => c.size > 0);
  if (data.months.length === 0 || cohorts.length === 0)
    return "No client was active with these filters in this period.";
  const cells = cohorts.flatMap((c, y) =>
    data.months.map((_, x) => [
      x,
      y,
      Math.round(((c.active[x] ?? 0) / c.size) * 1000) / 10,
      c.active[x] ?? 0,
      c.size,
    ]),
  );
  draw("chart-cohorts", {
    grid: { left: 8, right: 8, top: 8, bottom: 64, containLabel: true },
    tooltip: {
      formatter: (p: unknown) => {
        const v = (p as { value: number[] }).value;
        const cohort = cohorts[v[1] as number];
        return `cohort ${cohort?.cohort} in ${data.months[v[0] as number]}<br>${formatCount(v[3] as number)} of ${formatCount(v[4] as number)} clients active (${v[2]} %)`;
      },
    },
    xAxis: { type: "category", data: data.months, splitArea: { show: true } },
    yAxis: {
      type: "category",
      data: cohorts.map((c) => c.cohort),
      inverse: true,
      axisLabel: { fontSize: 10 },
    },
    visualMap: {
      min: 0,
      max: 100,
      dimension: 2,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      itemHeight: 140,
      text: ["100 % active", "0 %"],
      inRange: { color: ["#f4f6f9", "#f9c49a", "#f26b1d", "#8a3508"] },
    },
    series: [
      {
        name: "Active share",
        type: "heatmap",
        data: cells,
        label: {
          show: data.months.length <= 6,
          fontSize: 9,
          formatter: (p: { value: unknown }) => `${(p.value as number[])[2]}`,
        },
      },
    ],
  });
  return null;
}

void setupPage(async ({ params }) => {
  const select = (clientId: string) => {
    setPageParam("client", clientId);
    void renderClient(clientId);
    document.querySelector('[data-card="client"]')?.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  await Promise.all([
    loadCard("segments", () => getJson<Segments>("/api/clients/segments", params), drawSegments),
    loadCard("migration", () => getJson<Migration>("/api/clients/migration", params), drawMigration),
    loadCard(
      "top-clients",
      () => getJson<TopClients>("/api/clients/top", params, { limit: "12" }),
      (d) => drawTopClients(d, select),
    ),
    loadCard("cohorts", () => getJson<Cohorts>("/api/clients/cohorts", params), drawCohorts),
    renderClient(new URLSearchParams(location.search).get("client")),
  ]);
});
