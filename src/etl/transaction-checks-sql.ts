import { FRAUD_TYPES } from "../generate/catalog.ts";
import { sqlString } from "../warehouse/warehouse.ts";
import { AMOUNT_PATTERN, IDENTIFIER_PATTERN, ZERO_AMOUNT_PATTERN } from "./fields.ts";
import { splitCsv } from "./records.ts";
import type { References } from "./references.ts";
import type { Reject } from "./rejects.ts";
import { checkTransaction, TRANSACTION_FIELDS } from "./transaction-records.ts";

/**
 * checkTransaction in SQL, for DuckDB: the same checks in the same order, giving the same field, reason and
 * message, over the physical lines of CSV files read by DuckDB's own reader (one column per line, no quoting).
 * Only for files that fileDigest found plain (valid UTF-8; no carriage return, NUL, unit separator, or quoted
 * field over a line break): there a line is a record, and in a line without a quote a comma always separates
 * fields, exactly as splitCsv reads it. Lines with a quote are left to checkTransaction (QUOTED_LINE).
 * tests/etl/transaction-checks-sql.test.ts holds it to checkTransaction on generated and fuzzed records.
 */

/** A file read by the SQL checks: its name in the quarantine, its path, and the base of its row numbers. */
export interface SqlCheckedFile {
  readonly name: string;
  readonly path: string;
  readonly rowBase: number;
}

/** The unit separator: DuckDB's reader needs a delimiter, and a plain file holds none. */
const NO_DELIMITER = "\x1f";

/**
 * One row per physical line of `files` (header = line 1, a blank line is NULL), numbered in file order:
 * ROW_NUMBER() OVER () streams in scan order (tests/etl/transaction-checks-sql.test.ts holds it to that on
 * a file larger than the reader's buffers).
 */
export function fileLinesSql(files: readonly SqlCheckedFile[]): string {
  return files.map(linesSql).join("\n  UNION ALL\n  ");
}

function linesSql(file: SqlCheckedFile): string {
  return `SELECT ${sqlString(file.name)} AS source_file, CAST(${file.rowBase} AS BIGINT) AS row_base,
         ROW_NUMBER() OVER () AS line_number, raw
    FROM read_csv(${sqlString(file.path)}, columns = {'raw': 'VARCHAR'}, delim = '${NO_DELIMITER}', quote = '',
                  escape = '', header = false, auto_detect = false, new_line = '\\n', strict_mode = false)`;
}

const TIMESTAMP_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}";
const IDENTIFIER = sqlString(IDENTIFIER_PATTERN);
const DECIMAL = sqlString(AMOUNT_PATTERN);
const SIGNED_DECIMAL = sqlString(`-?${AMOUNT_PATTERN}`);
const TIMESTAMP_SHAPE = sqlString(TIMESTAMP_PATTERN);

/**
 * One pattern for a whole line whose every field has a valid shape (RE2 matches it in one pass): most lines
 * are, and for them the checks left are a few comparisons instead of a dozen patterns. A field it does not
 * check by shape (codes, free text) holds no comma, backslash or control character.
 */
export function validLinePattern(): string {
  const ident = IDENTIFIER_PATTERN;
  const amount = AMOUNT_PATTERN;
  const text = "[^,\\\\\\x00-\\x1f]*";
  const shapes: Record<string, string> = {
    transaction_id: ident,
    transaction_at: TIMESTAMP_PATTERN,
    client_id: ident,
    counterparty_client_id: `(${ident})?`,
    amount,
    fee: amount,
    currency: "[A-Z]{3}",
    balance_after: `(-?${amount})?`,
    is_fraud: "(1|0|true|false|t|f)",
  };
  return `'${TRANSACTION_FIELDS.map((name) => shapes[name] ?? text).join(",")}'`;
}

const field = (name: string) => {
  const i = TRANSACTION_FIELDS.indexOf(name);
  if (i < 0) throw new Error(`no transaction field ${name}`);
  return `f[${i + 1}]`;
};
/** SQL text `text` between double quotes, as the checks' messages show a value. */
export const quoted = (text: string) => `'"' || ${text} || '"'`;

/**
 * parseTimestamp in SQL: columns at_value (the TIMESTAMP) and at_text (`YYYY-MM-DD HH:MM:SS`, NULL where
 * `text` is not a valid date-time). `shapeKnown` is SQL that is true where `text` already has the shape.
 */
