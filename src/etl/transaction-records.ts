import { FRAUD_TYPES, TRANSACTION_HEADER } from "../generate/catalog.ts";
import {
  isIdentifier,
  isZeroAmount,
  parseAmount,
  parseFlag,
  parseSignedAmount,
  parseTimestamp,
} from "./fields.ts";
import type { SourceRecord } from "./records.ts";
import type { References } from "./references.ts";
import { type Reject, rejectRecord } from "./rejects.ts";

export const TRANSACTION_FIELDS = TRANSACTION_HEADER.split(",");
const FIELD_COUNT = TRANSACTION_FIELDS.length;
const FRAUD_TYPE_SET = new Set<string>(FRAUD_TYPES);
const CURRENCY = /^[A-Z]{3}$/;
/** Characters the tab-separated staging text cannot carry; no valid field holds one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what it looks for
const UNSTAGEABLE = /[\\\x00-\x1f]/;

/** What a transaction check needs besides the record: reference codes, the clock and where the record is. */
export interface TransactionContext {
  readonly refs: References;
  /** `YYYY-MM-DD HH:MM:SS` of the run: a transaction after it is in the future. */
  readonly now: string;
  readonly file: string;
  /** Extra fraud typologies accepted besides the generator's (PaySim's own labels). */
  readonly fraudTypes?: ReadonlySet<string>;
}

/** A transaction that passed the field checks: its line of the transaction stage after row_no and a tab. */
export interface CheckedTransaction {
  readonly line: string;
}

const NULL = "\\N";
const orNull = (text: string) => (text === "" ? NULL : text);

/**
 * Field checks of one transaction record of momo generate's layout, in a fixed order so that a record with
 * several faults always gets the same reason: shape, identifier, amount, timestamp, references, the rest.
 * Hot path (once per record): index access, no closures, the staging line built directly.
 */
