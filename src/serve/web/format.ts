/** Number formatting shared by the pages: counts in full, money compact in F CFA, rates as percentages. */

const COUNT = new Intl.NumberFormat("en-US");
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });
const FULL_MONEY = new Intl.NumberFormat("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 2 });

export const CURRENCY = "F CFA";

export function formatCount(n: number): string {
  return COUNT.format(n);
}

/** `"5478945750.00"` → `5.48B F CFA`. */
export function formatMoney(amount: string | number | null): string {
  if (amount === null) return "–";
  return `${COMPACT.format(Number(amount))} ${CURRENCY}`;
}

export function formatMoneyFull(amount: string | number | null): string {
  if (amount === null) return "–";
  return `${FULL_MONEY.format(Number(amount))} ${CURRENCY}`;
}

/** A ratio as a percentage, with more decimals for small rates such as fraud. */
export function formatRate(ratio: number | null): string {
  if (ratio === null) return "–";
  const pct = ratio * 100;
  const digits = pct !== 0 && Math.abs(pct) < 1 ? 3 : 1;
  return `${pct.toFixed(digits)} %`;
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

export interface Delta {
  readonly text: string;
  readonly direction: "up" | "down" | "flat";
}

/** The change from `previous` to `current`, relative for amounts, in points for rates. */
export function delta(
  current: number | null,
  previous: number | null,
  kind: "relative" | "points",
): Delta | null {
  if (current === null || previous === null) return null;
  if (kind === "points") {
    const points = (current - previous) * 100;
    const direction = Math.abs(points) < 0.005 ? "flat" : points > 0 ? "up" : "down";
    return { text: `${points >= 0 ? "+" : "−"}${Math.abs(points).toFixed(2)} pt`, direction };
  }
  if (previous === 0) return current === 0 ? { text: "±0 %", direction: "flat" } : null;
  const change = ((current - previous) / Math.abs(previous)) * 100;
  const direction = Math.abs(change) < 0.05 ? "flat" : change > 0 ? "up" : "down";
  return { text: `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(1)} %`, direction };
}

/** Text made safe to put in HTML. */
export function html(text: unknown): string {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
