/**
 * The fraud features: one list used by the warehouse query, training, scoring, the CSV export, the
 * docs and the online path. Each `sql` is an expression over the columns of the query's `inputs`
 * CTE (see query.ts), evaluated as DOUBLE PRECISION; NULL means missing.
 *
 * "Earlier" always means a transaction_at strictly before the transaction's own: rows at the same
 * instant never see each other. Histories reach back at most HISTORY_DAYS.
 */

/** How far back any feature looks; also the lookback read before a range's first day. */
export const HISTORY_DAYS = 30;
/** Amounts at or above this must be reported to the regulator; structuring stays just under it. */
export const REPORTING_THRESHOLD = 1_000_000;
/** Share of the threshold from which an amount counts as just below it. */
export const NEAR_THRESHOLD_SHARE = 0.9;
/** A transaction starting before this hour (local clock) is a night transaction. */
export const NIGHT_ENDS_AT_HOUR = 6;
/** An amount that is a multiple of this is round. */
export const ROUND_AMOUNT = 1_000;

/** Client types as codes (1-based); an unknown type is 0. Append only: models store the codes. */
export const CLIENT_TYPE_CODES = [
  "merchant",
  "agent",
  "distributor",
  "sme",
  "corporate",
  "biller",
  "ngo",
  "public_body",
] as const;

export interface MlFeature {
  readonly name: string;
  readonly description: string;
  /** The typologies of src/generate/fraud.ts it is meant to catch, and why. */
  readonly catches: string;
  readonly sql: string;
}

const double = (sql: string) => `CAST(${sql} AS DOUBLE PRECISION)`;
const amount = (centsSql: string) => `${double(centsSql)} / 100`;
const ratio = (numerator: string, denominator: string) =>
  `CASE WHEN ${denominator} > 0 THEN ${double(numerator)} / ${double(denominator)} END`;
const flag = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;
const flagWhen = (present: string, condition: string) =>
  `CASE WHEN ${present} IS NULL THEN NULL WHEN ${condition} THEN 1 ELSE 0 END`;
const clientTypeCode = (column: string) =>
  `CASE ${column} ${CLIENT_TYPE_CODES.map((t, i) => `WHEN '${t}' THEN ${i + 1}`).join(" ")} ELSE 0 END`;

