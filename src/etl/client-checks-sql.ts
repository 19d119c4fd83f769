import { sqlString } from "../warehouse/warehouse.ts";
import { CLIENT_FIELDS, checkClient, SIZE_BANDS, STATUSES, TIERS } from "./client-records.ts";
import { IDENTIFIER_PATTERN } from "./fields.ts";
import { splitCsv } from "./records.ts";
import type { References } from "./references.ts";
import type { Reject } from "./rejects.ts";
import { CLIENT_STAGE_COLUMNS } from "./stage.ts";
import { prefixedRaw, QUOTED_LINE, unprefixedRaw } from "./transaction-checks-sql.ts";

/**
 * checkClient in SQL, for DuckDB (CheckAhead): the same checks in the same order, giving the same field,
 * reason and message, over the physical lines of a plain clients file (fileLinesSql). Lines with a quote
 * are left to checkClient (QUOTED_LINE). tests/etl/client-checks-sql.test.ts holds it to checkClient.
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

/**
 * Every record of `lines` (fileLinesSql's rows; blank lines and headers left out) with its stage columns
 * (CLIENT_STAGE_COLUMNS) where it passed, or its reason, field and message where it did not (reason
 * QUOTED_LINE where it holds a quote). `now` is `YYYY-MM-DD HH:MM:SS`.
 */
export function clientChecksSql(lines: string, now: string): string {
  const id = field("client_id");
  const today = sqlString(now.slice(0, 10));
  const quoted = (name: string) => `'"' || ${field(name)} || '"'`;
  const registration = field("registration_date");
  const problems: [string, string | null, string, string][] = [
    // [condition, field, reason, message]
    [
      `len(f) <> ${CLIENT_FIELDS.length}`,
      null,
      "broken_line",
      `'expected ${CLIENT_FIELDS.length} fields, found ' || len(f)`,
    ],
    [`${id} = ''`, "client_id", "missing_value", "'client_id is empty'"],
    [
      `NOT regexp_full_match(${id}, ${sqlString(IDENTIFIER_PATTERN)})`,
      "client_id",
      "invalid_identifier",
      `'client_id ' || ${quoted("client_id")} || ' is not an identifier'`,
    ],
    [
      blankOrLonger(field("client_name"), 200),
      "client_name",
      "invalid_value",
      "'client_name must hold 1 to 200 characters'",
    ],
    [
      `NOT regexp_full_match(${field("client_type")}, '[a-z][a-z0-9_]{0,39}')`,
      "client_type",
      "invalid_value",
      `'client_type ' || ${quoted("client_type")} || ' is not a lower-case label'`,
    ],
    [blankOrLonger(field("sector"), 80), "sector", "invalid_value", "'sector must hold 1 to 80 characters'"],
    [
      `${field("size_band")} NOT IN (${inList(SIZE_BANDS)})`,
      "size_band",
      "invalid_enum",
      `'size_band ' || ${quoted("size_band")} || ' is not one of micro, small, medium, large'`,
    ],
    [
      `${field("tier")} NOT IN (${inList(TIERS)})`,
      "tier",
      "invalid_enum",
      `'tier ' || ${quoted("tier")} || ' is not one of bronze, silver, gold, platinum'`,
    ],
    [
      `${field("kyc_level")} NOT IN ('1', '2', '3')`,
      "kyc_level",
      "out_of_range",
      `'kyc_level ' || ${quoted("kyc_level")} || ' is not 1, 2 or 3'`,
    ],
    [
      "geography_key IS NULL",
      "geo_code",
      "unknown_geography",
      `'geo_code ' || ${quoted("geo_code")} || ' is not in dim_geography'`,
    ],
    [
      `${field("parent_client_id")} <> '' AND NOT regexp_full_match(${field("parent_client_id")}, ${sqlString(IDENTIFIER_PATTERN)})`,
      "parent_client_id",
      "invalid_identifier",
      `'parent_client_id ' || ${quoted("parent_client_id")} || ' is not an identifier'`,
    ],
    [
      "registered IS NULL",
      "registration_date",
      "malformed_date",
      `'registration_date ' || ${quoted("registration_date")} || ' is not a date YYYY-MM-DD'`,
    ],
    [
      `${registration} > ${today}`,
      "registration_date",
      "future_timestamp",
      `'registration_date ' || ${registration} || ' is in the future'`,
    ],
    [
      `${field("status")} NOT IN (${inList(STATUSES)})`,
      "status",
      "invalid_enum",
      `'status ' || ${quoted("status")} || ' is not one of active, suspended, closed'`,
    ],
  ];
  const caseOf = (pick: (p: (typeof problems)[number]) => string) =>
    `CASE ${problems.map((p) => `WHEN ${p[0]} THEN ${pick(p)}`).join("\n              ")} END`;
  const accepted = (value: string) => `CASE WHEN reason IS NULL THEN ${value} END`;
  const text = (name: string) => `${accepted(field(name))} AS ${name}`;
  return `
WITH split AS (
  SELECT source_file, line_number, raw, string_split(raw, ',') AS f
    FROM ${lines}
   WHERE line_number > 1 AND raw IS NOT NULL
),
parsed AS (
  SELECT s.*, g.geography_key,
         CASE WHEN regexp_full_match(${registration}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND ${registration} >= '1900'
              THEN TRY_CAST(${registration} AS DATE) END AS registered
    FROM split AS s
    LEFT JOIN dwh.dim_geography AS g ON g.geo_code = ${field("geo_code")}
),
checked AS (
  SELECT *, CASE WHEN contains(raw, '"') THEN '${QUOTED_LINE}' ELSE ${caseOf((p) => sqlString(p[2]))} END AS reason
    FROM parsed
)
SELECT source_file, line_number, ${accepted(id)} AS client_id,
       ${text("client_name")}, ${text("client_type")}, ${text("sector")}, ${text("size_band")}, ${text("tier")},
       ${accepted(`CAST(${field("kyc_level")} AS SMALLINT)`)} AS kyc_level, ${accepted("geography_key")} AS geography_key,
       ${accepted(`NULLIF(${field("parent_client_id")}, '')`)} AS parent_client_id,
       ${accepted("registered")} AS registration_date, ${text("status")}, raw AS raw_record,
       reason,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf((p) => (p[1] === null ? "NULL" : sqlString(p[1])))} END AS field,
       CASE WHEN reason <> '${QUOTED_LINE}' THEN ${caseOf((p) => p[3])} END AS message
  FROM checked`;
}

