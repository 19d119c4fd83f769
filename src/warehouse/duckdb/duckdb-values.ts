import {
  DuckDBDateValue,
  type DuckDBDecimalType,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { SqlValue } from "../warehouse.ts";

const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

export type ToDuckDB = (value: SqlValue) => DuckDBValue;

/** Converts a loader value into the DuckDB value for one column type; throws on a value that does not fit. */
export function converterFor(type: DuckDBType): ToDuckDB {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return (v) => (v === null ? null : toBoolean(v));
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return (v) => (v === null ? null : toInteger(v));
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
      return (v) => (v === null ? null : BigInt(typeof v === "boolean" ? Number(v) : v));
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return (v) => (v === null ? null : toNumber(v));
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBDecimalType;
      return (v) =>
        v === null ? null : new DuckDBDecimalValue(scaledDecimal(String(v), scale), width, scale);
    }
    case DuckDBTypeId.DATE:
      return (v) => (v === null ? null : new DuckDBDateValue(daysSinceEpoch(String(v))));
    case DuckDBTypeId.TIMESTAMP:
      return (v) => (v === null ? null : new DuckDBTimestampValue(microsSinceEpoch(String(v))));
    case DuckDBTypeId.VARCHAR:
      return (v) => (v === null ? null : String(v));
    default:
      throw new Error(`bulk load into a ${type.toString()} column is not supported`);
  }
}

function toBoolean(v: Exclude<SqlValue, null>): boolean {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "t" || v === 1 || v === "1") return true;
  if (v === "false" || v === "f" || v === 0 || v === "0") return false;
  throw new Error(`expected a boolean, got ${JSON.stringify(String(v))}`);
}

function toNumber(v: Exclude<SqlValue, null>): number {
  const n = Number(v);
  if (Number.isNaN(n) && v !== "NaN") throw new Error(`expected a number, got ${JSON.stringify(String(v))}`);
  return n;
}

function toInteger(v: Exclude<SqlValue, null>): number {
  const n = toNumber(v);
  if (!Number.isInteger(n)) throw new Error(`expected an integer, got ${JSON.stringify(String(v))}`);
  return n;
}

/** "1234.5" at scale 2 → 123450n, exactly (no float on the way). */
export function scaledDecimal(text: string, scale: number): bigint {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new Error(`expected a decimal number, got ${JSON.stringify(text)}`);
  }
  const [, sign, whole = "", frac = ""] = match;
  if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) {
    throw new Error(`${JSON.stringify(text)} has more than ${scale} decimal places`);
  }
  const digits = `${whole || "0"}${frac.slice(0, scale).padEnd(scale, "0")}`;
  const value = BigInt(digits);
  return sign === "-" ? -value : value;
}

export function daysSinceEpoch(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`expected a date YYYY-MM-DD, got ${JSON.stringify(text)}`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== text)
    throw new Error(`${JSON.stringify(text)} is not a real date`);
  return ms / DAY_MS;
}

export function microsSinceEpoch(text: string): bigint {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) throw new Error(`expected a timestamp YYYY-MM-DD HH:MM:SS[.ffffff], got ${JSON.stringify(text)}`);
  const days = daysSinceEpoch(`${m[1]}-${m[2]}-${m[3]}`);
  const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (h > 23 || min > 59 || s > 59) throw new Error(`${JSON.stringify(text)} is not a real time`);
  const micros = Number((m[7] ?? "").padEnd(6, "0"));
  return BigInt(days) * 86_400_000_000n + BigInt(((h * 60 + min) * 60 + s) * 1_000_000 + micros);
}