export const ML_FEATURES: readonly MlFeature[] = [
  // the transaction itself
  {
    name: "amount",
    description: "Amount in local currency (XOF and XAF are at parity).",
    catches: "every typology through its amount band: small airtime bursts, large round trips",
    sql: amount("cents"),
  },
  {
    name: "hour_of_day",
    description: "Hour of the transaction time, 0-23.",
    catches: "account_takeover starts between midnight and 5 am",
    sql: double("EXTRACT(HOUR FROM transaction_at)"),
  },
  {
    name: "is_night",
    description: `1 when the transaction starts before ${NIGHT_ENDS_AT_HOUR}:00, else 0.`,
    catches: "account_takeover",
    sql: flag(`EXTRACT(HOUR FROM transaction_at) < ${NIGHT_ENDS_AT_HOUR}`),
  },
  {
    name: "day_of_week",
    description: "ISO day of the week, 1 = Monday … 7 = Sunday.",
    catches: "business-hours typologies against week-end behaviour",
    sql: double("EXTRACT(ISODOW FROM transaction_at)"),
  },
  {
    name: "is_round_amount",
    description: `1 when the amount is a multiple of ${ROUND_AMOUNT.toLocaleString("en-US")}, else 0.`,
    catches: "round_tripping and fake_merchant sums chosen by people rather than prices",
    sql: flag(`cents % ${ROUND_AMOUNT * 100} = 0`),
  },
  {
    name: "is_just_below_threshold",
    description: `1 when the amount lies in [${NEAR_THRESHOLD_SHARE} × threshold, threshold) of the ${REPORTING_THRESHOLD.toLocaleString("en-US")} reporting threshold, else 0.`,
    catches: "structuring",
    sql: flag(
      `cents >= ${REPORTING_THRESHOLD * NEAR_THRESHOLD_SHARE * 100} AND cents < ${REPORTING_THRESHOLD * 100}`,
    ),
  },
  {
    name: "amount_to_service_max",
    description: "Amount divided by the service's maximum amount (dim_service.max_amount).",
    catches: "structuring and fake_merchant amounts near a ceiling",
    sql: ratio("cents", "service_max_cents"),
  },
  {
    name: "service_key",
    description: "The service as its dim_service key (a category code).",
    catches: "airtime bursts, remittance-based structuring and mules, refunds of fake merchants",
    sql: double("service_key"),
  },
  {
    name: "channel_key",
    description: "The channel as its dim_channel key (a category code).",
    catches: "velocity_burst through API or app",
    sql: double("channel_key"),
  },
  {
    name: "service_risk_score",
    description: "dim_service.risk_score, 1 (low) to 5 (high).",
    catches: "remittances and refunds, the services most typologies use",
    sql: double("service_risk_score"),
  },
  // the client
  {
    name: "client_type_code",
    description: `Client type as a code: ${CLIENT_TYPE_CODES.map((t, i) => `${i + 1} ${t}`).join(", ")}; 0 other.`,
    catches: "typologies bound to a type: agent_float_abuse (agents), fake_merchant (merchants)",
    sql: double(clientTypeCode("client_type")),
  },
  {
    name: "kyc_level",
    description: "KYC level (1-3) of the client's version valid at the transaction.",
    catches: "mule_account (low KYC)",
    sql: double("kyc_level"),
  },
  {
    name: "client_tenure_days",
    description: "Days from the client's registration date to the transaction date.",
    catches: "mule_account (accounts under 120 days old)",
    sql: double("dwh.days_between(registration_date, transaction_date)"),
  },
  // the client's earlier transactions
  {
    name: "tx_count_1h",
    description: "The client's earlier transactions in the last hour.",
    catches: "velocity_burst, agent_float_abuse, account_takeover drains",
    sql: double("n_1h"),
  },
  {
    name: "tx_count_24h",
    description: "The client's earlier transactions in the last 24 hours.",
    catches: "bursts against the client's usual pace",
    sql: double("n_24h"),
  },
  {
    name: "tx_count_7d",
    description: "The client's earlier transactions in the last 7 days.",
    catches: "the client's usual pace, against which bursts stand out",
    sql: double("n_7d"),
  },
  {
    name: "tx_count_30d",
    description: `The client's earlier transactions in the last ${HISTORY_DAYS} days (depth of the history).`,
    catches: "young or dormant accounts (mule_account), and the context of every other count",
    sql: double("n_30d"),
  },
  {
    name: "amount_sum_1h",
    description: "Sum of the client's earlier amounts in the last hour.",
    catches: "agent_float_abuse, fake_merchant (a sum split into many payments)",
    sql: amount("cents_1h"),
  },
  {
    name: "amount_sum_24h",
    description: "Sum of the client's earlier amounts in the last 24 hours.",
    catches: "structuring (several transfers just below the threshold in a day)",
    sql: amount("cents_24h"),
  },
  {
    name: "amount_sum_7d",
    description: "Sum of the client's earlier amounts in the last 7 days.",
    catches: "the usual volume that a scenario departs from",
    sql: amount("cents_7d"),
  },
  {
    name: "amount_zscore_30d",
    description: `(amount − mean) / population standard deviation of the client's earlier amounts over ${HISTORY_DAYS} days; missing when they do not vary (fewer than 2 or all equal).`,
    catches: "fake_merchant payments far above the merchant's usual ticket, round_tripping, structuring",
    sql: `CASE WHEN variance_numerator_30d > 0 THEN ${double("n_30d * cents - cents_30d")} / SQRT(${double("variance_numerator_30d")}) END`,
  },
  {
    name: "amount_to_max_30d",
    description: `Amount divided by the largest of the client's earlier amounts over ${HISTORY_DAYS} days; missing without one.`,
    catches: "amounts the client never reached before",
    sql: ratio("cents", "max_cents_30d"),
  },
  {
    name: "seconds_since_previous",
    description: `Seconds since the client's latest earlier transaction; missing when there is none within ${HISTORY_DAYS} days.`,
    catches: "velocity_burst (10-45 s apart), agent_float_abuse, drains right after the inflows",
    sql: `${double("at_us - previous_at_us")} / 1000000`,
  },
  {
    name: "failed_count_1h",
    description: "The client's earlier failed attempts (status group failed) in the last hour.",
    catches: "account_takeover (wrong PINs before the drain)",
    sql: double("failed_1h"),
  },
  {
    name: "same_service_count_1h",
    description: "The client's earlier transactions of the same service in the last hour.",
    catches: "agent_float_abuse (repeated cash-ins), velocity_burst (repeated airtime)",
    sql: double("service_seen_1h"),
  },
  {
    name: "is_new_service",
    description: `1 when the client used no earlier transaction of this service in ${HISTORY_DAYS} days, else 0.`,
    catches: "account_takeover and mule drains through services the client does not use",
    sql: flag("service_seen_30d = 0"),
  },
  {
    name: "channel_share_30d",
    description: `Share of the client's earlier transactions over ${HISTORY_DAYS} days made on this channel; missing without history.`,
    catches: "account_takeover and velocity_burst from an unusual channel",
    sql: ratio("channel_seen_30d", "n_30d"),
  },
  {
    name: "is_new_device",
    description: `1 when the device was not used by the client in ${HISTORY_DAYS} days, 0 when it was; missing without a device.`,
    catches: "account_takeover (one new device), velocity_burst and mule drains (half on a new device)",
    sql: flagWhen("device_ref", "device_seen_30d = 0"),
  },
  {
    name: "device_share_30d",
    description: `Share of the client's earlier transactions over ${HISTORY_DAYS} days made from this device; missing without history or device.`,
    catches: "account_takeover drains from the thief's device, used only during the scene",
    sql: `CASE WHEN device_ref IS NOT NULL THEN ${ratio("device_seen_30d", "n_30d")} END`,
  },
  // the counterparty
  {
    name: "is_new_counterparty",
    description: `1 when the client had no earlier transaction with this counterparty (client or external reference) in ${HISTORY_DAYS} days, 0 when it had; missing without a counterparty.`,
    catches: "drains to new payees, fake_merchant refunds to parties who never paid, velocity_burst",
    sql: flagWhen("counterparty", "counterparty_seen_30d = 0"),
  },
  {
    name: "new_counterparties_1h",
    description:
      "The client's earlier transactions in the last hour that went to a counterparty new to the client.",
    catches: "velocity_burst (a new number each time), account_takeover drains",
    sql: double("new_counterparties_1h"),
  },
  {
    name: "counterparty_count_24h",
    description:
      "The client's earlier transactions with this same counterparty in the last 24 hours; missing without a counterparty.",
    catches: "agent_float_abuse (many cash-ins to one or two customers), fake_merchant (few payers)",
    sql: `CASE WHEN counterparty IS NOT NULL THEN ${double("counterparty_seen_24h")} END`,
  },
  {
    name: "counterparty_fan_in_24h",
    description:
      "Distinct clients who sent earlier transactions to this counterparty client in the last 24 hours; missing when the counterparty is not a client.",
    catches: "mule_account (many senders into one young account)",
    sql: `CASE WHEN counterparty_client_id IS NOT NULL THEN ${double("COALESCE(counterparty_senders_24h, 0)")} END`,
  },
  {
    name: "counterparty_tenure_days",
    description:
      "Days since the counterparty client registered; missing when the counterparty is not a client.",
    catches: "mule_account (payments into a young account)",
    sql: double("dwh.days_between(counterparty_registration_date, transaction_date)"),
  },
  {
    name: "counterparty_kyc_level",
    description: "KYC level of the counterparty client; missing when the counterparty is not a client.",
    catches: "mule_account (payments into a low-KYC account)",
    sql: double("counterparty_kyc_level"),
  },
  // money flowing through the account
  {
    name: "inflow_count_24h",
    description:
      "Successful earlier credits to the client in the last 24 hours: its own credit services and transfers it received.",
    catches: "mule_account fan-in before the drain, structuring deposits before the split",
    sql: double("inflow_count_24h"),
  },
  {
    name: "amount_to_inflow_24h",
    description: "Amount divided by the sum of those credits; missing without credits.",
    catches: "pass-through: mule drains, round_tripping hops, structuring transfers",
    sql: ratio("cents", "inflow_cents_24h"),
  },
  {
    name: "amount_to_balance",
    description: `Amount divided by the balance after the client's latest earlier transaction (within ${HISTORY_DAYS} days); missing when unknown or not positive.`,
    catches: "account_takeover and mule drains (35-85 % of the balance each)",
    sql: ratio("cents", "previous_balance_cents"),
  },
];

export const FEATURE_NAMES: readonly string[] = ML_FEATURES.map((f) => f.name);

export function featureIndex(name: string): number {
  const index = FEATURE_NAMES.indexOf(name);
  if (index < 0) throw new Error(`unknown feature "${name}"; known: ${FEATURE_NAMES.join(", ")}`);
  return index;
}
