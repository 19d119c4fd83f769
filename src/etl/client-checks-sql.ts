import { type SqlValue, sqlString } from "../warehouse/warehouse.ts";
import {
  CHANGE_FIELDS,
  CHANGE_TYPES,
  CLIENT_FIELDS,
  type checkChange,
  type checkClient,
  SIZE_BANDS,
  STATUSES,
  TIERS,
} from "./client-records.ts";
import { IDENTIFIER_PATTERN } from "./fields.ts";
import { splitCsv } from "./records.ts";
import type { References } from "./references.ts";
import type { Reject } from "./rejects.ts";
import { CHANGE_STAGE_COLUMNS, CLIENT_STAGE_COLUMNS } from "./stage.ts";
import { prefixedRaw, QUOTED_LINE, quoted, timestampSql, unprefixedRaw } from "./transaction-checks-sql.ts";

/**
 * checkClient and checkChange in SQL, for DuckDB (CheckAhead): the same checks in the same order, giving the
 * same field, reason and message, over the physical lines of plain client and change files (fileLinesSql).
 * Lines with a quote are left to the TypeScript checks (QUOTED_LINE). tests/etl/client-checks-sql.test.ts
 * holds them to checkClient and checkChange.
 */

/** Characters String.prototype.trim removes (white space and line terminators), as an RE2 class. */
const JS_SPACE =
  "[\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]";

/** `text` is empty once trimmed, or longer than `max` UTF-16 code units (JavaScript's length). */
function blankOrLonger(text: string, max: number): string {
  const utf16 = `length(${text}) + length(regexp_replace(${text}, '[^\\x{10000}-\\x{10FFFF}]', '', 'g'))`;
  return `(regexp_full_match(${text}, '${JS_SPACE}*') OR (strlen(${text}) > ${max} AND ${utf16} > ${max}))`;
}

const field = (name: string) => {
  const i = CLIENT_FIELDS.indexOf(name);
  if (i < 0) throw new Error(`no client field ${name}`);
  return `f[${i + 1}]`;
};
const inList = (values: Iterable<string>) => [...values].map(sqlString).join(", ");
const IDENTIFIER = sqlString(IDENTIFIER_PATTERN);

/** The records of `lines` (fileLinesSql's rows) with their fields `f`: no header, no blank line. */
function splitSql(lines: string): string {
  return `
  SELECT source_file, line_number, raw, string_split(raw, ',') AS f
    FROM ${lines}
   WHERE line_number > 1 AND raw IS NOT NULL`;
}

/** [condition, reason, message]: one way a value fails checkAttribute. */
type Problem = readonly [string, string, string];

/** `value` is not one of `values` (checkAttribute's enumerations, whose message lists them in order). */
function oneOf(attribute: string, value: string, values: ReadonlySet<string>): Problem {
  const listed = [...values].join(", ");
  return [
    `${value} NOT IN (${inList(values)})`,
    "invalid_enum",
    `'${attribute} ' || ${quoted(value)} || ' is not one of ${listed}'`,
  ];
}

/**
 * checkAttribute's problems with `value` (SQL text) as attribute `attribute`, in its order; `geographyKey` is
 * the key of `value` in dim_geography (NULL when none), for geo_code.
 */
function attributeProblems(attribute: string, value: string, geographyKey: string): readonly Problem[] {
  switch (attribute) {
    case "client_name":
      return [[blankOrLonger(value, 200), "invalid_value", "'client_name must hold 1 to 200 characters'"]];
    case "client_type":
      return [
        [
          `NOT regexp_full_match(${value}, '[a-z][a-z0-9_]{0,39}')`,
          "invalid_value",
          `'client_type ' || ${quoted(value)} || ' is not a lower-case label'`,
        ],
      ];
    case "sector":
      return [[blankOrLonger(value, 80), "invalid_value", "'sector must hold 1 to 80 characters'"]];
    case "size_band":
      return [oneOf("size_band", value, SIZE_BANDS)];
    case "tier":
      return [oneOf("tier", value, TIERS)];
    case "kyc_level":
      return [
        [
          `${value} NOT IN ('1', '2', '3')`,
          "out_of_range",
          `'kyc_level ' || ${quoted(value)} || ' is not 1, 2 or 3'`,
        ],
      ];
    case "geo_code":
      return [
        [
          `${geographyKey} IS NULL`,
          "unknown_geography",
          `'geo_code ' || ${quoted(value)} || ' is not in dim_geography'`,
        ],
      ];
    case "parent_client_id":
      return [
        [
          `${value} <> '' AND NOT regexp_full_match(${value}, ${IDENTIFIER})`,
          "invalid_identifier",
          `'parent_client_id ' || ${quoted(value)} || ' is not an identifier'`,
        ],
      ];
    case "status":
      return [oneOf("status", value, STATUSES)];
    default:
      throw new Error(`${attribute} is not a client attribute`);
  }
}