export function checkTransaction(rec: SourceRecord, ctx: TransactionContext): CheckedTransaction | Reject {
  if (rec.badEncoding)
    return transactionReject(rec, ctx, null, "invalid_encoding", "the record is not valid UTF-8");
  if (UNSTAGEABLE.test(rec.raw)) {
    return transactionReject(
      rec,
      ctx,
      null,
      "invalid_character",
      "the record holds a backslash or a control character (tab, line break…)",
    );
  }
  const f = rec.fields;
  if (f.length !== FIELD_COUNT) {
    return transactionReject(
      rec,
      ctx,
      null,
      "broken_line",
      `expected ${FIELD_COUNT} fields, found ${f.length}`,
    );
  }
  const id = f[0] as string;
  if (id === "")
    return transactionReject(rec, ctx, "transaction_id", "missing_value", "transaction_id is empty");
  if (!isIdentifier(id)) {
    return transactionReject(
      rec,
      ctx,
      "transaction_id",
      "invalid_identifier",
      `transaction_id "${id}" is not an identifier`,
    );
  }

  const amountText = f[8] as string;
  if (amountText.startsWith("-") && parseSignedAmount(amountText) !== null) {
    return transactionReject(rec, ctx, "amount", "negative_amount", `amount ${amountText} is negative`);
  }
  const amount = parseAmount(amountText);
  if (amount === null) {
    return transactionReject(
      rec,
      ctx,
      "amount",
      "malformed_amount",
      `amount "${amountText}" is not a number like 12500 or 12500.50`,
    );
  }
  if (isZeroAmount(amount))
    return transactionReject(rec, ctx, "amount", "out_of_range", "amount is 0; it must be positive");

  const atText = f[1] as string;
  const at = parseTimestamp(atText);
  if (at === null) {
    return transactionReject(
      rec,
      ctx,
      "transaction_at",
      "malformed_date",
      `transaction_at "${atText}" is not a date-time YYYY-MM-DD HH:MM:SS`,
    );
  }
  if (at.text > ctx.now) {
    return transactionReject(
      rec,
      ctx,
      "transaction_at",
      "future_timestamp",
      `transaction_at ${at.text} is in the future`,
    );
  }
  const refs = ctx.refs;
  if (at.dateKey < refs.firstDateKey || at.dateKey > refs.lastDateKey) {
    return transactionReject(
      rec,
      ctx,
      "transaction_at",
      "outside_calendar",
      `transaction_at ${at.text} is outside dim_date (${refs.firstDateKey}..${refs.lastDateKey})`,
    );
  }

  const clientId = f[2] as string;
  if (clientId === "") return transactionReject(rec, ctx, "client_id", "missing_value", "client_id is empty");
  if (!isIdentifier(clientId)) {
    return transactionReject(
      rec,
      ctx,
      "client_id",
      "invalid_identifier",
      `client_id "${clientId}" is not an identifier`,
    );
  }
  const service = f[5] as string;
  const serviceKey = refs.services.get(service);
  if (serviceKey === undefined) {
    return transactionReject(
      rec,
      ctx,
      "service_code",
      "unknown_service",
      `service_code "${service}" is not in dim_service`,
    );
  }
  const channel = f[6] as string;
  const channelKey = refs.channels.get(channel);
  if (channelKey === undefined) {
    return transactionReject(
      rec,
      ctx,
      "channel_code",
      "unknown_channel",
      `channel_code "${channel}" is not in dim_channel`,
    );
  }
  const status = f[7] as string;
  const statusKey = refs.statuses.get(status);
  if (statusKey === undefined) {
    return transactionReject(
      rec,
      ctx,
      "status_code",
      "unknown_status",
      `status_code "${status}" is not in dim_transaction_status`,
    );
  }
  const geoCode = f[13] as string;
  const geographyKey = refs.geographies.get(geoCode);
  if (geographyKey === undefined) {
    return transactionReject(
      rec,
      ctx,
      "geo_code",
      "unknown_geography",
      `geo_code "${geoCode}" is not in dim_geography`,
    );
  }
  const counterpartyId = f[3] as string;
  if (counterpartyId !== "" && !isIdentifier(counterpartyId)) {
    return transactionReject(
      rec,
      ctx,
      "counterparty_client_id",
      "invalid_identifier",
      `counterparty_client_id "${counterpartyId}" is not an identifier`,
    );
  }

  const feeText = f[9] as string;
  const fee = parseAmount(feeText);
  if (fee === null)
    return transactionReject(
      rec,
      ctx,
      "fee",
      "malformed_amount",
      `fee "${feeText}" is not a number like 125 or 125.50`,
    );
  const currency = f[10] as string;
  if (!CURRENCY.test(currency)) {
    return transactionReject(
      rec,
      ctx,
      "currency",
      "invalid_currency",
      `currency "${currency}" is not a 3-letter ISO code`,
    );
  }
  const balanceText = f[11] as string;
  if (balanceText !== "" && parseSignedAmount(balanceText) === null) {
    return transactionReject(
      rec,
      ctx,
      "balance_after",
      "malformed_amount",
      `balance_after "${balanceText}" is not a number`,
    );
  }
  const fraudText = f[14] as string;
  const isFraud = parseFlag(fraudText);
  if (isFraud === null)
    return transactionReject(rec, ctx, "is_fraud", "invalid_flag", `is_fraud "${fraudText}" is not 0 or 1`);
  const fraudType = f[15] as string;
  if (isFraud && fraudType !== "" && !FRAUD_TYPE_SET.has(fraudType) && !ctx.fraudTypes?.has(fraudType)) {
    return transactionReject(
      rec,
      ctx,
      "fraud_type",
      "unknown_fraud_type",
      `fraud_type "${fraudType}" is not a known typology`,
    );
  }
  if (!isFraud && fraudType !== "") {
    return transactionReject(
      rec,
      ctx,
      "fraud_type",
      "inconsistent_label",
      `fraud_type "${fraudType}" is set on a row with is_fraud = 0`,
    );
  }

  // Columns of TX_STAGE_COLUMNS after row_no; not the raw record (see rawRecords).
  const line =
    `${ctx.file}\t${rec.line}\t${id}\t${at.text}\t${at.dateKey}\t${at.timeKey}\t${clientId}\t${orNull(counterpartyId)}\t` +
    `${orNull(f[4] as string)}\t${serviceKey}\t${channelKey}\t${statusKey}\t${geographyKey}\t${amount}\t${fee}\t${currency}\t` +
    `${orNull(balanceText)}\t${orNull(f[12] as string)}\t${isFraud}\t${orNull(fraudType)}\n`;
  return { line };
}

function transactionReject(
  rec: SourceRecord,
  ctx: TransactionContext,
  field: string | null,
  reason: string,
  message: string,
): Reject {
  return rejectRecord(rec, ctx.file, "transaction", field, reason, message);
}

/** The header a transaction file must start with, or a message saying how it differs. */
export function headerProblem(header: readonly string[], expected: readonly string[]): string | null {
  if (header.length === expected.length && header.every((h, i) => h.trim() === expected[i])) return null;
  const missing = expected.filter((h) => !header.includes(h));
  return `expected the columns ${expected.join(",")}${missing.length ? ` (missing: ${missing.join(", ")})` : ""}, found ${header.join(",")}`;
}
