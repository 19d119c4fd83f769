import { type Delta, delta, html } from "./format.ts";

export interface Stat {
  /** Stable name, also the `data-metric` attribute the tests read. */
  readonly metric: string;
  readonly label: string;
  readonly value: string;
  /** The exact figure behind `value`, as the API gave it. */
  readonly raw: string | number | null;
  readonly current?: number | null;
  readonly previous?: number | null;
  readonly change?: "relative" | "points";
  /** Whether a rise is bad news (fraud), which flips the colours. */
  readonly risingIsBad?: boolean;
  readonly note?: string;
}

function deltaHtml(d: Delta | null, risingIsBad: boolean, previousText: string): string {
  if (!d) return `<span class="delta none">no comparison</span>`;
  const good = d.direction === "flat" ? "flat" : (d.direction === "up") !== risingIsBad ? "good" : "bad";
  const arrow = d.direction === "up" ? "▲" : d.direction === "down" ? "▼" : "■";
  return `<span class="delta ${good}" title="previous period: ${html(previousText)}">${arrow} ${html(d.text)}</span>`;
}

/** A row of figures with their change against the previous period. */
export function renderStats(containerId: string, stats: readonly Stat[], previousLabel: string): void {
  const container = document.getElementById(containerId);
  if (!container) return;
  container.innerHTML = stats
    .map((s) => {
      const d = s.change && s.current !== undefined ? delta(s.current, s.previous ?? null, s.change) : null;
      const comparison = s.change ? deltaHtml(d, s.risingIsBad ?? false, previousLabel) : "";
      return `<div class="stat" data-metric="${html(s.metric)}" data-value="${html(s.raw ?? "")}">
          <div class="label">${html(s.label)}</div>
          <div class="value">${html(s.value)}</div>
          <div class="sub">${comparison}${s.note ? `<span class="note">${html(s.note)}</span>` : ""}</div>
        </div>`;
    })
    .join("");
}