export function timestampSql(text: string, shapeKnown = "FALSE"): string {
  return `CASE WHEN ${shapeKnown} OR regexp_full_match(${text}, ${TIMESTAMP_SHAPE})
              THEN TRY_CAST(replace(${text}, 'T', ' ') AS TIMESTAMP) END AS at_value,
         -- DuckDB reads 24:00:00 as the next midnight; the checks refuse it.
         CASE WHEN year(at_value) >= 1900 AND substr(${text}, 12, 2) < '24' THEN replace(${text}, 'T', ' ') END AS at_text`;
}

/**
 * Every record of `lines` (a relation of fileLinesSql's rows; blank lines and headers left out) with its
 * stage columns where it passed, its reject (field, reason, message and raw record) where it did not, or
 * reason QUOTED_LINE and its raw record where it holds a quote. `now` is `YYYY-MM-DD HH:MM:SS`.
 */
export function transactionChecksSql(lines: string, refs: References, now: string): string {
  const id = field("transaction_id");
  const at = field("transaction_at");
  const client = field("client_id");
  const counterparty = field("counterparty_client_id");
  const amount = field("amount");
  const fee = field("fee");
  const balance = field("balance_after");
  const flag = field("is_fraud");
  const fraudType = field("fraud_type");
  const fraudTypes = FRAUD_TYPES.map(sqlString).join(", ");
  const problems: [string, string | null, string, string][] = [
    // [condition, field, reason, message]
    [
      "regexp_matches(raw, '[\\\\\\x00-\\x1f]')",
      null,
      "invalid_character",
      "'the record holds a backslash or a control character (tab, line break…)'",
    ],
    [
      `len(f) <> ${TRANSACTION_FIELDS.length}`,
      null,
      "broken_line",
      `'expected ${TRANSACTION_FIELDS.length} fields, found ' || len(f)`,
    ],
    [`${id} = ''`, "transaction_id", "missing_value", "'transaction_id is empty'"],
    [
      `NOT regexp_full_match(${id}, ${IDENTIFIER})`,
      "transaction_id",
      "invalid_identifier",
      `'transaction_id ' || ${quoted(id)} || ' is not an identifier'`,
    ],
    [
      `starts_with(${amount}, '-') AND regexp_full_match(${amount}, ${SIGNED_DECIMAL})`,
      "amount",
      "negative_amount",
      `'amount ' || ${amount} || ' is negative'`,
    ],
    [
      `NOT regexp_full_match(${amount}, ${DECIMAL})`,
      "amount",
      "malformed_amount",
      `'amount ' || ${quoted(amount)} || ' is not a number like 12500 or 12500.50'`,
    ],
    [
      `regexp_full_match(${amount}, ${sqlString(ZERO_AMOUNT_PATTERN)})`,
      "amount",
      "out_of_range",
      "'amount is 0; it must be positive'",
    ],
    [
      "at_text IS NULL",
      "transaction_at",
      "malformed_date",
      `'transaction_at ' || ${quoted(at)} || ' is not a date-time YYYY-MM-DD HH:MM:SS'`,
    ],
    [
      `at_text > ${sqlString(now)}`,
      "transaction_at",
      "future_timestamp",
      "'transaction_at ' || at_text || ' is in the future'",
    ],
    [
      `date_key < ${refs.firstDateKey} OR date_key > ${refs.lastDateKey}`,
      "transaction_at",
      "outside_calendar",
      `'transaction_at ' || at_text || ' is outside dim_date (${refs.firstDateKey}..${refs.lastDateKey})'`,
    ],
    [`${client} = ''`, "client_id", "missing_value", "'client_id is empty'"],
    [
      `NOT regexp_full_match(${client}, ${IDENTIFIER})`,
      "client_id",
      "invalid_identifier",
      `'client_id ' || ${quoted(client)} || ' is not an identifier'`,
    ],
    ...(
      [
        ["service_key", "service_code", "unknown_service", "dim_service"],
        ["channel_key", "channel_code", "unknown_channel", "dim_channel"],
        ["status_key", "status_code", "unknown_status", "dim_transaction_status"],
        ["geography_key", "geo_code", "unknown_geography", "dim_geography"],
      ] as const
    ).map(([key, name, reason, table]): [string, string, string, string] => [
      `${key} IS NULL`,
      name,
      reason,
      `'${name} ' || ${quoted(field(name))} || ' is not in ${table}'`,
    ]),
    [
      `${counterparty} <> '' AND NOT regexp_full_match(${counterparty}, ${IDENTIFIER})`,
      "counterparty_client_id",
      "invalid_identifier",
      `'counterparty_client_id ' || ${quoted(counterparty)} || ' is not an identifier'`,
    ],
    [
      `NOT regexp_full_match(${fee}, ${DECIMAL})`,
      "fee",
      "malformed_amount",
      `'fee ' || ${quoted(fee)} || ' is not a number like 125 or 125.50'`,
    ],
    [
      `NOT regexp_full_match(${field("currency")}, '[A-Z]{3}')`,
      "currency",
      "invalid_currency",
      `'currency ' || ${quoted(field("currency"))} || ' is not a 3-letter ISO code'`,
    ],
    [
      `${balance} <> '' AND NOT regexp_full_match(${balance}, ${SIGNED_DECIMAL})`,
      "balance_after",
      "malformed_amount",
      `'balance_after ' || ${quoted(balance)} || ' is not a number'`,
    ],
    ["is_fraud IS NULL", "is_fraud", "invalid_flag", `'is_fraud ' || ${quoted(flag)} || ' is not 0 or 1'`],
    [
      `is_fraud AND ${fraudType} <> '' AND ${fraudType} NOT IN (${fraudTypes})`,
      "fraud_type",
      "unknown_fraud_type",
      `'fraud_type ' || ${quoted(fraudType)} || ' is not a known typology'`,
    ],
    [
      `NOT is_fraud AND ${fraudType} <> ''`,
      "fraud_type",
      "inconsistent_label",
      `'fraud_type ' || ${quoted(fraudType)} || ' is set on a row with is_fraud = 0'`,
    ],
  ];
  const caseOf = (pick: (p: (typeof problems)[number]) => string) =>
    `CASE ${problems.map((p) => `WHEN ${p[0]} THEN ${pick(p)}`).join("\n              ")} END`;
  const nullIfEmpty = (x: string) => `NULLIF(${x}, '')`;
  const lookup = (table: string, code: string, key: string, name: string) =>
    `LEFT JOIN dwh.${table} AS ${key} ON ${key}.${code} = ${field(name)}`;
  return `
WITH split AS (
  SELECT source_file, row_base + line_number AS row_no, line_number, raw, string_split(raw, ',') AS f
    FROM ${lines}
   WHERE line_number > 1 AND raw IS NOT NULL
),
parsed AS (
  SELECT s.*,
         regexp_full_match(raw, ${validLinePattern()}) AS valid_shapes,
         ${timestampSql(at, "valid_shapes")},
         CASE WHEN at_text IS NOT NULL
              THEN year(at_value) * 10000 + month(at_value) * 100 + day(at_value) END AS date_key,
         CAST(hour(at_value) * 100 + minute(at_value) AS SMALLINT) AS time_key,
         CASE WHEN ${flag} IN ('1', 'true', 't') THEN TRUE WHEN ${flag} IN ('0', 'false', 'f') THEN FALSE END AS is_fraud,
         service_key.service_key, channel_key.channel_key, status_key.status_key, geography_key.geography_key
    FROM split AS s
    ${lookup("dim_service", "service_code", "service_key", "service_code")}
    ${lookup("dim_channel", "channel_code", "channel_key", "channel_code")}
    ${lookup("dim_transaction_status", "status_code", "status_key", "status_code")}
    ${lookup("dim_geography", "geo_code", "geography_key", "geo_code")}
),
checked AS (
  SELECT *,
         CASE WHEN contains(raw, '"') THEN '${QUOTED_LINE}'
              WHEN valid_shapes
               AND at_text IS NOT NULL AND at_text <= ${sqlString(now)}
               AND date_key BETWEEN ${refs.firstDateKey} AND ${refs.lastDateKey}
               AND service_key IS NOT NULL AND channel_key IS NOT NULL AND status_key IS NOT NULL
               AND geography_key IS NOT NULL AND CAST(${amount} AS DECIMAL(18, 2)) > 0
               AND CASE WHEN is_fraud THEN ${fraudType} = '' OR ${fraudType} IN (${fraudTypes}) ELSE ${fraudType} = '' END
              THEN NULL
              ELSE ${caseOf((p) => sqlString(p[2]))} END AS reason
    FROM parsed
)
SELECT row_no, source_file, line_number,
       CASE WHEN reason IS NULL THEN ${id} END AS transaction_id,
       CASE WHEN reason IS NULL THEN at_value END AS transaction_at,
       CAST(date_key AS INTEGER) AS date_key, time_key,
       CASE WHEN reason IS NULL THEN ${client} END AS client_id,
       CASE WHEN reason IS NULL THEN ${nullIfEmpty(counterparty)} END AS counterparty_client_id,
       CASE WHEN reason IS NULL THEN ${nullIfEmpty(field("counterparty_ref"))} END AS counterparty_ref,
       service_key, channel_key, status_key, geography_key,
       CASE WHEN reason IS NULL THEN CAST(${amount} AS DECIMAL(18, 2)) END AS amount,
       CASE WHEN reason IS NULL THEN CAST(${fee} AS DECIMAL(18, 2)) END AS fee,
       CASE WHEN reason IS NULL THEN ${field("currency")} END AS currency_code,
       CASE WHEN reason IS NULL THEN CAST(${nullIfEmpty(balance)} AS DECIMAL(18, 2)) END AS balance_after,
       CASE WHEN reason IS NULL THEN ${nullIfEmpty(field("device_ref"))} END AS device_ref,
       is_fraud,
       CASE WHEN reason IS NULL THEN ${nullIfEmpty(fraudType)} END AS fraud_type,
       reason,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf((p) => (p[1] === null ? "NULL" : sqlString(p[1])))} END AS field,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf((p) => p[3])} END AS message,
       CASE WHEN reason IS NOT NULL THEN raw END AS raw_record
  FROM checked`;
}

