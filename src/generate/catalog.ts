import { SERVICE_ROWS, type ServiceCode, type ServiceRow } from "../reference/services.ts";
import { STATUS_ROWS } from "../reference/statuses.ts";

/** Service, status and institution lookups shared by the planners and the writer. */
export const SERVICES: readonly ServiceRow[] = SERVICE_ROWS;
export const SERVICE_INDEX = new Map<string, number>(SERVICES.map((s, i) => [s.service_code, i]));

export function serviceIndex(code: ServiceCode): number {
  return SERVICE_INDEX.get(code) as number;
}

export function statusNumber(code: string): number {
  const index = STATUS_ROWS.findIndex((s) => s.status_code === code);
  if (index < 0) throw new Error(`unknown status ${code}`);
  return index + 1;
}

/** Counterparties that are institutions rather than clients or persons (negative party codes). */
export const INSTITUTIONS = ["BANQUE", "IMPOTS", "DOUANES", "OPERATEUR", "PRETEUR"] as const;
export const INSTITUTION_OF: Partial<Record<ServiceCode, number>> = {
  BANK_TO_WALLET: -1,
  WALLET_TO_BANK: -1,
  FLOAT_PURCHASE: -1,
  FLOAT_REDEMPTION: -1,
  TAX_PAYMENT: -2,
  CUSTOMS_PAYMENT: -3,
  AIRTIME_WHOLESALE: -4,
  LOAN_DISBURSEMENT: -5,
  LOAN_REPAYMENT: -5,
};

export const FRAUD_TYPES = [
  "account_takeover",
  "agent_float_abuse",
  "fake_merchant",
  "structuring",
  "mule_account",
  "velocity_burst",
  "round_tripping",
] as const;
export type FraudType = (typeof FRAUD_TYPES)[number];

export const DIRTY_KINDS = [
  "duplicate_id",
  "malformed_amount",
  "malformed_date",
  "unknown_client",
  "unknown_service",
  "future_timestamp",
  "negative_amount",
  "broken_line",
] as const;
export type DirtyKind = (typeof DIRTY_KINDS)[number];

export const TRANSACTION_HEADER =
  "transaction_id,transaction_at,client_id,counterparty_client_id,counterparty_ref,service_code,channel_code,status_code,amount,fee,currency,balance_after,device_ref,geo_code,is_fraud,fraud_type";
