import { FRAUD_TYPES, TRANSACTION_HEADER } from "../generate/catalog.ts";
import type { SqlValue } from "../warehouse/warehouse.ts";
import {
  isIdentifier,
  isZeroAmount,
  parseAmount,
  parseFlag,
  parseSignedAmount,
  parseTimestamp,
  type Timestamp,
} from "./fields.ts";
import type { SourceRecord } from "./records.ts";
import type { References } from "./references.ts";
import type { Reject } from "./rejects.ts";

export const TRANSACTION_FIELDS = TRANSACTION_HEADER.split(",");
const FIELD_COUNT = TRANSACTION_FIELDS.length;
const FRAUD_TYPE_SET = new Set<string>(FRAUD_TYPES);
const CURRENCY = /^[A-Z]{3}$/;

/** What a transaction check needs besides the record: reference codes, the clock and where the record is. */
export interface TransactionContext {
  readonly refs: References;
  /** `YYYY-MM-DD HH:MM:SS` of the run: a transaction after it is in the future. */
  readonly now: string;
  readonly file: string;
  /** Extra fraud typologies accepted besides the generator's (PaySim's own labels). */
  readonly fraudTypes?: ReadonlySet<string>;
}

/** A transaction that passed the field checks, as a dwh_stage.transactions row minus row_no. */
export interface CheckedTransaction {
  readonly values: SqlValue[];
  readonly at: Timestamp;
}

/**
 * Field checks of one transaction record of momo generate's layout, in a fixed order so that a record with
 * several faults always gets the same reason: shape, identifier, amount, timestamp, references, the rest.
 */
export function checkTransaction(rec: SourceRecord, ctx: TransactionContext): CheckedTransaction | Reject {
  const reject = (field: string | null, reason: string, message: string): Reject => ({
    file: ctx.file,
    line: rec.line,
    kind: "transaction",
    field,
    reason,
    message,
    raw: rec.raw,
  });
  if (rec.badEncoding) return reject(null, "invalid_encoding", "the record is not valid UTF-8");
  const f = rec.fields;
  if (f.length !== FIELD_COUNT) {
    return reject(null, "broken_line", `expected ${FIELD_COUNT} fields, found ${f.length}`);
  }
  const [id, atText, clientId, counterpartyId, counterpartyRef, service, channel, status] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const [amountText, feeText, currency, balanceText, deviceRef, geoCode, fraudText, fraudType] = f.slice(
    8,
  ) as [string, string, string, string, string, string, string, string];
  if (id === "") return reject("transaction_id", "missing_value", "transaction_id is empty");
  if (!isIdentifier(id))
    return reject("transaction_id", "invalid_identifier", `transaction_id "${id}" is not an identifier`);

  if (amountText.startsWith("-") && parseSignedAmount(amountText) !== null) {
    return reject("amount", "negative_amount", `amount ${amountText} is negative`);
  }
  const amount = parseAmount(amountText);
  if (amount === null)
    return reject(
      "amount",
      "malformed_amount",
      `amount "${amountText}" is not a number like 12500 or 12500.50`,
    );
  if (isZeroAmount(amount)) return reject("amount", "out_of_range", "amount is 0; it must be positive");

  const at = parseTimestamp(atText);
  if (at === null) {
    return reject(
      "transaction_at",
      "malformed_date",
      `transaction_at "${atText}" is not a date-time YYYY-MM-DD HH:MM:SS`,
    );
  }
  if (at.text > ctx.now)
    return reject("transaction_at", "future_timestamp", `transaction_at ${at.text} is in the future`);
  if (at.dateKey < ctx.refs.firstDateKey || at.dateKey > ctx.refs.lastDateKey) {
    return reject(
      "transaction_at",
      "outside_calendar",
      `transaction_at ${at.text} is outside dim_date (${ctx.refs.firstDateKey}..${ctx.refs.lastDateKey})`,
    );
  }

  if (clientId === "") return reject("client_id", "missing_value", "client_id is empty");
  if (!isIdentifier(clientId))
    return reject("client_id", "invalid_identifier", `client_id "${clientId}" is not an identifier`);
  const serviceKey = ctx.refs.services.get(service);
  if (serviceKey === undefined)
    return reject("service_code", "unknown_service", `service_code "${service}" is not in dim_service`);
  const channelKey = ctx.refs.channels.get(channel);
  if (channelKey === undefined)
    return reject("channel_code", "unknown_channel", `channel_code "${channel}" is not in dim_channel`);
  const statusKey = ctx.refs.statuses.get(status);
  if (statusKey === undefined) {
    return reject(
      "status_code",
      "unknown_status",
      `status_code "${status}" is not in dim_transaction_status`,
    );
  }
  const geographyKey = ctx.refs.geographies.get(geoCode);
  if (geographyKey === undefined)
    return reject("geo_code", "unknown_geography", `geo_code "${geoCode}" is not in dim_geography`);
  if (counterpartyId !== "" && !isIdentifier(counterpartyId)) {
    return reject(
      "counterparty_client_id",
      "invalid_identifier",
      `counterparty_client_id "${counterpartyId}" is not an identifier`,
    );
  }

  const fee = parseAmount(feeText);
  if (fee === null)
    return reject("fee", "malformed_amount", `fee "${feeText}" is not a number like 125 or 125.50`);
  if (!CURRENCY.test(currency))
    return reject("currency", "invalid_currency", `currency "${currency}" is not a 3-letter ISO code`);
  const balance = balanceText === "" ? null : parseSignedAmount(balanceText);
  if (balanceText !== "" && balance === null) {
    return reject("balance_after", "malformed_amount", `balance_after "${balanceText}" is not a number`);
  }
  const isFraud = parseFlag(fraudText);
  if (isFraud === null) return reject("is_fraud", "invalid_flag", `is_fraud "${fraudText}" is not 0 or 1`);
  if (isFraud && fraudType !== "" && !FRAUD_TYPE_SET.has(fraudType) && !ctx.fraudTypes?.has(fraudType)) {
    return reject("fraud_type", "unknown_fraud_type", `fraud_type "${fraudType}" is not a known typology`);
  }
  if (!isFraud && fraudType !== "") {
    return reject(
      "fraud_type",
      "inconsistent_label",
      `fraud_type "${fraudType}" is set on a row with is_fraud = 0`,
    );
  }

  return {
    at,
    values: [
      ctx.file,
      rec.line,
      id,
      at.text,
      at.dateKey,
      at.timeKey,
      clientId,
      counterpartyId === "" ? null : counterpartyId,
      counterpartyRef === "" ? null : counterpartyRef,
      serviceKey,
      channelKey,
      statusKey,
      geographyKey,
      amount,
      fee,
      currency,
      balance,
      deviceRef === "" ? null : deviceRef,
      isFraud,
      fraudType === "" ? null : fraudType,
      rec.raw,
    ],
  };
}

/** The header a transaction file must start with, or a message saying how it differs. */
export function headerProblem(header: readonly string[], expected: readonly string[]): string | null {
  if (header.length === expected.length && header.every((h, i) => h.trim() === expected[i])) return null;
  const missing = expected.filter((h) => !header.includes(h));
  return `expected the columns ${expected.join(",")}${missing.length ? ` (missing: ${missing.join(", ")})` : ""}, found ${header.join(",")}`;
}