/**
 * The reason transactionChecksSql gives a record holding a quote, with its raw record: not a reject but a
 * record its fields need splitCsv for, left to checkQuotedLines (rare; quotedLinesSql finds them again).
 */
export const QUOTED_LINE = "quoted_line";

/** The records transactionChecksSql refused in `stage`, from the files named (SQL strings), with their rejects. */
export function checkRejectsSql(stage: string, names: string): string {
  return `
SELECT source_file, line_number, field, reason, message, raw_record
  FROM ${stage}
 WHERE reason <> '${QUOTED_LINE}' AND source_file IN (${names})`;
}

/**
 * A raw record as SQL hands it to JavaScript: DuckDB's node API decodes text with a TextDecoder that drops a
 * leading byte-order mark (U+FEFF), which a record may start with. Behind a one-character prefix it stays;
 * unprefixedRaw removes the prefix.
 */
export const prefixedRaw = (column: string) => `'|' || ${column}`;
export const unprefixedRaw = (prefixed: string) => prefixed.slice(1);

/** The records transactionChecksSql staged in `stage` as QUOTED_LINE, from the files named (SQL strings); raw is prefixedRaw. */
export function quotedLinesSql(stage: string, names: string): string {
  return `
SELECT source_file, line_number, row_no, ${prefixedRaw("raw_record")} AS raw
  FROM ${stage}
 WHERE reason = '${QUOTED_LINE}' AND source_file IN (${names})`;
}

export interface QuotedLine {
  readonly source_file: string;
  readonly line_number: number | bigint;
  readonly row_no: number | bigint;
  readonly raw: string;
}

/** Checks the lines of quotedLinesSql with checkTransaction: staging text (row_no first) for the accepted, rejects for the others. */
export function checkQuotedLines(
  lines: readonly QuotedLine[],
  refs: References,
  now: string,
): { staged: string[]; rejects: Reject[] } {
  const staged: string[] = [];
  const rejects: Reject[] = [];
  for (const q of lines) {
    const raw = unprefixedRaw(q.raw);
    const rec = { line: Number(q.line_number), raw, fields: splitCsv(raw), badEncoding: false };
    const checked = checkTransaction(rec, { refs, now, file: q.source_file });
    if ("kind" in checked) rejects.push(checked);
    else staged.push(`${q.row_no}\t${checked.line}`);
  }
  return { staged, rejects };
}
