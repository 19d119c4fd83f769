import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  changeChecksSql,
  checkQuotedRecords,
  clientChecksSql,
  quotedRecordsSql,
} from "../../src/etl/client-checks-sql.ts";
import { CHANGE_FIELDS, CLIENT_FIELDS, checkChange, checkClient } from "../../src/etl/client-records.ts";
import { forEachCsvRecord } from "../../src/etl/records.ts";
import { loadReferences, type References } from "../../src/etl/references.ts";
import type { Reject } from "../../src/etl/rejects.ts";
import {
  fileLinesSql,
  prefixedRaw,
  QUOTED_LINE,
  unprefixedRaw,
} from "../../src/etl/transaction-checks-sql.ts";
import { initWarehouse } from "../../src/init/init-warehouse.ts";
import type { Row, SqlValue, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, type TestDatabase } from "../support/engines.ts";
import { fuzzedRecords } from "../support/random.ts";

// The DuckDB path checks plain client files in SQL (CheckAhead); checkClient is the reference. Every record
// below goes through both and must come out the same: accepted with the same values, or refused with the
// same field, reason, message and raw record, at the same line.

const NOW = "2026-06-01 12:00:00";
const FILE = "clients.csv";
const VALID = [
  "C1",
  "Alimentation Awa",
  "merchant",
  "alimentation",
  "small",
  "gold",
  "2",
  "CI-ABOBO",
  "",
  "2021-03-04",
  "active",
];

/** Values tried in every field: edge cases of each check, and values that belong to other fields. */
const ODD = [
  "",
  " ",
  "\t",
  "\u00a0\u3000",
  "\ufeff",
  "x",
  " x ",
  "A".repeat(80),
  "A".repeat(81),
  "A".repeat(200),
  "A".repeat(201),
  "😀".repeat(100),
  "😀".repeat(101),
  "é".repeat(150),
  "e\u0301".repeat(100),
  "e\u0301".repeat(101),
  "merchant",
  "Merchant",
  "agent_2",
  "2agent",
  `a${"b".repeat(39)}`,
  `a${"b".repeat(40)}`,
  "micro",
  "large",
  "huge",
  "bronze",
  "platinum",
  "Gold",
  "0",
  "1",
  "3",
  "4",
  "01",
  "CI-ABOBO",
  "SN-DAKAR",
  "XX-NOWHERE",
  "C2",
  "_x",
  "a.b:c-d_e",
  "A".repeat(64),
  "A".repeat(65),
  "a b",
  "2021-02-29",
  "2024-02-29",
  "1899-12-31",
  "1900-01-01",
  "2026-06-01",
  "2026-06-02",
  "2021-3-04",
  "2021-03-04 10:00:00",
  "20210304",
  "active",
  "closed",
  "ACTIVE",
  "a\\b",
];

function records(): string[] {
  const out = fuzzedRecords({ valid: VALID, odd: ODD, seed: 11, id: (n) => `C${n + 10}` });
  // Quoted fields (on one line): a comma inside quotes, doubled quotes, a quoted valid value, a broken one.
  out.push(
    VALID.map((v, j) => (j === 1 ? '"Awa, Fils et Cie"' : v)).join(","),
    VALID.map((v, j) => (j === 0 ? '"C900"' : v)).join(","),
    VALID.map((v, j) => (j === 1 ? '"Le ""Grand"" Marché"' : v)).join(","),
    VALID.map((v, j) => (j === 6 ? '"9"' : v)).join(","),
    // A leading byte-order mark, which JavaScript must get back from SQL (see prefixedRaw).
    `\ufeff${VALID.map((v, j) => (j === 1 ? '"Awa, Fils"' : v)).join(",")}`,
  );
  return out;
}

interface Outcome {
  line: number;
  reject: { field: string | null; reason: string; message: string; raw: string } | null;
  values: string | null;
}

const valuesText = (values: readonly SqlValue[]) =>
  values.map((v) => (v === null || v === undefined ? "\\N" : String(v))).join("|");

function outcomeOf(checked: SqlValue[] | Reject, line: number): Outcome {
  if (Array.isArray(checked)) return { line, reject: null, values: valuesText(checked) };
  const { field, reason, message, raw } = checked;
  return { line, reject: { field, reason, message, raw }, values: null };
}

interface ChecksCase {
  readonly kind: string;
  readonly file: string;
  readonly header: readonly string[];
  readonly records: () => string[];
  readonly check: typeof checkClient | typeof checkChange;
  readonly checksSql: (lines: string, now: string) => string;
  /** The stage values of an accepted row of `checked`, as valuesText prints checkClient's or checkChange's. */
  readonly valuesSql: string;
  readonly quoted: number;
  /** Every field:reason the corpus must reach. */
  readonly reasons: readonly string[];
}