/** The attributes checkAttribute knows, in CLIENT_FIELDS order. */
const CHECKED_ATTRIBUTES = CLIENT_FIELDS.filter((f) => f !== "client_id" && f !== "registration_date");

/** A `CASE` over the problems (condition, field, reason, message): `pick` chooses what each gives. */
function caseOf(
  problems: readonly (readonly [string, string | null, string, string])[],
  pick: (p: readonly [string, string | null, string, string]) => string,
): string {
  return `CASE ${problems.map((p) => `WHEN ${p[0]} THEN ${pick(p)}`).join("\n              ")} END`;
}

/**
 * Every record of `lines` (fileLinesSql's rows; blank lines and headers left out) with its stage columns
 * (CLIENT_STAGE_COLUMNS) where it passed, or its reason, field and message where it did not (reason
 * QUOTED_LINE where it holds a quote). `now` is `YYYY-MM-DD HH:MM:SS`.
 */
export function clientChecksSql(lines: string, now: string): string {
  const id = field("client_id");
  const registration = field("registration_date");
  const problems: (readonly [string, string | null, string, string])[] = [
    // [condition, field, reason, message]
    [
      `len(f) <> ${CLIENT_FIELDS.length}`,
      null,
      "broken_line",
      `'expected ${CLIENT_FIELDS.length} fields, found ' || len(f)`,
    ],
    [`${id} = ''`, "client_id", "missing_value", "'client_id is empty'"],
    [
      `NOT regexp_full_match(${id}, ${IDENTIFIER})`,
      "client_id",
      "invalid_identifier",
      `'client_id ' || ${quoted(id)} || ' is not an identifier'`,
    ],
  ];
  for (const attribute of CHECKED_ATTRIBUTES) {
    for (const [condition, reason, message] of attributeProblems(
      attribute,
      field(attribute),
      "geography_key",
    ))
      problems.push([condition, attribute, reason, message]);
    if (attribute === "parent_client_id")
      problems.push(
        [
          "registered IS NULL",
          "registration_date",
          "malformed_date",
          `'registration_date ' || ${quoted(registration)} || ' is not a date YYYY-MM-DD'`,
        ],
        [
          `${registration} > ${sqlString(now.slice(0, 10))}`,
          "registration_date",
          "future_timestamp",
          `'registration_date ' || ${registration} || ' is in the future'`,
        ],
      );
  }
  const accepted = (value: string) => `CASE WHEN reason IS NULL THEN ${value} END`;
  const text = (name: string) => `${accepted(field(name))} AS ${name}`;
  return `
WITH split AS (${splitSql(lines)}),
parsed AS (
  SELECT s.*, g.geography_key,
         CASE WHEN regexp_full_match(${registration}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND ${registration} >= '1900'
              THEN TRY_CAST(${registration} AS DATE) END AS registered
    FROM split AS s
    LEFT JOIN dwh.dim_geography AS g ON g.geo_code = ${field("geo_code")}
),
checked AS (
  SELECT *, CASE WHEN contains(raw, '"') THEN '${QUOTED_LINE}' ELSE ${caseOf(problems, (p) => sqlString(p[2]))} END AS reason
    FROM parsed
)
SELECT source_file, line_number, ${accepted(id)} AS client_id,
       ${text("client_name")}, ${text("client_type")}, ${text("sector")}, ${text("size_band")}, ${text("tier")},
       ${accepted(`CAST(${field("kyc_level")} AS SMALLINT)`)} AS kyc_level, ${accepted("geography_key")} AS geography_key,
       ${accepted(`NULLIF(${field("parent_client_id")}, '')`)} AS parent_client_id,
       ${accepted("registered")} AS registration_date, ${text("status")}, raw AS raw_record,
       reason,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf(problems, (p) => (p[1] === null ? "NULL" : sqlString(p[1])))} END AS field,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf(problems, (p) => p[3])} END AS message
  FROM checked`;
}

const changeField = (name: string) => {
  const i = CHANGE_FIELDS.indexOf(name);
  if (i < 0) throw new Error(`no change field ${name}`);
  return `f[${i + 1}]`;
};

/**
 * checkChange in SQL, as clientChecksSql is checkClient: the stage columns (CHANGE_STAGE_COLUMNS) of the
 * records that passed, the reason, field and message of the others. The new value is checked as its
 * attribute by the same problems as a registration's field.
 */
