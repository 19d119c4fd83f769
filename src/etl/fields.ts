/** Typed checks of single text fields; each returns the parsed value or null when the text is not valid. */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] as number;
}

function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

export interface Timestamp {
  /** yyyymmdd */
  readonly dateKey: number;
  /** hhmm */
  readonly timeKey: number;
  /** The text, `YYYY-MM-DD HH:MM:SS`, comparable as a string. */
  readonly text: string;
}

/** `YYYY-MM-DD HH:MM:SS` with a real calendar date and clock time (ISO `T` separator accepted). */
export function parseTimestamp(text: string): Timestamp | null {
  if (text.length !== 19 || text[4] !== "-" || text[7] !== "-" || text[13] !== ":" || text[16] !== ":")
    return null;
  if (text[10] !== " " && text[10] !== "T") return null;
  const date = parseDateParts(text);
  if (date === null) return null;
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return {
    dateKey: date,
    timeKey: hour * 100 + minute,
    text: text[10] === "T" ? `${text.slice(0, 10)} ${text.slice(11)}` : text,
  };
}

/** `YYYY-MM-DD`, a real calendar date; returns yyyymmdd. */
export function parseDate(text: string): number | null {
  if (text.length !== 10 || text[4] !== "-" || text[7] !== "-") return null;
  return parseDateParts(text);
}

function parseDateParts(text: string): number | null {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  return year * 10000 + month * 100 + day;
}

/** The patterns of the checks, also run as RE2 patterns by the SQL checks (transactionChecksSql). */
export const AMOUNT_PATTERN = "[0-9]{1,16}(\\.[0-9]{1,2})?";
export const ZERO_AMOUNT_PATTERN = "0+(\\.0+)?";
export const IDENTIFIER_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}";

const DECIMAL = new RegExp(`^${AMOUNT_PATTERN}$`);
const SIGNED_DECIMAL = new RegExp(`^-?${AMOUNT_PATTERN}$`);
const ZERO_AMOUNT = new RegExp(`^${ZERO_AMOUNT_PATTERN}$`);

/** A non-negative amount with at most 2 decimals (`12500`, `12500.5`); no separators, signs or units. */
export function parseAmount(text: string): string | null {
  return DECIMAL.test(text) ? text : null;
}

export function parseSignedAmount(text: string): string | null {
  return SIGNED_DECIMAL.test(text) ? text : null;
}

export function isZeroAmount(text: string): boolean {
  return ZERO_AMOUNT.test(text);
}

export function parseFlag(text: string): boolean | null {
  switch (text) {
    case "1":
    case "true":
    case "t":
      return true;
    case "0":
    case "false":
    case "f":
      return false;
    default:
      return null;
  }
}

const IDENTIFIER = new RegExp(`^${IDENTIFIER_PATTERN}$`);

/** An identifier: letters, digits and `_ . : -`, at most 64 characters. */
export function isIdentifier(text: string): boolean {
  return IDENTIFIER.test(text);
}
