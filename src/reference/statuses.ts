/** One row of dwh.dim_transaction_status. */
export interface StatusRow {
  status_key: number;
  status_code: string;
  status_name_fr: string;
  status_name_en: string;
  status_group: "success" | "failed" | "reversed" | "pending" | "cancelled" | "blocked";
  failure_cause: string | null;
  is_final: boolean;
  is_success: boolean;
}

type Status = Omit<StatusRow, "status_key" | "is_final" | "is_success">;

const STATUSES: readonly Status[] = [
  {
    status_code: "SUCCESS",
    status_name_fr: "Réussie",
    status_name_en: "Successful",
    status_group: "success",
    failure_cause: null,
  },
  {
    status_code: "FAILED_INSUFFICIENT_FUNDS",
    status_name_fr: "Échec : solde insuffisant",
    status_name_en: "Failed: insufficient funds",
    status_group: "failed",
    failure_cause: "insufficient_funds",
  },
  {
    status_code: "FAILED_WRONG_PIN",
    status_name_fr: "Échec : code PIN erroné",
    status_name_en: "Failed: wrong PIN",
    status_group: "failed",
    failure_cause: "wrong_pin",
  },
  {
    status_code: "FAILED_LIMIT_EXCEEDED",
    status_name_fr: "Échec : plafond dépassé",
    status_name_en: "Failed: limit exceeded",
    status_group: "failed",
    failure_cause: "limit_exceeded",
  },
  {
    status_code: "FAILED_INVALID_RECIPIENT",
    status_name_fr: "Échec : destinataire invalide",
    status_name_en: "Failed: invalid recipient",
    status_group: "failed",
    failure_cause: "invalid_recipient",
  },
  {
    status_code: "FAILED_TECHNICAL",
    status_name_fr: "Échec : erreur technique ou délai dépassé",
    status_name_en: "Failed: technical error or timeout",
    status_group: "failed",
    failure_cause: "technical",
  },
  {
    status_code: "FAILED_ACCOUNT_RESTRICTED",
    status_name_fr: "Échec : compte restreint (KYC)",
    status_name_en: "Failed: account restricted (KYC)",
    status_group: "failed",
    failure_cause: "account_restricted",
  },
  {
    status_code: "REVERSED",
    status_name_fr: "Extournée",
    status_name_en: "Reversed",
    status_group: "reversed",
    failure_cause: null,
  },
  {
    status_code: "PENDING",
    status_name_fr: "En attente",
    status_name_en: "Pending",
    status_group: "pending",
    failure_cause: null,
  },
  {
    status_code: "CANCELLED",
    status_name_fr: "Annulée par le client",
    status_name_en: "Cancelled by the client",
    status_group: "cancelled",
    failure_cause: null,
  },
  {
    status_code: "BLOCKED_FRAUD",
    status_name_fr: "Bloquée : suspicion de fraude",
    status_name_en: "Blocked: suspected fraud",
    status_group: "blocked",
    failure_cause: "fraud_suspected",
  },
];

export const STATUS_ROWS: readonly StatusRow[] = STATUSES.map((s, i) => ({
  status_key: i + 1,
  ...s,
  is_final: s.status_group !== "pending",
  is_success: s.status_group === "success",
}));
