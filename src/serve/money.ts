/** Exact arithmetic on the warehouse's money, which both engines return as decimal strings (`"1234.50"`). */

const MONEY = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

export function toCents(amount: string | number | null | undefined): bigint {
  if (amount === null || amount === undefined) return 0n;
  const text = typeof amount === "number" ? amount.toFixed(2) : amount;
  const match = MONEY.exec(text);
  if (!match) throw new Error(`not an amount of money: ${JSON.stringify(amount)}`);
  const cents = BigInt(match[2] as string) * 100n + BigInt((match[3] ?? "").padEnd(2, "0"));
  return match[1] ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** An amount in the normal form `"1234.50"`; null and missing sums read as zero. */
export function money(amount: string | number | null | undefined): string {
  return fromCents(toCents(amount));
}

/** `amount / count`, rounded half away from zero to the cent; null when count is 0. */
export function moneyPer(amount: string | null | undefined, count: number): string | null {
  if (count === 0) return null;
  const cents = toCents(amount);
  const n = BigInt(count);
  const quotient = cents / n;
  const twiceRemainder = (cents % n) * 2n;
  const rounded = twiceRemainder >= n ? quotient + 1n : twiceRemainder <= -n ? quotient - 1n : quotient;
  return fromCents(rounded);
}

/** `part / whole` as a plain ratio; null when whole is 0. */
export function ratio(part: number | string, whole: number | string): number | null {
  const w = Number(whole);
  return w === 0 ? null : Number(part) / w;
}
