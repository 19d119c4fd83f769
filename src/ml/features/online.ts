import {
  CLIENT_TYPE_CODES,
  FEATURE_NAMES,
  NEAR_THRESHOLD_SHARE,
  NIGHT_ENDS_AT_HOUR,
  REPORTING_THRESHOLD,
  ROUND_AMOUNT,
} from "./catalog.ts";
import { DAY_US, HISTORY_US, HOUR_US } from "./query.ts";

/**
 * The features of one incoming transaction computed in TypeScript from the client's recent history,
 * with the semantics of the warehouse query (query.ts): same windows, same "strictly earlier" rule,
 * same missing values. tests/ml/online-features.test.ts holds the two to equality.
 */

/** An incoming transaction: what is known when it arrives (no status, no balance, no label). */
export interface OnlineTransaction {
  readonly transactionId: string;
  readonly clientId: string;
  /** `YYYY-MM-DD HH:MM:SS[.ffffff]`, the warehouse's local clock. */
  readonly transactionAt: string;
  /** Decimal text (`12500.50`) or a number with at most 2 decimals. */
  readonly amount: string | number;
  readonly serviceCode: string;
  readonly channelCode: string;
  readonly counterpartyClientId?: string | null;
  readonly counterpartyRef?: string | null;
  readonly deviceRef?: string | null;
}

/** A past transaction, reduced to what the windows read. */
export interface HistoryRow {
  readonly transactionId: string;
  readonly clientId: string;
  readonly counterpartyClientId: string | null;
  /** The counterparty client id, else the external reference, else null. */
  readonly counterparty: string | null;
  readonly deviceRef: string | null;
  readonly serviceKey: number;
  readonly channelKey: number;
  readonly atMicros: number;
  readonly cents: number;
  readonly balanceCents: number | null;
  readonly isFailed: boolean;
  readonly isSuccess: boolean;
  /** The service credits the client (dim_service.balance_effect = 'credit'). */
  readonly isCredit: boolean;
}

/** Attributes of a client's version valid at the transaction. */
export interface ClientProfile {
  readonly clientType: string;
  readonly kycLevel: number;
  /** `YYYY-MM-DD`. */
  readonly registrationDate: string;
}

export interface ServiceInfo {
  readonly serviceKey: number;
  readonly riskScore: number;
  readonly maxCents: number;
  readonly isCredit: boolean;
}

/** The reference dimensions the online path needs, loaded once (history.ts). */
export interface OnlineReference {
  readonly services: ReadonlyMap<string, ServiceInfo>;
  readonly channels: ReadonlyMap<string, number>;
  /** status_code → what a later transaction learns from it. */
  readonly statuses: ReadonlyMap<string, { readonly isFailed: boolean; readonly isSuccess: boolean }>;
}

export interface OnlineContext {
  readonly reference: OnlineReference;
  readonly client: ClientProfile;
  /** Null when the counterparty is not a client. */
  readonly counterparty: ClientProfile | null;
  /** The client's own transactions of at least the HISTORY_DAYS + 1 hour before (more is ignored). */
  readonly clientHistory: readonly HistoryRow[];
  /** Transactions whose counterparty client is the client, of at least the 24 hours before. */
  readonly clientInflows: readonly HistoryRow[];
  /** Transactions whose counterparty client is the transaction's counterparty, of at least the 24 hours before. */
  readonly counterpartyInflows: readonly HistoryRow[];
}

/** How far back the online history must reach: the windows, plus the hour of new-counterparty flags. */
export const ONLINE_HISTORY_US = HISTORY_US + HOUR_US;

/** The feature vector of `tx`, in FEATURE_NAMES order; NaN is missing. */
export function onlineFeatures(tx: OnlineTransaction, ctx: OnlineContext): Float64Array {
  const values = computeOnline(tx, ctx);
  const vector = new Float64Array(FEATURE_NAMES.length);
  FEATURE_NAMES.forEach((name, i) => {
    const value = values[name];
    if (value === undefined) throw new Error(`online features: no value computed for "${name}"`);
    vector[i] = value ?? Number.NaN;
  });
  return vector;
}

type Values = Record<string, number | null>;

