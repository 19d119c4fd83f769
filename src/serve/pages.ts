/** The HTML shell of each dashboard: a header with the page links, the shared filter bar, and the page's cards. */

export interface Page {
  readonly id: "kpi" | "fraud" | "clients";
  readonly path: string;
  readonly title: string;
  readonly script: string;
  readonly cards: readonly Card[];
}

interface Card {
  readonly id: string;
  readonly title: string;
  readonly hint?: string;
  /** Columns of the 12-column grid. */
  readonly span: number;
  readonly kind: "chart" | "chart-tall" | "table" | "stats" | "custom";
}

export const PAGES: readonly Page[] = [
  {
    id: "kpi",
    path: "/",
    title: "KPI overview",
    script: "kpi-page.ts",
    cards: [
      {
        id: "kpis",
        title: "Key figures",
        hint: "against the previous period of the same length",
        span: 12,
        kind: "stats",
      },
      {
        id: "trend",
        title: "Trend",
        hint: "value of successful transactions and their count",
        span: 12,
        kind: "chart",
      },
      {
        id: "by-service",
        title: "By service",
        hint: "value of successful transactions",
        span: 7,
        kind: "chart-tall",
      },
      { id: "by-channel", title: "By channel", hint: "share of transactions", span: 5, kind: "chart-tall" },
      {
        id: "by-region",
        title: "By region",
        hint: "bubble size: value; colour: success rate",
        span: 7,
        kind: "chart-tall",
      },
      {
        id: "by-client-type",
        title: "By client type",
        hint: "value and active clients",
        span: 5,
        kind: "chart-tall",
      },
    ],
  },
  {
    id: "fraud",
    path: "/fraud",
    title: "Fraud monitoring",
    script: "fraud-page.ts",
    cards: [
      {
        id: "fraud-kpis",
        title: "Fraud at a glance",
        hint: "labelled fraud in the data, and the model's alerts",
        span: 12,
        kind: "stats",
      },
      {
        id: "fraud-trend",
        title: "Fraud rate over time",
        hint: "labelled fraud rate and the model's alerts",
        span: 12,
        kind: "chart",
      },
      {
        id: "by-typology",
        title: "By typology",
        hint: "labelled fraudulent transactions",
        span: 6,
        kind: "chart",
      },
      {
        id: "fraud-by-service",
        title: "By service",
        hint: "fraudulent transactions and fraud rate",
        span: 6,
        kind: "chart",
      },
      {
        id: "scores",
        title: "Score distribution",
        hint: "transactions scored by the active model",
        span: 6,
        kind: "chart",
      },
      {
        id: "model",
        title: "Model",
        hint: "the active fraud model and its evaluation",
        span: 6,
        kind: "custom",
      },
      {
        id: "alerts",
        title: "Latest alerts",
        hint: "highest scores of the latest days, with the reasons",
        span: 12,
        kind: "table",
      },
    ],
  },
  {
    id: "clients",
    path: "/clients",
    title: "Client analytics",
    script: "clients-page.ts",
    cards: [
      { id: "segments", title: "Segments", hint: "clients and value per segment", span: 7, kind: "chart" },
      {
        id: "migration",
        title: "Segment migration",
        hint: "between the two latest segmentations",
        span: 5,
        kind: "chart",
      },
      {
        id: "top-clients",
        title: "Top clients",
        hint: "by value of successful transactions; click for details",
        span: 7,
        kind: "table",
      },
      {
        id: "cohorts",
        title: "Cohorts by registration month",
        hint: "share of each cohort active per month",
        span: 5,
        kind: "chart-tall",
      },
      { id: "client", title: "Client drill-down", hint: "search by id or name", span: 12, kind: "custom" },
    ],
  },
];

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

function cardHtml(card: Card): string {
  const body =
    card.kind === "chart" || card.kind === "chart-tall"
      ? `<div class="chart${card.kind === "chart-tall" ? " tall" : ""}" id="chart-${card.id}"></div>`
      : `<div class="${card.kind}" id="${card.kind}-${card.id}"></div>`;
  return `
    <section class="card" data-card="${card.id}" data-state="loading" style="--span: ${card.span}">
      <header><h2>${escapeHtml(card.title)}</h2>${card.hint ? `<p class="hint">${escapeHtml(card.hint)}</p>` : ""}</header>
      <div class="body">${body}</div>
      <p class="state" role="status"></p>
    </section>`;
}

export function pageHtml(page: Page): string {
  const links = PAGES.map(
    (p) =>
      `<a href="${p.path}" data-nav${p.id === page.id ? ' aria-current="page"' : ""}>${escapeHtml(p.title)}</a>`,
  ).join("");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)} · momo-dwh</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/assets/style.css">
  <script src="/vendor/echarts.min.js"></script>
  <script type="module" src="/assets/${page.script}"></script>
</head>
<body data-page="${page.id}">
  <header class="top">
    <span class="brand">momo<span>-dwh</span></span>
    <nav>${links}</nav>
    <span class="engine" id="engine"></span>
  </header>
  <form class="filters" id="filters" data-state="loading" autocomplete="off"></form>
  <div class="banner" id="banner" role="alert" hidden></div>
  <main class="grid">${page.cards.map(cardHtml).join("")}
  </main>
</body>
</html>
`;
}