/** The columns clientChecksSql gives, in its order. */
export const CLIENT_CHECKED_COLUMNS = [...CLIENT_STAGE_COLUMNS, "reason", "field", "message"] as const;

/** The QUOTED_LINE records of clientChecksSql's rows in `checked`, their raw records as prefixedRaw. */
export function quotedClientsSql(checked: string): string {
  return `SELECT source_file, line_number, ${prefixedRaw("raw_record")} AS raw FROM ${checked} WHERE reason = '${QUOTED_LINE}'`;
}

/** Checks the lines of quotedClientsSql with checkClient: stage rows for the accepted, rejects for the others. */
export function checkQuotedClients(
  lines: readonly { source_file: string; line_number: number | bigint; raw: string }[],
  refs: References,
  now: string,
): { staged: (string | number | null)[][]; rejects: Reject[] } {
  const staged: (string | number | null)[][] = [];
  const rejects: Reject[] = [];
  for (const q of lines) {
    const rec = {
      line: Number(q.line_number),
      raw: unprefixedRaw(q.raw),
      fields: splitCsv(unprefixedRaw(q.raw)),
      badEncoding: false,
    };
    const checked = checkClient(rec, { refs, now, file: q.source_file });
    if (Array.isArray(checked)) staged.push(checked as (string | number | null)[]);
    else rejects.push(checked);
  }
  return { staged, rejects };
}
