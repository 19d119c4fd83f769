import { getJson } from "./api.ts";
import { setCardState } from "./cards.ts";
import { BASE, compactAxis, draw, PALETTE } from "./charts.ts";
import { setPageParam } from "./filters.ts";
import { formatCount, formatMoney, formatMoneyFull, formatScore, html } from "./format.ts";

interface Version {
  version: number;
  validFrom: string;
  validTo: string;
  isCurrent: boolean;
  changeReason: string;
  clientName: string;
  clientType: string;
  sector: string;
  sizeBand: string;
  tier: string;
  kycLevel: number;
  status: string;
  country: string;
  region: string;
  locality: string;
  parentClientId: string | null;
  registrationDate: string;
}

interface Detail {
  clientId: string;
  history: Version[];
  activity: {
    month: string;
    transactions: number;
    value: string;
    fees: string;
    fraud: number;
    activeDays: number;
  }[];
  recentTransactions: {
    transactionId: string;
    transactionAt: string;
    service: string;
    channel: string;
    status: string;
    amount: string;
    counterparty: string | null;
    isFraud: boolean;
  }[];
  segments: { asOfDate: string; segment: string; recencyDays: number; frequency: number; monetary: string }[];
  alerts: { transactionId: string; date: string; score: number; modelVersion: number }[];
}

interface Match {
  clientId: string;
  clientName: string;
  clientType: string;
  region: string;
}

/** The attributes SCD2 tracks, as the history table shows them. */
const TRACKED: [keyof Version, string][] = [
  ["clientName", "name"],
  ["tier", "tier"],
  ["kycLevel", "KYC"],
  ["status", "status"],
  ["sizeBand", "size"],
  ["locality", "locality"],
  ["region", "region"],
  ["parentClientId", "parent"],
];

const CARD = "client";

function container(): HTMLElement {
  return document.getElementById("custom-client") as HTMLElement;
}

/** Builds the search box once; the detail under it changes with the chosen client. */
function ensureSearch(): HTMLElement {
  let detail = document.getElementById("client-detail");
  if (detail) return detail;
  container().innerHTML = `<form class="search" id="client-search">
      <input name="q" placeholder="Client id or part of a name" aria-label="search clients" minlength="2" required>
      <button type="submit">Search</button>
    </form>
    <div class="matches" id="client-matches"></div>
    <div id="client-detail"></div>`;
  const form = document.getElementById("client-search") as HTMLFormElement;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void search(String(new FormData(form).get("q") ?? ""));
  });
  detail = document.getElementById("client-detail") as HTMLElement;
  return detail;
}

async function search(text: string): Promise<void> {
  const matches = document.getElementById("client-matches") as HTMLElement;
  matches.textContent = "Searching…";
  try {
    const { clients } = await getJson<{ clients: Match[] }>(
      "/api/clients/search",
      new URLSearchParams({ q: text }),
    );
    if (clients.length === 0) {
      matches.textContent = `No client matches “${text}”.`;
      return;
    }
    matches.innerHTML = clients
      .map(
        (c) =>
          `<button type="button" data-client="${html(c.clientId)}">${html(c.clientName)} <span class="muted">${html(c.clientId)} · ${html(c.clientType)} · ${html(c.region)}</span></button>`,
      )
      .join("");
    for (const button of matches.querySelectorAll<HTMLButtonElement>("button[data-client]")) {
      button.addEventListener("click", () => {
        setPageParam("client", button.dataset.client as string);
        void renderClient(button.dataset.client as string);
      });
    }
  } catch (error) {
    matches.textContent = (error as Error).message;
  }
}