function computeOnline(tx: OnlineTransaction, ctx: OnlineContext): Values {
  const service = ctx.reference.services.get(tx.serviceCode);
  if (!service) throw new Error(`unknown service_code "${tx.serviceCode}"`);
  const channelKey = ctx.reference.channels.get(tx.channelCode);
  if (channelKey === undefined) throw new Error(`unknown channel_code "${tx.channelCode}"`);
  const at = epochMicros(tx.transactionAt);
  const cents = amountCents(tx.amount);
  const counterparty = tx.counterpartyClientId || tx.counterpartyRef || null;
  const device = tx.deviceRef || null;
  const hour = Number(tx.transactionAt.slice(11, 13));
  const day = tx.transactionAt.slice(0, 10);

  const own = ctx.clientHistory.filter((r) => r.atMicros < at && r.atMicros >= at - ONLINE_HISTORY_US);
  const within = (rows: readonly HistoryRow[], span: number) =>
    rows.filter((r) => r.atMicros < at && r.atMicros >= at - span);
  const own1h = within(own, HOUR_US);
  const own24h = within(own, DAY_US);
  const own7d = within(own, 7 * DAY_US);
  const own30d = within(own, HISTORY_US);
  const sumCents = (rows: readonly HistoryRow[]) => rows.reduce((s, r) => s + r.cents, 0);

  const previous = latest(own30d);
  const inflows = [
    ...own24h.filter((r) => r.isCredit && r.isSuccess),
    ...within(ctx.clientInflows, DAY_US).filter((r) => r.isSuccess && r.counterpartyClientId === tx.clientId),
  ];
  const inflowCents = sumCents(inflows);
  const maxCents = own30d.reduce((m, r) => Math.max(m, r.cents), 0);
  const senders = tx.counterpartyClientId
    ? new Set(
        within(ctx.counterpartyInflows, DAY_US)
          .filter((r) => r.counterpartyClientId === tx.counterpartyClientId)
          .map((r) => r.clientId),
      ).size
    : null;
  const isNewCounterpartyAt = (row: HistoryRow) =>
    row.counterparty !== null &&
    !own.some(
      (q) =>
        q.counterparty === row.counterparty &&
        q.atMicros < row.atMicros &&
        q.atMicros >= row.atMicros - HISTORY_US,
    );

  return {
    amount: cents / 100,
    hour_of_day: hour,
    is_night: hour < NIGHT_ENDS_AT_HOUR ? 1 : 0,
    day_of_week: isoDayOfWeek(day),
    is_round_amount: cents % (ROUND_AMOUNT * 100) === 0 ? 1 : 0,
    is_just_below_threshold:
      cents >= REPORTING_THRESHOLD * NEAR_THRESHOLD_SHARE * 100 && cents < REPORTING_THRESHOLD * 100 ? 1 : 0,
    amount_to_service_max: ratio(cents, service.maxCents),
    service_key: service.serviceKey,
    channel_key: channelKey,
    service_risk_score: service.riskScore,
    client_type_code: clientTypeCode(ctx.client.clientType),
    kyc_level: ctx.client.kycLevel,
    client_tenure_days: daysBetween(ctx.client.registrationDate, day),
    tx_count_1h: own1h.length,
    tx_count_24h: own24h.length,
    tx_count_7d: own7d.length,
    tx_count_30d: own30d.length,
    amount_sum_1h: sumCents(own1h) / 100,
    amount_sum_24h: sumCents(own24h) / 100,
    amount_sum_7d: sumCents(own7d) / 100,
    amount_zscore_30d: zScore(cents, own30d),
    amount_to_max_30d: ratio(cents, maxCents),
    seconds_since_previous: previous ? (at - previous.atMicros) / 1_000_000 : null,
    failed_count_1h: own1h.filter((r) => r.isFailed).length,
    same_service_count_1h: own1h.filter((r) => r.serviceKey === service.serviceKey).length,
    is_new_service: own30d.some((r) => r.serviceKey === service.serviceKey) ? 0 : 1,
    channel_share_30d: ratio(own30d.filter((r) => r.channelKey === channelKey).length, own30d.length),
    is_new_device: device === null ? null : own30d.some((r) => r.deviceRef === device) ? 0 : 1,
    device_share_30d:
      device === null ? null : ratio(own30d.filter((r) => r.deviceRef === device).length, own30d.length),
    is_new_counterparty:
      counterparty === null ? null : own30d.some((r) => r.counterparty === counterparty) ? 0 : 1,
    new_counterparties_1h: own1h.filter(isNewCounterpartyAt).length,
    counterparty_count_24h:
      counterparty === null ? null : own24h.filter((r) => r.counterparty === counterparty).length,
    counterparty_fan_in_24h: senders,
    counterparty_tenure_days: ctx.counterparty ? daysBetween(ctx.counterparty.registrationDate, day) : null,
    counterparty_kyc_level: ctx.counterparty ? ctx.counterparty.kycLevel : null,
    inflow_count_24h: inflows.length,
    amount_to_inflow_24h: ratio(cents, inflowCents),
    amount_to_balance: ratio(cents, previous?.balanceCents ?? null),
  };
}

/** The latest row, ties on time broken by the greatest transaction id (byte order), as the query's LAG. */
function latest(rows: readonly HistoryRow[]): HistoryRow | null {
  let best: HistoryRow | null = null;
  for (const r of rows) {
    if (
      !best ||
      r.atMicros > best.atMicros ||
      (r.atMicros === best.atMicros && r.transactionId > best.transactionId)
    )
      best = r;
  }
  return best;
}

/** (x − mean) / population std with exact integer sums, as the query computes it; null without variance. */
function zScore(cents: number, rows: readonly HistoryRow[]): number | null {
  const n = BigInt(rows.length);
  let sum = 0n;
  let squares = 0n;
  for (const r of rows) {
    const c = BigInt(r.cents);
    sum += c;
    squares += c * c;
  }
  const varianceNumerator = n * squares - sum * sum;
  if (varianceNumerator <= 0n) return null;
  return Number(n * BigInt(cents) - sum) / Math.sqrt(Number(varianceNumerator));
}

function ratio(numerator: number, denominator: number | null): number | null {
  return denominator !== null && denominator > 0 ? numerator / denominator : null;
}

function clientTypeCode(type: string): number {
  return (CLIENT_TYPE_CODES as readonly string[]).indexOf(type) + 1;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Microseconds since 1970 of a timestamp without time zone, read as UTC like both engines do. */
export function epochMicros(timestamp: string): number {
  const m = TIMESTAMP.exec(timestamp);
  if (!m) throw new Error(`transaction_at "${timestamp}" is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]`);
  const [, y, mo, d, h, mi, s, fraction = ""] = m.map((part) => part ?? "");
  const millis = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return millis * 1000 + Number(fraction.padEnd(6, "0"));
}

/** Exact cents of an amount with at most 2 decimals. */
export function amountCents(amount: string | number): number {
  const text = typeof amount === "number" ? String(amount) : amount.trim();
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new Error(`amount "${amount}" is not a positive amount with at most 2 decimals`);
  const cents = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new Error(`amount "${amount}" is out of range`);
  return cents;
}

function daysBetween(fromDay: string, toDay: string): number {
  return Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / 86_400_000);
}

function isoDayOfWeek(day: string): number {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}