export function changeChecksSql(lines: string, now: string): string {
  const [changeId, clientId, effective, changeType, attribute, oldValue, newValue] =
    CHANGE_FIELDS.map(changeField);
  const identifier = (value: string, name: string) =>
    [
      `NOT regexp_full_match(${value}, ${IDENTIFIER})`,
      name,
      `CASE WHEN ${value} = '' THEN 'missing_value' ELSE 'invalid_identifier' END`,
      `'${name} ' || ${quoted(value)} || ' is not an identifier'`,
    ] as const;
  const problems: (readonly [string, string | null, string, string])[] = [
    [
      `len(f) <> ${CHANGE_FIELDS.length}`,
      null,
      "'broken_line'",
      `'expected ${CHANGE_FIELDS.length} fields, found ' || len(f)`,
    ],
    identifier(changeId as string, "change_id"),
    identifier(clientId as string, "client_id"),
    [
      "at_text IS NULL",
      "effective_at",
      "'malformed_date'",
      `'effective_at ' || ${quoted(effective as string)} || ' is not a date-time YYYY-MM-DD HH:MM:SS'`,
    ],
    [
      `at_text > ${sqlString(now)}`,
      "effective_at",
      "'future_timestamp'",
      "'effective_at ' || at_text || ' is in the future'",
    ],
    [
      `${changeType} NOT IN (${inList(CHANGE_TYPES)})`,
      "change_type",
      "'invalid_enum'",
      `'change_type ' || ${quoted(changeType as string)} || ' is not a known change type'`,
    ],
    [
      `${attribute} IN ('registration_date', 'client_id')`,
      "attribute",
      "'unknown_attribute'",
      `'attribute ' || ${quoted(attribute as string)} || ' cannot change'`,
    ],
    ...CHECKED_ATTRIBUTES.flatMap((name) =>
      attributeProblems(name, newValue as string, "geography_key").map(
        ([condition, reason, message]) =>
          [`${attribute} = '${name}' AND ${condition}`, "new_value", sqlString(reason), message] as const,
      ),
    ),
    [
      `${attribute} NOT IN (${inList(CHECKED_ATTRIBUTES)})`,
      "attribute",
      "'unknown_attribute'",
      `'attribute ' || ${quoted(attribute as string)} || ' is not a tracked client attribute'`,
    ],
  ];
  const accepted = (value: string) => `CASE WHEN reason IS NULL THEN ${value} END`;
  return `
WITH split AS (${splitSql(lines)}),
parsed AS (
  SELECT s.*, g.geography_key,
         ${timestampSql(effective as string)}
    FROM split AS s
    LEFT JOIN dwh.dim_geography AS g ON g.geo_code = ${newValue} AND ${attribute} = 'geo_code'
),
checked AS (
  SELECT *, CASE WHEN contains(raw, '"') THEN '${QUOTED_LINE}' ELSE ${caseOf(problems, (p) => p[2])} END AS reason
    FROM parsed
)
SELECT source_file, line_number, ${accepted(changeId as string)} AS change_id, ${accepted(clientId as string)} AS client_id,
       ${accepted("CAST(at_text AS TIMESTAMP)")} AS effective_at, ${accepted(changeType as string)} AS change_type,
       ${accepted(attribute as string)} AS attribute, ${accepted(`NULLIF(${oldValue}, '')`)} AS old_value,
       ${accepted(newValue as string)} AS new_value, raw AS raw_record,
       reason,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf(problems, (p) => (p[1] === null ? "NULL" : sqlString(p[1])))} END AS field,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf(problems, (p) => p[3])} END AS message
  FROM checked`;
}

/** The columns clientChecksSql gives, in its order. */
export const CLIENT_CHECKED_COLUMNS = [...CLIENT_STAGE_COLUMNS, "reason", "field", "message"] as const;

/** The columns changeChecksSql gives, in its order. */
export const CHANGE_CHECKED_COLUMNS = [...CHANGE_STAGE_COLUMNS, "reason", "field", "message"] as const;

/** The QUOTED_LINE records of clientChecksSql's or changeChecksSql's rows in `checked`, their raw records as prefixedRaw. */
export function quotedRecordsSql(checked: string): string {
  return `SELECT source_file, line_number, ${prefixedRaw("raw_record")} AS raw FROM ${checked} WHERE reason = '${QUOTED_LINE}'`;
}

/** Checks the lines of quotedRecordsSql with `check` (checkClient, checkChange): stage rows for the accepted, rejects for the others. */
export function checkQuotedRecords(
  lines: readonly { source_file: string; line_number: number | bigint; raw: string }[],
  check: typeof checkClient | typeof checkChange,
  refs: References,
  now: string,
): { staged: SqlValue[][]; rejects: Reject[] } {
  const staged: SqlValue[][] = [];
  const rejects: Reject[] = [];
  for (const q of lines) {
    const raw = unprefixedRaw(q.raw);
    const rec = { line: Number(q.line_number), raw, fields: splitCsv(raw), badEncoding: false };
    const checked = check(rec, { refs, now, file: q.source_file });
    if (Array.isArray(checked)) staged.push(checked);
    else rejects.push(checked);
  }
  return { staged, rejects };
}
