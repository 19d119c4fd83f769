import type { SqlValue } from "../warehouse/warehouse.ts";
import { isIdentifier, parseDate, parseTimestamp } from "./fields.ts";
import type { SourceRecord } from "./records.ts";
import type { References } from "./references.ts";
import { type Reject, rejectRecord, shapeReject } from "./rejects.ts";

export const CLIENT_FIELDS = [
  "client_id",
  "client_name",
  "client_type",
  "sector",
  "size_band",
  "tier",
  "kyc_level",
  "geo_code",
  "parent_client_id",
  "registration_date",
  "status",
];
export const CHANGE_FIELDS = [
  "change_id",
  "client_id",
  "effective_at",
  "change_type",
  "attribute",
  "old_value",
  "new_value",
];

export const SIZE_BANDS = new Set(["micro", "small", "medium", "large"]);
export const TIERS = new Set(["bronze", "silver", "gold", "platinum"]);
export const STATUSES = new Set(["active", "suspended", "closed"]);
export const CHANGE_TYPES = new Set([
  "tier_change",
  "kyc_upgrade",
  "relocation",
  "suspension",
  "reactivation",
  "closure",
  "profile_update",
]);
const KYC = new Set(["1", "2", "3"]);
const LABEL = /^[a-z][a-z0-9_]{0,39}$/;

interface Context {
  readonly refs: References;
  /** Today, `YYYY-MM-DD`, and now, `YYYY-MM-DD HH:MM:SS`. */
  readonly now: string;
  readonly file: string;
}

/**
 * Checks one value of a client attribute and returns it as dim_client stores it (geo_code becomes a
 * geography_key), or a reason and message when it is not valid.
 */
export function checkAttribute(
  attribute: string,
  value: string,
  refs: References,
): { value: SqlValue } | { reason: string; message: string } {
  switch (attribute) {
    case "client_name":
      return value.trim() === "" || value.length > 200
        ? { reason: "invalid_value", message: "client_name must hold 1 to 200 characters" }
        : { value };
    case "client_type":
      return LABEL.test(value)
        ? { value }
        : { reason: "invalid_value", message: `client_type "${value}" is not a lower-case label` };
    case "sector":
      return value.trim() === "" || value.length > 80
        ? { reason: "invalid_value", message: "sector must hold 1 to 80 characters" }
        : { value };
    case "size_band":
      return SIZE_BANDS.has(value)
        ? { value }
        : {
            reason: "invalid_enum",
            message: `size_band "${value}" is not one of micro, small, medium, large`,
          };
    case "tier":
      return TIERS.has(value)
        ? { value }
        : { reason: "invalid_enum", message: `tier "${value}" is not one of bronze, silver, gold, platinum` };
    case "kyc_level":
      return KYC.has(value)
        ? { value: Number(value) }
        : { reason: "out_of_range", message: `kyc_level "${value}" is not 1, 2 or 3` };
    case "geo_code": {
      const key = refs.geographies.get(value);
      return key === undefined
        ? { reason: "unknown_geography", message: `geo_code "${value}" is not in dim_geography` }
        : { value: key };
    }
    case "parent_client_id":
      return value === ""
        ? { value: null }
        : isIdentifier(value)
          ? { value }
          : { reason: "invalid_identifier", message: `parent_client_id "${value}" is not an identifier` };
    case "status":
      return STATUSES.has(value)
        ? { value }
        : { reason: "invalid_enum", message: `status "${value}" is not one of active, suspended, closed` };
    default:
      return {
        reason: "unknown_attribute",
        message: `attribute "${attribute}" is not a tracked client attribute`,
      };
  }
}

/** A client registration as a dwh_stage.clients row, or why it is refused. */
export function checkClient(rec: SourceRecord, ctx: Context): SqlValue[] | Reject {
  // No closures here: once per record, and the loader wraps each closure it creates to keep its name.
  const shape = shapeReject(rec, ctx.file, "client", CLIENT_FIELDS.length);
  if (shape) return shape;
  const f = rec.fields;
  const clientId = f[0] as string;
  if (clientId === "")
    return rejectRecord(rec, ctx.file, "client", "client_id", "missing_value", "client_id is empty");
  if (!isIdentifier(clientId))
    return rejectRecord(
      rec,
      ctx.file,
      "client",
      "client_id",
      "invalid_identifier",
      `client_id "${clientId}" is not an identifier`,
    );
  const values: SqlValue[] = [ctx.file, rec.line, clientId];
  for (let i = 1; i < CLIENT_FIELDS.length; i++) {
    const field = CLIENT_FIELDS[i] as string;
    if (field === "registration_date") continue;
    const checked = checkAttribute(field, f[i] as string, ctx.refs);
    if ("reason" in checked)
      return rejectRecord(rec, ctx.file, "client", field, checked.reason, checked.message);
    values.push(checked.value);
    if (field === "parent_client_id") {
      const registration = f[9] as string;
      const day = parseDate(registration);
      if (day === null)
        return rejectRecord(
          rec,
          ctx.file,
          "client",
          "registration_date",
          "malformed_date",
          `registration_date "${registration}" is not a date YYYY-MM-DD`,
        );
      if (registration > ctx.now.slice(0, 10)) {
        return rejectRecord(
          rec,
          ctx.file,
          "client",
          "registration_date",
          "future_timestamp",
          `registration_date ${registration} is in the future`,
        );
      }
      values.push(registration);
    }
  }
  values.push(rec.raw);
  return values;
}

/** A client change event as a dwh_stage.client_changes row, or why it is refused. */
export function checkChange(rec: SourceRecord, ctx: Context): SqlValue[] | Reject {
  const shape = shapeReject(rec, ctx.file, "client_change", CHANGE_FIELDS.length);
  if (shape) return shape;
  const f = rec.fields;
  const [changeId, clientId, effective, changeType, attribute, oldValue, newValue] = f as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!isIdentifier(changeId))
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "change_id",
      changeId === "" ? "missing_value" : "invalid_identifier",
      `change_id "${changeId}" is not an identifier`,
    );
  if (!isIdentifier(clientId))
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "client_id",
      clientId === "" ? "missing_value" : "invalid_identifier",
      `client_id "${clientId}" is not an identifier`,
    );
  const at = parseTimestamp(effective);
  if (at === null)
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "effective_at",
      "malformed_date",
      `effective_at "${effective}" is not a date-time YYYY-MM-DD HH:MM:SS`,
    );
  if (at.text > ctx.now)
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "effective_at",
      "future_timestamp",
      `effective_at ${at.text} is in the future`,
    );
  if (!CHANGE_TYPES.has(changeType))
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "change_type",
      "invalid_enum",
      `change_type "${changeType}" is not a known change type`,
    );
  if (attribute === "registration_date" || attribute === "client_id") {
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      "attribute",
      "unknown_attribute",
      `attribute "${attribute}" cannot change`,
    );
  }
  const checked = checkAttribute(attribute, newValue, ctx.refs);
  if ("reason" in checked) {
    return rejectRecord(
      rec,
      ctx.file,
      "client_change",
      checked.reason === "unknown_attribute" ? "attribute" : "new_value",
      checked.reason,
      checked.message,
    );
  }
  return [
    ctx.file,
    rec.line,
    changeId,
    clientId,
    at.text,
    changeType,
    attribute,
    oldValue === "" ? null : oldValue,
    newValue,
    rec.raw,
  ];
}
