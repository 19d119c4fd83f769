/** One row of dwh.dim_service. Amounts are in local currency (XOF/XAF at parity), as decimal strings. */
export interface ServiceRow {
  service_key: number;
  service_code: string;
  service_name_fr: string;
  service_name_en: string;
  category: ServiceCategory;
  balance_effect: "debit" | "credit";
  has_client_counterparty: boolean;
  max_amount: string;
  fee_model: "free" | "flat" | "percent" | "percent_capped";
  fee_rate_pct: string;
  fee_flat: string;
  fee_min: string;
  fee_max: string | null;
  fee_payer: "client" | "counterparty" | "none";
  risk_level: "low" | "medium" | "high";
  risk_score: number;
}

export type ServiceCategory =
  | "payment"
  | "disbursement"
  | "transfer"
  | "cash"
  | "float"
  | "airtime"
  | "lending"
  | "remittance"
  | "government"
  | "reversal";

type Fee = Pick<ServiceRow, "fee_model" | "fee_rate_pct" | "fee_flat" | "fee_min" | "fee_max" | "fee_payer">;

const free: Fee = {
  fee_model: "free",
  fee_rate_pct: "0",
  fee_flat: "0",
  fee_min: "0",
  fee_max: null,
  fee_payer: "none",
};
const flat = (amount: string, payer: Fee["fee_payer"] = "client"): Fee => ({
  ...free,
  fee_model: "flat",
  fee_flat: amount,
  fee_payer: payer,
});
const percent = (rate: string, payer: Fee["fee_payer"] = "client"): Fee => ({
  ...free,
  fee_model: "percent",
  fee_rate_pct: rate,
  fee_payer: payer,
});
const capped = (rate: string, min: string, max: string, payer: Fee["fee_payer"] = "client"): Fee => ({
  ...free,
  fee_model: "percent_capped",
  fee_rate_pct: rate,
  fee_min: min,
  fee_max: max,
  fee_payer: payer,
});

type Risk = Pick<ServiceRow, "risk_level" | "risk_score">;
const risk = (score: 1 | 2 | 3 | 4 | 5): Risk => ({
  risk_score: score,
  risk_level: score <= 2 ? "low" : score === 3 ? "medium" : "high",
});

function service<Code extends string>(
  service_code: Code,
  service_name_fr: string,
  service_name_en: string,
  category: ServiceCategory,
  balance_effect: ServiceRow["balance_effect"],
  has_client_counterparty: boolean,
  max_amount: string,
  fee: Fee,
  riskOf: Risk,
): Omit<ServiceRow, "service_key"> & { service_code: Code } {
  return {
    service_code,
    service_name_fr,
    service_name_en,
    category,
    balance_effect,
    has_client_counterparty,
    max_amount,
    ...fee,
    ...riskOf,
  };
}