function historyTable(history: Version[]): string {
  const head = TRACKED.map(([, label]) => `<th>${label}</th>`).join("");
  const rows = history.map((v, i) => {
    const before = history[i - 1];
    const cells = TRACKED.map(([key]) => {
      const changed = before !== undefined && before[key] !== v[key];
      return `<td${changed ? ' class="changed"' : ""}>${html(v[key] ?? "–")}</td>`;
    }).join("");
    return `<tr data-version="${v.version}"><td class="num">${v.version}${v.isCurrent ? " ●" : ""}</td><td>${html(v.validFrom.slice(0, 16))}</td>
      <td>${v.isCurrent ? '<span class="muted">current</span>' : html(v.validTo.slice(0, 16))}</td><td>${html(v.changeReason.replaceAll("_", " "))}</td>${cells}</tr>`;
  });
  return `<div class="table"><table class="history"><thead><tr><th>v</th><th>valid from</th><th>valid to</th><th>change</th>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function transactionsTable(detail: Detail): string {
  if (detail.recentTransactions.length === 0) return '<p class="muted">No transactions.</p>';
  return `<div class="table"><table><thead><tr><th>When</th><th>Service</th><th>Status</th><th class="num">Amount</th><th>Counterparty</th></tr></thead><tbody>${detail.recentTransactions
    .map(
      (
        t,
      ) => `<tr><td>${html(t.transactionAt)}</td><td>${html(t.service)}<div class="muted">${html(t.channel)}</div></td>
      <td>${html(t.status.toLowerCase().replaceAll("_", " "))}${t.isFraud ? ' <span class="chip fraud">fraud</span>' : ""}</td>
      <td class="num">${html(formatMoneyFull(t.amount))}</td><td>${html(t.counterparty ?? "–")}</td></tr>`,
    )
    .join("")}</tbody></table></div>`;
}

function sideLists(detail: Detail): string {
  const segments = detail.segments.length
    ? detail.segments
        .map(
          (s) =>
            `<li>${html(s.asOfDate)}: <span class="chip">${html(s.segment)}</span> <span class="muted">${formatCount(s.frequency)} tx · ${html(formatMoney(s.monetary))} · ${s.recencyDays} days since last</span></li>`,
        )
        .join("")
    : '<li class="muted">Not segmented yet.</li>';
  const alerts = detail.alerts.length
    ? detail.alerts
        .map(
          (a) =>
            `<li>${html(a.date)} · ${html(a.transactionId)} · score ${formatScore(a.score)} <span class="muted">(model v${a.modelVersion})</span></li>`,
        )
        .join("")
    : '<li class="muted">No fraud alert.</li>';
  return `<h3>Segments</h3><ul>${segments}</ul><h3>Fraud alerts</h3><ul>${alerts}</ul>`;
}

function drawActivity(detail: Detail): void {
  if (detail.activity.length === 0) return;
  draw("chart-client-activity", {
    ...BASE,
    legend: { ...BASE.legend, data: ["Value", "Transactions"] },
    xAxis: { type: "category", data: detail.activity.map((m) => m.month) },
    yAxis: [
      { type: "value", ...compactAxis() },
      { type: "value", ...compactAxis(), splitLine: { show: false } },
    ],
    series: [
      {
        name: "Value",
        type: "bar",
        data: detail.activity.map((m) => Number(m.value)),
        tooltip: { valueFormatter: (v) => formatMoneyFull(Number(v)) },
      },
      {
        name: "Transactions",
        type: "line",
        yAxisIndex: 1,
        data: detail.activity.map((m) => m.transactions),
        color: PALETTE[1],
      },
    ],
  });
}

/** Shows one client's drill-down under the search box, or a hint when none is chosen. */
export async function renderClient(clientId: string | null): Promise<void> {
  const detail = ensureSearch();
  setCardState(CARD, "ready");
  if (!clientId) {
    detail.innerHTML = '<p class="muted">Search a client by id or name, or click one in Top clients.</p>';
    return;
  }
  detail.innerHTML = '<p class="muted">Loading…</p>';
  try {
    const data = await getJson<Detail>(`/api/clients/${encodeURIComponent(clientId)}`, new URLSearchParams());
    const current = data.history.at(-1) as Version;
    const segment = data.segments.at(-1)?.segment;
    detail.innerHTML = `<div class="client-head" data-client="${html(data.clientId)}">
        <h3>${html(current.clientName)}</h3>
        <span class="muted">${html(data.clientId)} · ${html(current.clientType)} · ${html(current.sector)} · ${html(current.tier)} · KYC ${current.kycLevel}</span>
        <span class="chip ${current.status === "active" ? "ok" : "fraud"}">${html(current.status)}</span>
        ${segment ? `<span class="chip">${html(segment)}</span>` : ""}
        <span class="muted">${html(current.locality)}, ${html(current.region)} (${html(current.country)}) · registered ${html(current.registrationDate)}</span>
      </div>
      <h3>History (SCD Type 2): ${data.history.length} version${data.history.length > 1 ? "s" : ""}</h3>
      ${historyTable(data.history)}
      <div class="two-columns">
        <div><h3>Monthly activity</h3>${data.activity.length ? '<div class="chart" id="chart-client-activity"></div>' : '<p class="muted">No activity.</p>'}</div>
        <div>${sideLists(data)}</div>
      </div>
      <h3>Latest transactions</h3>${transactionsTable(data)}`;
    drawActivity(data);
  } catch (error) {
    detail.innerHTML = `<p class="error-text">${html((error as Error).message)}</p>`;
  }
}
