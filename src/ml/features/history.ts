import type { Warehouse } from "../../warehouse/warehouse.ts";
import { featureDialectOf } from "./dialect.ts";
import {
  type ClientProfile,
  epochMicros,
  type HistoryRow,
  ONLINE_HISTORY_US,
  type OnlineContext,
  type OnlineReference,
  type OnlineTransaction,
} from "./online.ts";
import { DAY_US } from "./query.ts";

/** Loads, from the warehouse, what the online features of one transaction need. */

export async function loadOnlineReference(wh: Warehouse): Promise<OnlineReference> {
  const services = await wh.query<{
    service_code: string;
    service_key: number;
    risk_score: number;
    max_amount: string;
    balance_effect: string;
  }>("SELECT service_code, service_key, risk_score, max_amount, balance_effect FROM dwh.dim_service");
  const channels = await wh.query<{ channel_code: string; channel_key: number }>(
    "SELECT channel_code, channel_key FROM dwh.dim_channel",
  );
  const statuses = await wh.query<{ status_code: string; status_group: string; is_success: boolean }>(
    "SELECT status_code, status_group, is_success FROM dwh.dim_transaction_status",
  );
  if (services.length === 0) throw new Error("dwh.dim_service is empty; run `momo init` first");
  return {
    services: new Map(
      services.map((s) => [
        s.service_code,
        {
          serviceKey: Number(s.service_key),
          riskScore: Number(s.risk_score),
          maxCents: Math.round(Number(s.max_amount) * 100),
          isCredit: s.balance_effect === "credit",
        },
      ]),
    ),
    channels: new Map(channels.map((c) => [c.channel_code, Number(c.channel_key)])),
    statuses: new Map(
      statuses.map((s) => [
        s.status_code,
        { isFailed: s.status_group === "failed", isSuccess: Boolean(s.is_success) },
      ]),
    ),
  };
}

/** A client's SCD2 versions, to pick the one valid at a transaction. */
export interface ProfileVersion extends ClientProfile {
  readonly validFromMicros: number;
  readonly validToMicros: number;
}

export async function loadProfileVersions(wh: Warehouse, clientId: string): Promise<ProfileVersion[]> {
  const rows = await wh.query<{
    client_type: string;
    kyc_level: number;
    registration_date: string;
    valid_from: string;
    valid_to: string;
  }>(
    `SELECT client_type, kyc_level, registration_date, valid_from, valid_to
       FROM dwh.dim_client WHERE client_id = $1 ORDER BY valid_from`,
    [clientId],
  );
  return rows.map((r) => ({
    clientType: r.client_type,
    kycLevel: Number(r.kyc_level),
    registrationDate: r.registration_date,
    validFromMicros: epochMicros(r.valid_from),
    validToMicros: epochMicros(r.valid_to),
  }));
}

/** The version valid at `atMicros` (valid_from ≤ at < valid_to), as the ETL picks client_key. */
export function profileAt(
  versions: readonly ProfileVersion[],
  clientId: string,
  atMicros: number,
): ClientProfile {
  const version = versions.find((v) => v.validFromMicros <= atMicros && atMicros < v.validToMicros);
  if (!version) throw new Error(`client ${clientId} has no dim_client version valid at that time`);
  return version;
}

/** Whose transactions a history query reads: a client's own, or those sent to a counterparty client. */
export type HistoryRole = "client" | "counterparty";

/** Transactions of `$1` (by role) with `$2` ≤ transaction_at < `$3`, date keys in [`$4`, `$5`] to prune partitions. */
export function historySql(wh: Warehouse, role: HistoryRole): string {
  const column = role === "client" ? "f.client_id" : "f.counterparty_client_id";
  return `
SELECT
  f.transaction_id, f.client_id, f.counterparty_client_id,
  COALESCE(f.counterparty_client_id, f.counterparty_ref) AS counterparty,
  f.device_ref, f.service_key, f.channel_key,
  ${featureDialectOf(wh).epochMicros("f.transaction_at")} AS at_us,
  CAST(ROUND(f.amount * 100) AS BIGINT) AS cents,
  CAST(ROUND(f.balance_after * 100) AS BIGINT) AS balance_cents,
  CASE WHEN st.status_group = 'failed' THEN 1 ELSE 0 END AS is_failed,
  CASE WHEN st.is_success THEN 1 ELSE 0 END AS is_success,
  CASE WHEN s.balance_effect = 'credit' THEN 1 ELSE 0 END AS is_credit
FROM dwh.fact_transactions f
JOIN dwh.dim_transaction_status st ON st.status_key = f.status_key
JOIN dwh.dim_service s ON s.service_key = f.service_key
WHERE ${column} = $1
  AND f.transaction_at >= CAST($2 AS TIMESTAMP) AND f.transaction_at < CAST($3 AS TIMESTAMP)
  AND f.date_key >= $4 AND f.date_key <= $5`;
}

/** History rows of `id` in the `spanMicros` before `beforeMicros` (excluded). */
export async function loadHistory(
  wh: Warehouse,
  role: HistoryRole,
  id: string,
  beforeMicros: number,
  spanMicros: number,
): Promise<HistoryRow[]> {
  const start = beforeMicros - spanMicros;
  const rows = await wh.query<Record<string, unknown>>(historySql(wh, role), [
    id,
    timestampText(start),
    timestampText(beforeMicros),
    dayKey(start),
    dayKey(beforeMicros),
  ]);
  return rows.map(historyRow);
}

/** The context of `tx` read from the warehouse: everything strictly before its time. */
export async function loadOnlineContext(
  wh: Warehouse,
  tx: OnlineTransaction,
  reference: OnlineReference,
): Promise<OnlineContext> {
  const at = epochMicros(tx.transactionAt);
  const cp = tx.counterpartyClientId || null;
  return {
    reference,
    client: profileAt(await loadProfileVersions(wh, tx.clientId), tx.clientId, at),
    counterparty: cp ? profileAt(await loadProfileVersions(wh, cp), cp, at) : null,
    clientHistory: await loadHistory(wh, "client", tx.clientId, at, ONLINE_HISTORY_US),
    clientInflows: await loadHistory(wh, "counterparty", tx.clientId, at, DAY_US),
    counterpartyInflows: cp ? await loadHistory(wh, "counterparty", cp, at, DAY_US) : [],
  };
}

function historyRow(r: Record<string, unknown>): HistoryRow {
  return {
    transactionId: String(r.transaction_id),
    clientId: String(r.client_id),
    counterpartyClientId: (r.counterparty_client_id as string | null) ?? null,
    counterparty: (r.counterparty as string | null) ?? null,
    deviceRef: (r.device_ref as string | null) ?? null,
    serviceKey: Number(r.service_key),
    channelKey: Number(r.channel_key),
    atMicros: Number(r.at_us),
    cents: Number(r.cents),
    balanceCents: r.balance_cents === null || r.balance_cents === undefined ? null : Number(r.balance_cents),
    isFailed: Number(r.is_failed) === 1,
    isSuccess: Number(r.is_success) === 1,
    isCredit: Number(r.is_credit) === 1,
  };
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` of microseconds since 1970 (UTC, as the engines read timestamps). */
export function timestampText(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString();
  const fraction = String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, "0");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

function dayKey(micros: number): number {
  return Number(new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10).replaceAll("-", ""));
}