/** Every record of the case's file through the TypeScript check and through SQL: the same outcome each. */
function describeChecks(c: ChecksCase): void {
  describe(`${c.kind} checks in SQL (DuckDB)`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    let refs: References;
    const dir = mkdtempSync(join(tmpdir(), "momo-record-checks-sql-"));
    const path = join(dir, c.file);
    beforeAll(async () => {
      db = await createTestDatabase("duckdb");
      wh = await db.open();
      await initWarehouse(wh);
      refs = await loadReferences(wh);
      const lines = c.records();
      // Blank lines inside, no line break after the last record.
      writeFileSync(
        path,
        `${c.header.join(",")}\n${lines.slice(0, 40).join("\n")}\n\n${lines.slice(40).join("\n")}`,
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
        (rec) => out.push(outcomeOf(c.check(rec, { refs, now: NOW, file: c.file }), rec.line)),
        () => {},
      );
      return out;
    }

    async function viaSql(): Promise<Outcome[]> {
      const lines = `(${fileLinesSql([{ name: c.file, path, rowBase: 0 }])})`;
      await wh.exec(`CREATE OR REPLACE TEMP TABLE checked AS ${c.checksSql(lines, NOW)}`);
      const quotedRows = await wh.query<{ source_file: string; line_number: number; raw: string }>(
        quotedRecordsSql("checked"),
      );
      expect(quotedRows.length).toBe(c.quoted);
      const quoted = checkQuotedRecords(quotedRows, c.check, refs, NOW);
      const rows = await wh.query<Row>(`
        SELECT line_number, reason, field, message, ${prefixedRaw("raw_record")} AS raw_record, ${c.valuesSql} AS v
          FROM checked WHERE reason IS DISTINCT FROM '${QUOTED_LINE}'`);
      return [
        ...rows.map((r) => ({
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
        })),
        ...quoted.staged.map((v) => ({ line: Number(v[1]), reject: null, values: valuesText(v) })),
        ...quoted.rejects.map((r) => outcomeOf(r, r.line)),
      ].sort((a, b) => a.line - b.line);
    }

    it(`accepts and refuses exactly what the TypeScript check does, with the same reasons, lines and values`, async () => {
      const expected = await viaTypeScript();
      const actual = await viaSql();
      const reasons = new Set(
        expected.flatMap((o) => (o.reject ? [`${o.reject.field}:${o.reject.reason}`] : [])),
      );
      // The corpus reaches every check (and some records pass).
      expect([...reasons].sort()).toEqual([...c.reasons].sort());
      expect(expected.filter((o) => o.reject === null).length).toBeGreaterThan(100);
      expect(actual.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) expect(actual[i]).toEqual(expected[i]);
    });
  });
}

describeChecks({
  kind: "client",
  file: FILE,
  header: CLIENT_FIELDS,
  records,
  check: checkClient,
  checksSql: clientChecksSql,
  valuesSql: `concat_ws('|', source_file, line_number, client_id, client_name, client_type, sector, size_band, tier,
                       kyc_level, geography_key, COALESCE(parent_client_id, '\\N'), CAST(registration_date AS VARCHAR),
                       status, raw_record)`,
  quoted: 5,
  reasons: [
    "null:broken_line",
    "client_id:missing_value",
    "client_id:invalid_identifier",
    "client_name:invalid_value",
    "client_type:invalid_value",
    "sector:invalid_value",
    "size_band:invalid_enum",
    "tier:invalid_enum",
    "kyc_level:out_of_range",
    "geo_code:unknown_geography",
    "parent_client_id:invalid_identifier",
    "registration_date:malformed_date",
    "registration_date:future_timestamp",
    "status:invalid_enum",
  ],
});

const CHANGE_FILE = "client_changes.csv";
const VALID_CHANGE = ["E1", "C1", "2024-03-01 10:15:30", "tier_change", "tier", "silver", "gold"];
const ATTRIBUTES = [
  ...CLIENT_FIELDS.filter((f) => f !== "client_id" && f !== "registration_date"),
  "client_id",
  "registration_date",
  "geography_key",
  "Tier",
  "",
];
const TIMESTAMPS = [
  "2024-02-29 23:59:59",
  "2023-02-29 10:00:00",
  "1899-12-31 10:00:00",
  "2024-01-01T00:00:00",
  "2024-01-01 24:00:00",
  "2024-01-01 10:60:00",
  "2024-01-01 10:00:60",
  "2024-1-01 10:00:00",
  "2024-01-01",
  "2026-06-01 12:00:00",
  "2026-06-01 12:00:01",
  "2026-06-01T12:00:01",
];

function changeRecords(): string[] {
  const values = [...ODD, ...TIMESTAMPS, "tier_change", "relocation", "closure", "Tier_change"];
  const out = fuzzedRecords({
    valid: VALID_CHANGE,
    odd: values,
    seed: 13,
    id: (n) => `E${n + 10}`,
    adjust: (fields, pick) => {
      fields[4] = pick(ATTRIBUTES);
    },
  });
  // Every attribute with every value as its new value.
  for (const attribute of ATTRIBUTES)
    for (const value of ODD)
      out.push(VALID_CHANGE.map((v, j) => (j === 4 ? attribute : j === 6 ? value : v)).join(","));
  out.push(
    VALID_CHANGE.map((v, j) => (j === 4 ? "client_name" : j === 6 ? '"Awa, Fils"' : v)).join(","),
    VALID_CHANGE.map((v, j) => (j === 6 ? '"gold"' : v)).join(","),
    `\ufeff${VALID_CHANGE.map((v, j) => (j === 5 ? '"a, b"' : v)).join(",")}`,
  );
  return out;
}

describeChecks({
  kind: "client change",
  file: CHANGE_FILE,
  header: CHANGE_FIELDS,
  records: changeRecords,
  check: checkChange,
  checksSql: changeChecksSql,
  valuesSql: `concat_ws('|', source_file, line_number, change_id, client_id, strftime(effective_at, '%Y-%m-%d %H:%M:%S'),
                       change_type, attribute, COALESCE(old_value, '\\N'), new_value, raw_record)`,
  quoted: 3,
  reasons: [
    "null:broken_line",
    "change_id:missing_value",
    "change_id:invalid_identifier",
    "client_id:missing_value",
    "client_id:invalid_identifier",
    "effective_at:malformed_date",
    "effective_at:future_timestamp",
    "change_type:invalid_enum",
    "attribute:unknown_attribute",
    "new_value:invalid_value",
    "new_value:invalid_enum",
    "new_value:out_of_range",
    "new_value:unknown_geography",
    "new_value:invalid_identifier",
  ],
});
