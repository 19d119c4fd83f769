import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckAhead, transactionsJob } from "../../src/etl/check-ahead.ts";
import { forEachCsvRecord } from "../../src/etl/records.ts";
import { loadReferences, type References } from "../../src/etl/references.ts";
import { TX_CHECKED_COLUMNS } from "../../src/etl/stage.ts";
import {
  checkQuotedLines,
  fileLinesSql,
  prefixedRaw,
  QUOTED_LINE,
  type QuotedLine,
  quotedLinesSql,
  transactionChecksSql,
  unprefixedRaw,
  validLinePattern,
} from "../../src/etl/transaction-checks-sql.ts";
import { checkTransaction } from "../../src/etl/transaction-records.ts";
import { TRANSACTION_HEADER } from "../../src/generate/catalog.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import type { Row, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, type TestDatabase } from "../support/engines.ts";
import { fuzzedRecords } from "../support/random.ts";

// The DuckDB path checks plain CSV files in SQL; checkTransaction is the reference. Every record below goes
// through both and must come out the same: accepted with the same values, or refused with the same field,
// reason, message and raw record, at the same line.

const NOW = "2026-06-01 12:00:00";
const VALID = [
  "T1",
  "2024-03-01 10:15:30",
  "C1",
  "C2",
  "",
  "B2B_TRANSFER",
  "APP",
  "SUCCESS",
  "12500.5",
  "125",
  "XOF",
  "-300",
  "D1",
  "CI-ABOBO",
  "0",
  "",
];

/** Values tried in every field: edge cases of each check, and values that belong to other fields. */
const ODD = [
  "",
  " ",
  "\ufeff",
  "0",
  "00",
  "0.00",
  "-0",
  "-12",
  "-1.5",
  "1.234",
  "12e3",
  "1,5",
  "١٢",
  "9999999999999999.99",
  "99999999999999999",
  "2024-02-29 23:59:59",
  "2023-02-29 10:00:00",
  "2024-04-31 10:00:00",
  "1899-12-31 10:00:00",
  "2024-01-01T00:00:00",
  "2024-01-01 24:00:00",
  "2024-01-01 10:60:00",
  "2024-01-01 10:00:60",
  "2024-1-01 10:00:00",
  "2024-01-01",
  "2027-12-31 23:59:59",
  "2028-01-01 00:00:00",
  "2026-06-01 12:00:01",
  "2023-12-31 23:59:59",
  "true",
  "t",
  "f",
  "false",
  "yes",
  "T",
  "1",
  "structuring",
  "mule_account",
  "Structuring",
  "xof",
  "XOFF",
  "US$",
  "A".repeat(64),
  "A".repeat(65),
  "_x",
  "a.b:c-d_e",
  "é",
  "a b",
  "a\tb",
  "a\\b",
  "C1",
  "UNKNOWN",
  "B2B_TRANSFER",
  "USSD",
  "FAILED_INSUFFICIENT_FUNDS",
  "SN-DAKAR",
  "XX-NOWHERE",
];

function records(): string[] {
  // Each field through every odd value; random pairs of odd fields, records with fields missing or added,
  // a fraud label with its flag.
  const out = fuzzedRecords({
    valid: VALID,
    odd: ODD,
    seed: 7,
    id: (n) => `T${n + 10}`,
    adjust: (fields, pick, random) => {
      if (random() < 0.3) {
        fields[14] = "1";
        fields[15] = pick(["structuring", "", "velocity_burst", "nope"]);
      }
    },
  });
  // Quoted fields (on one line): commas inside quotes, doubled quotes, a quoted valid value.
  out.push(
    VALID.map((v, j) => (j === 8 ? '"1.250,00"' : v)).join(","),
    VALID.map((v, j) => (j === 0 ? '"T900"' : v)).join(","),
    VALID.map((v, j) => (j === 12 ? '"D ""x"", y"' : v)).join(","),
    // A leading byte-order mark, which JavaScript must get back from SQL (see prefixedRaw).
    `\ufeff${VALID.map((v, j) => (j === 12 ? '"D, y"' : v)).join(",")}`,
  );
  return out;
}

/** `12500` / `12500.5` as DuckDB prints a DECIMAL(18, 2): `12500.00` / `12500.50` (no float on the way). */
function twoDecimals(text: string): string {
  const negative = text.startsWith("-");
  const [whole = "", cents = ""] = (negative ? text.slice(1) : text).split(".");
  const digits = `${whole.replace(/^0+(?=\d)/, "")}.${cents.padEnd(2, "0")}`;
  return negative && /[1-9]/.test(digits) ? `-${digits}` : digits;
}

/** A staging line of checkTransaction (from source_file on) as the SQL side prints its values. */
function stagedValues(line: string): string {
  const v = line.trimEnd().split("\t").slice(2);
  for (const money of [11, 12, 14]) if (v[money] !== "\\N") v[money] = twoDecimals(v[money] as string);
  return v.join("|");
}