// Fee schedules and ceilings follow published B2B price lists of West and Central African operators, rounded.
const SERVICES = [
  service(
    "MERCHANT_PAYMENT",
    "Paiement marchand",
    "Merchant payment",
    "payment",
    "credit",
    false,
    "2000000",
    percent("1.000", "client"),
    risk(2),
  ),
  service(
    "ONLINE_PAYMENT",
    "Paiement en ligne (e-commerce)",
    "Online payment (e-commerce)",
    "payment",
    "credit",
    false,
    "2000000",
    percent("1.500"),
    risk(3),
  ),
  service(
    "BILL_PAYMENT",
    "Encaissement de factures",
    "Bill collection",
    "payment",
    "credit",
    false,
    "1000000",
    capped("0.500", "25", "1000"),
    risk(1),
  ),
  service(
    "BULK_SALARY",
    "Paiement de salaires en masse",
    "Bulk salary disbursement",
    "disbursement",
    "debit",
    false,
    "5000000",
    capped("0.800", "100", "2500"),
    risk(2),
  ),
  service(
    "BULK_SUPPLIER_PAYMENT",
    "Paiement fournisseurs en masse",
    "Bulk supplier payment",
    "disbursement",
    "debit",
    true,
    "10000000",
    capped("0.800", "100", "5000"),
    risk(2),
  ),
  service(
    "SOCIAL_CASH_TRANSFER",
    "Transfert social (ONG, État)",
    "Social cash transfer (NGO, government)",
    "disbursement",
    "debit",
    false,
    "500000",
    free,
    risk(2),
  ),
  service(
    "B2B_TRANSFER",
    "Transfert entre entreprises",
    "Business-to-business transfer",
    "transfer",
    "debit",
    true,
    "10000000",
    capped("0.500", "100", "5000"),
    risk(3),
  ),
  service(
    "BANK_TO_WALLET",
    "Virement banque vers portefeuille",
    "Bank to wallet transfer",
    "transfer",
    "credit",
    false,
    "20000000",
    free,
    risk(2),
  ),
  service(
    "WALLET_TO_BANK",
    "Virement portefeuille vers banque",
    "Wallet to bank transfer",
    "transfer",
    "debit",
    false,
    "20000000",
    capped("0.500", "500", "5000"),
    risk(3),
  ),
  service(
    "AGENT_CASH_IN",
    "Dépôt d'espèces chez l'agent",
    "Agent cash-in",
    "cash",
    "debit",
    false,
    "2000000",
    free,
    risk(2),
  ),
  service(
    "AGENT_CASH_OUT",
    "Retrait d'espèces chez l'agent",
    "Agent cash-out",
    "cash",
    "credit",
    false,
    "2000000",
    capped("1.000", "50", "5000", "counterparty"),
    risk(3),
  ),
  service(
    "FLOAT_PURCHASE",
    "Achat de float (e-monnaie)",
    "Float purchase",
    "float",
    "credit",
    false,
    "50000000",
    free,
    risk(2),
  ),
  service(
    "FLOAT_TRANSFER",
    "Transfert de float distributeur-agent",
    "Float transfer (distributor to agent)",
    "float",
    "debit",
    true,
    "20000000",
    free,
    risk(3),
  ),
  service(
    "FLOAT_REDEMPTION",
    "Rachat de float",
    "Float redemption",
    "float",
    "debit",
    false,
    "50000000",
    percent("0.200"),
    risk(3),
  ),
  service(
    "AIRTIME_WHOLESALE",
    "Achat de crédit téléphonique en gros",
    "Airtime wholesale purchase",
    "airtime",
    "debit",
    false,
    "5000000",
    free,
    risk(1),
  ),
  service(
    "LOAN_DISBURSEMENT",
    "Décaissement de crédit",
    "Loan disbursement",
    "lending",
    "credit",
    false,
    "5000000",
    percent("1.000"),
    risk(2),
  ),
  service(
    "LOAN_REPAYMENT",
    "Remboursement de crédit",
    "Loan repayment",
    "lending",
    "debit",
    false,
    "5000000",
    free,
    risk(1),
  ),
  service(
    "INTL_REMITTANCE_IN",
    "Transfert international reçu",
    "International remittance received",
    "remittance",
    "credit",
    false,
    "3000000",
    free,
    risk(4),
  ),
  service(
    "INTL_REMITTANCE_OUT",
    "Transfert international émis",
    "International remittance sent",
    "remittance",
    "debit",
    false,
    "3000000",
    capped("2.000", "500", "30000"),
    risk(5),
  ),
  service(
    "TAX_PAYMENT",
    "Paiement d'impôts et taxes",
    "Tax payment",
    "government",
    "debit",
    false,
    "50000000",
    flat("500"),
    risk(1),
  ),
  service(
    "CUSTOMS_PAYMENT",
    "Paiement des droits de douane",
    "Customs duty payment",
    "government",
    "debit",
    false,
    "50000000",
    capped("0.500", "500", "10000"),
    risk(2),
  ),
  service(
    "MERCHANT_REFUND",
    "Remboursement marchand",
    "Merchant refund",
    "reversal",
    "debit",
    false,
    "2000000",
    free,
    risk(4),
  ),
] as const satisfies readonly Omit<ServiceRow, "service_key">[];

export const SERVICE_ROWS: readonly ServiceRow[] = SERVICES.map((s, i) => ({ service_key: i + 1, ...s }));

export type ServiceCode = (typeof SERVICES)[number]["service_code"];

/** The fee of one transaction under the service's fee model, rounded to whole currency units. */
export function serviceFee(service: ServiceRow, amount: number): number {
  const rate = Number(service.fee_rate_pct) / 100;
  switch (service.fee_model) {
    case "free":
      return 0;
    case "flat":
      return Number(service.fee_flat);
    case "percent":
      return Math.round(amount * rate);
    case "percent_capped": {
      const max = service.fee_max === null ? Number.POSITIVE_INFINITY : Number(service.fee_max);
      return Math.min(max, Math.max(Number(service.fee_min), Math.round(amount * rate)));
    }
  }
}