interface Outcome {
  line: number;
  reject: { field: string | null; reason: string; message: string; raw: string } | null;
  values: string | null;
}

describe("transaction checks in SQL (DuckDB)", () => {
  let db: TestDatabase;
  let wh: Warehouse;
  let refs: References;
  const dir = mkdtempSync(join(tmpdir(), "momo-checks-sql-"));
  const path = join(dir, "part-0.csv");
  beforeAll(async () => {
    db = await createTestDatabase("duckdb");
    wh = await db.open();
    await initWarehouse(wh);
    refs = await loadReferences(wh);
    // Blank lines inside and at the end, no line break after the last record.
    const lines = records();
    writeFileSync(
      path,
      `${TRANSACTION_HEADER}\n${lines.slice(0, 50).join("\n")}\n\n${lines.slice(50).join("\n")}`,
    );
  });
  afterAll(async () => {
    await wh.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function viaTypeScript(): Promise<Outcome[]> {
    const out: Outcome[] = [];
    await forEachCsvRecord(
      path,
      () => {},
      (rec) => {
        const checked = checkTransaction(rec, { refs, now: NOW, file: "m/part-0.csv" });
        if ("kind" in checked)
          out.push({
            line: rec.line,
            reject: {
              field: checked.field,
              reason: checked.reason,
              message: checked.message,
              raw: checked.raw,
            },
            values: null,
          });
        else out.push({ line: rec.line, reject: null, values: stagedValues(checked.line) });
      },
      () => {},
    );
    return out;
  }

  async function viaSql(): Promise<Outcome[]> {
    const files = [{ name: "m/part-0.csv", path, rowBase: 0 }];
    const lines = `(${fileLinesSql(files)})`;
    const sql = transactionChecksSql(lines, refs, NOW);
    await wh.exec(`CREATE OR REPLACE TEMP TABLE checked AS ${sql}`);
    const quoted = checkQuotedLines(
      await wh.query<QuotedLine>(quotedLinesSql("checked", "'m/part-0.csv'")),
      refs,
      NOW,
    );
    const fromQuoted: Outcome[] = [
      ...quoted.rejects.map((r) => ({
        line: r.line,
        reject: { field: r.field, reason: r.reason, message: r.message, raw: r.raw },
        values: null,
      })),
      ...quoted.staged.map((text) => {
        const v = text.trimEnd().split("\t");
        expect(v[0]).toBe(v[2]);
        return { line: Number(v[2]), reject: null, values: stagedValues(text.slice(text.indexOf("\t") + 1)) };
      }),
    ];
    expect(fromQuoted.length).toBe(4);
    const rows = await wh.query<Row>(`
      SELECT line_number, reason, field, message, ${prefixedRaw("raw_record")} AS raw_record, row_no,
             concat_ws('|', transaction_id, strftime(transaction_at, '%Y-%m-%d %H:%M:%S'), date_key, time_key,
                       client_id, COALESCE(counterparty_client_id, '\\N'), COALESCE(counterparty_ref, '\\N'),
                       service_key, channel_key, status_key, geography_key, CAST(amount AS VARCHAR), CAST(fee AS VARCHAR),
                       currency_code, COALESCE(CAST(balance_after AS VARCHAR), '\\N'), COALESCE(device_ref, '\\N'),
                       is_fraud, COALESCE(fraud_type, '\\N')) AS v
        FROM checked WHERE reason IS DISTINCT FROM '${QUOTED_LINE}' ORDER BY line_number`);
    const fromSql = rows.map((r) => {
      expect(Number(r.row_no)).toBe(Number(r.line_number));
      return {
        line: Number(r.line_number),
        reject:
          r.reason === null
            ? null
            : {
                field: r.field as string | null,
                reason: r.reason as string,
                message: r.message as string,
                raw: unprefixedRaw(r.raw_record as string),
              },
        values: r.reason === null ? String(r.v) : null,
      };
    });
    return [...fromSql, ...fromQuoted].sort((a, b) => a.line - b.line);
  }

  it("accepts and refuses exactly what checkTransaction does, with the same reasons, lines and values", async () => {
    const expected = await viaTypeScript();
    const actual = await viaSql();
    const reasons = new Set(expected.flatMap((o) => (o.reject ? [o.reject.reason] : [])));
    // The corpus reaches every check (and some records pass).
    expect([...reasons].sort()).toEqual(
      [
        "broken_line",
        "future_timestamp",
        "inconsistent_label",
        "invalid_character",
        "invalid_currency",
        "invalid_flag",
        "invalid_identifier",
        "malformed_amount",
        "malformed_date",
        "missing_value",
        "negative_amount",
        "out_of_range",
        "outside_calendar",
        "unknown_channel",
        "unknown_fraud_type",
        "unknown_geography",
        "unknown_service",
        "unknown_status",
      ].sort(),
    );
    expect(expected.filter((o) => o.reject === null).length).toBeGreaterThan(100);
    expect(actual.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toEqual(expected[i]);
  });

  it("checks ahead in a DuckDB of its own to the rows the checks give in the warehouse, group by group", async () => {
    const columns = TX_CHECKED_COLUMNS.join(", ");
    const base = 2 ** 32;
    const ahead = await CheckAhead.start(
      [
        transactionsJob([{ name: "m/part-0.csv", path, rowBase: 0 }], refs, NOW),
        transactionsJob([{ name: "n/part-0.csv", path, rowBase: base }], refs, NOW),
      ],
      refs,
    );
    try {
      const direct = `SELECT ${columns} FROM (${transactionChecksSql(`(${fileLinesSql([{ name: "m/part-0.csv", path, rowBase: 0 }])})`, refs, NOW)})`;
      const first = `SELECT ${columns} FROM read_parquet('${await ahead.result(0)}')`;
      const second = `SELECT * REPLACE (row_no - ${base} AS row_no, 'm/part-0.csv' AS source_file)
                        FROM read_parquet('${await ahead.result(1)}')`;
      const [counts] = await wh.query<Row>(`
        SELECT (SELECT COUNT(*) FROM (${direct})) AS direct,
               (SELECT COUNT(*) FROM ((${direct}) EXCEPT ALL (${first}))) AS missing,
               (SELECT COUNT(*) FROM ((${first}) EXCEPT ALL (${direct}))) AS extra,
               (SELECT COUNT(*) FROM ((${second}) EXCEPT ALL (${direct}))) AS second_extra,
               (SELECT COUNT(*) FROM ((${direct}) EXCEPT ALL (${second}))) AS second_missing`);
      // Every record but the blank line.
      const nonBlank = records().filter((r) => r !== "").length;
      expect(counts).toEqual({ direct: nonBlank, missing: 0, extra: 0, second_extra: 0, second_missing: 0 });
    } finally {
      await ahead.close();
    }
  });

  it("stops checking ahead when closed, failing the groups it did not check and removing its files", async () => {
    const big = join(dir, "ahead.csv");
    writeFileSync(big, `${TRANSACTION_HEADER}\n${Array(200_000).fill(VALID.join(",")).join("\n")}\n`);
    const file = { name: "m/ahead.csv", path: big, rowBase: 0 };
    const job = transactionsJob([file], refs, NOW);
    const ahead = await CheckAhead.start([job, job, job], refs);
    const first = await ahead.result(0);
    expect(existsSync(first)).toBe(true);
    await ahead.close();
    await expect(ahead.result(2)).rejects.toThrow();
    expect(existsSync(first)).toBe(false);
  });

  it("takes valid lines by the one-pattern fast path, and only lines whose every field has its shape", async () => {
    const line = (i: number, value: string) => VALID.map((v, j) => (j === i ? value : v)).join(",");
    const cases: [string, boolean][] = [
      [VALID.join(","), true],
      [line(0, "T 1"), false],
      [line(1, "2024-03-01T10:15:30"), true],
      [line(1, "2024-03-01 10:15"), false],
      [line(3, ""), true],
      [line(8, "1.234"), false],
      [line(11, ""), true],
      [line(12, "a\\b"), false],
      [line(12, "a\tb"), false],
      [line(14, "yes"), false],
      [`${VALID.join(",")},`, false],
    ];
    const rows = await wh.query<{ ok: boolean }>(
      `SELECT regexp_full_match(x, ${validLinePattern()}) AS ok FROM (VALUES ${cases.map(([l], i) => `(${i}, '${l}')`).join(", ")}) AS t(i, x) ORDER BY i`,
    );
    expect(rows.map((r) => r.ok)).toEqual(cases.map(([, ok]) => ok));
  });

  it("numbers the lines of a file larger than DuckDB's read buffers in file order", async () => {
    const big = join(dir, "big.csv");
    const rows = 400_000;
    const text: string[] = [TRANSACTION_HEADER];
    for (let i = 2; i <= rows + 1; i++) text.push(i % 1000 === 0 ? "" : `L${i},${"x".repeat(i % 197)}`);
    writeFileSync(big, `${text.join("\n")}\n`);
    const [check] = await wh.query<Row>(`
      SELECT COUNT(*) AS lines, COUNT(*) FILTER (WHERE raw IS NULL) AS blank,
             COUNT(*) FILTER (WHERE raw IS NOT NULL AND line_number > 1 AND split_part(raw, ',', 1) <> 'L' || line_number) AS misplaced
        FROM (${fileLinesSql([{ name: "big.csv", path: big, rowBase: 0 }])})`);
    expect(check).toEqual({ lines: rows + 1, blank: 400, misplaced: 0 });
  });
});
