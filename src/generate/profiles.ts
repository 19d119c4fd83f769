import type { ServiceCode } from "../reference/services.ts";

/**
 * The shapes the generator draws from. docs/data_generation.md explains each; tests check that
 * generated data follows them.
 */
export const CLIENT_TYPES = [
  "merchant",
  "agent",
  "distributor",
  "sme",
  "corporate",
  "biller",
  "ngo",
  "public_body",
] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const SIZE_BANDS = ["micro", "small", "medium", "large"] as const;
export const TIERS = ["bronze", "silver", "gold", "platinum"] as const;
export const CHANNELS = ["USSD", "APP", "WEB", "API", "AGENT_POS"] as const;
export type ChannelCode = (typeof CHANNELS)[number];

type HourProfile = readonly number[];

/** Relative activity per hour of the day, 0h … 23h. */
export const HOUR_PROFILES = {
  retail: [2, 1, 0.5, 0.5, 1, 3, 8, 22, 45, 60, 68, 72, 70, 62, 58, 62, 70, 78, 80, 66, 45, 25, 10, 5],
  office: [0.3, 0.2, 0.1, 0.1, 0.2, 0.6, 2, 10, 40, 75, 85, 82, 50, 48, 78, 80, 70, 45, 18, 8, 4, 2, 1, 0.5],
  system: [12, 10, 8, 7, 7, 9, 15, 28, 45, 55, 60, 62, 60, 58, 58, 60, 60, 58, 52, 45, 38, 30, 22, 16],
} as const satisfies Record<string, HourProfile>;
export type HourProfileName = keyof typeof HOUR_PROFILES;

/** Relative activity per ISO day of the week, Monday … Sunday. */
export const WEEKDAY_PROFILES = {
  retail: [1.0, 0.97, 1.0, 1.0, 1.08, 1.15, 0.72],
  office: [1.12, 1.08, 1.06, 1.05, 1.0, 0.3, 0.08],
  system: [1.02, 1.0, 1.0, 1.0, 1.02, 0.95, 0.85],
} as const satisfies Record<HourProfileName, readonly number[]>;

/** Activity on a public holiday of the client's country, relative to the same weekday. */
export const HOLIDAY_FACTOR: Record<HourProfileName, number> = { retail: 0.55, office: 0.12, system: 0.8 };
/** Retail spending rises in the salary window (last 3 and first 2 days of the month). */
export const PAYDAY_RETAIL_BOOST = 1.3;
/** Services paid in the salary window: their days are drawn from it this many times more often. */
export const PAYDAY_SERVICE_WEIGHT = 30;
export const PAYDAY_SERVICES: ReadonlySet<ServiceCode> = new Set(["BULK_SALARY", "SOCIAL_CASH_TRANSFER"]);
/** Month-of-year seasonality of the whole book (January … December): harvest, Tabaski and year-end peaks. */
export const MONTH_SEASONALITY = [0.92, 0.9, 0.97, 0.98, 1.0, 1.02, 1.0, 0.98, 0.97, 1.03, 1.06, 1.17];
/** Yearly growth of activity, compounded monthly. */
export const YEARLY_GROWTH = 0.18;

export interface ClientTypeProfile {
  /** Share of the client base. */
  readonly share: number;
  /** Mean transactions per active day of a median client of this type. */
  readonly dailyRate: number;
  /** Log-normal spread of activity across clients: the heavy tail. */
  readonly activitySigma: number;
  readonly hours: HourProfileName;
  readonly sectors: readonly string[];
  /** Weights of micro, small, medium, large. */
  readonly sizes: readonly [number, number, number, number];
  /** Weights of KYC levels 1, 2, 3. */
  readonly kyc: readonly [number, number, number];
  /** Weights of USSD, APP, WEB, API, AGENT_POS. */
  readonly channels: readonly [number, number, number, number, number];
  readonly services: Partial<Record<ServiceCode, number>>;
  /** Median e-money balance kept, before the size multiplier. */
  readonly workingBalance: number;
}

export const CLIENT_PROFILES: Record<ClientType, ClientTypeProfile> = {
  merchant: {
    share: 0.57,
    dailyRate: 1.0,
    activitySigma: 1.0,
    hours: "retail",
    sectors: [
      "commerce de détail",
      "alimentation",
      "restauration",
      "transport",
      "mode et textile",
      "électronique",
      "pharmacie",
      "quincaillerie",
      "beauté et coiffure",
      "télécoms",
    ],
    sizes: [62, 30, 7, 1],
    kyc: [45, 45, 10],
    channels: [34, 36, 2, 3, 25],
    services: {
      MERCHANT_PAYMENT: 66,
      ONLINE_PAYMENT: 6,
      MERCHANT_REFUND: 2,
      WALLET_TO_BANK: 6,
      B2B_TRANSFER: 6,
      AIRTIME_WHOLESALE: 4,
      LOAN_DISBURSEMENT: 1,
      LOAN_REPAYMENT: 4,
      BANK_TO_WALLET: 3,
      TAX_PAYMENT: 2,
    },
    workingBalance: 60_000,
  },
  agent: {
    share: 0.26,
    dailyRate: 1.8,
    activitySigma: 0.8,
    hours: "retail",
    sectors: ["services financiers de proximité"],
    sizes: [70, 27, 3, 0],
    kyc: [10, 70, 20],
    channels: [55, 30, 0, 0, 15],
    services: {
      AGENT_CASH_IN: 46,
      AGENT_CASH_OUT: 40,
      FLOAT_PURCHASE: 6,
      FLOAT_REDEMPTION: 3,
      AIRTIME_WHOLESALE: 5,
    },
    workingBalance: 250_000,
  },
  distributor: {
    share: 0.015,
    dailyRate: 3,
    activitySigma: 0.6,
    hours: "office",
    sectors: ["distribution"],
    sizes: [0, 20, 60, 20],
    kyc: [0, 10, 90],
    channels: [20, 30, 40, 10, 0],
    services: { FLOAT_TRANSFER: 70, FLOAT_PURCHASE: 15, FLOAT_REDEMPTION: 10, AIRTIME_WHOLESALE: 5 },
    workingBalance: 5_000_000,
  },
  sme: {
    share: 0.12,
    dailyRate: 0.6,
    activitySigma: 0.9,
    hours: "office",
    sectors: [
      "BTP",
      "agriculture",
      "agro-alimentaire",
      "transport et logistique",
      "services aux entreprises",
      "santé",
      "éducation",
      "commerce de gros",
      "hôtellerie",
      "informatique",
    ],
    sizes: [25, 55, 18, 2],
    kyc: [10, 55, 35],
    channels: [30, 40, 25, 5, 0],
    services: {
      MERCHANT_PAYMENT: 18,
      B2B_TRANSFER: 20,
      BULK_SUPPLIER_PAYMENT: 8,
      BULK_SALARY: 12,
      TAX_PAYMENT: 6,
      CUSTOMS_PAYMENT: 2,
      BANK_TO_WALLET: 10,
      WALLET_TO_BANK: 5,
      AIRTIME_WHOLESALE: 5,
      LOAN_DISBURSEMENT: 2,
      LOAN_REPAYMENT: 5,
      INTL_REMITTANCE_OUT: 3,
      INTL_REMITTANCE_IN: 4,
    },
    workingBalance: 400_000,
  },
  corporate: {
    share: 0.02,
    dailyRate: 2,
    activitySigma: 1.0,
    hours: "office",
    sectors: [
      "agro-industrie",
      "mines",
      "énergie",
      "télécommunications",
      "banque et assurance",
      "BTP",
      "industrie",
      "grande distribution",
    ],
    sizes: [0, 0, 30, 70],
    kyc: [0, 0, 100],
    channels: [0, 10, 55, 35, 0],
    services: {
      BULK_SALARY: 46,
      BULK_SUPPLIER_PAYMENT: 18,
      B2B_TRANSFER: 10,
      TAX_PAYMENT: 4,
      CUSTOMS_PAYMENT: 4,
      BANK_TO_WALLET: 14,
      WALLET_TO_BANK: 2,
      INTL_REMITTANCE_OUT: 2,
    },
    workingBalance: 8_000_000,
  },
  biller: {
    share: 0.005,
    dailyRate: 18,
    activitySigma: 0.9,
    hours: "system",
    sectors: ["électricité", "eau", "télévision payante", "internet", "écoles", "assurance"],
    sizes: [0, 20, 50, 30],
    kyc: [0, 0, 100],
    channels: [0, 0, 15, 85, 0],
    services: { BILL_PAYMENT: 92, WALLET_TO_BANK: 6, MERCHANT_REFUND: 2 },
    workingBalance: 2_000_000,
  },
  ngo: {
    share: 0.006,
    dailyRate: 3,
    activitySigma: 0.8,
    hours: "office",
    sectors: ["humanitaire", "santé communautaire", "éducation", "microfinance solidaire"],
    sizes: [10, 40, 40, 10],
    kyc: [0, 20, 80],
    channels: [0, 10, 70, 20, 0],
    services: { SOCIAL_CASH_TRANSFER: 62, BULK_SALARY: 10, BANK_TO_WALLET: 18, INTL_REMITTANCE_IN: 10 },
    workingBalance: 3_000_000,
  },
  public_body: {
    share: 0.004,
    dailyRate: 4,
    activitySigma: 0.8,
    hours: "office",
    sectors: ["administration", "collectivité territoriale", "santé publique", "enseignement public"],
    sizes: [0, 20, 50, 30],
    kyc: [0, 0, 100],
    channels: [0, 0, 60, 40, 0],
    services: { SOCIAL_CASH_TRANSFER: 36, BULK_SALARY: 36, BANK_TO_WALLET: 24, B2B_TRANSFER: 4 },
    workingBalance: 10_000_000,
  },
};

/** Log-normal amount per service: median in XOF/XAF and log-scale sigma, before the size multiplier. */
export const AMOUNT_PROFILES: Record<ServiceCode, { readonly median: number; readonly sigma: number }> = {
  MERCHANT_PAYMENT: { median: 4_500, sigma: 1.0 },
  ONLINE_PAYMENT: { median: 12_000, sigma: 1.0 },
  BILL_PAYMENT: { median: 15_000, sigma: 0.8 },
  BULK_SALARY: { median: 95_000, sigma: 0.55 },
  BULK_SUPPLIER_PAYMENT: { median: 450_000, sigma: 1.0 },
  SOCIAL_CASH_TRANSFER: { median: 35_000, sigma: 0.35 },
  B2B_TRANSFER: { median: 180_000, sigma: 1.1 },
  BANK_TO_WALLET: { median: 800_000, sigma: 0.9 },
  WALLET_TO_BANK: { median: 300_000, sigma: 1.0 },
  AGENT_CASH_IN: { median: 15_000, sigma: 1.0 },
  AGENT_CASH_OUT: { median: 20_000, sigma: 1.0 },
  FLOAT_PURCHASE: { median: 500_000, sigma: 0.8 },
  FLOAT_TRANSFER: { median: 350_000, sigma: 0.8 },
  FLOAT_REDEMPTION: { median: 700_000, sigma: 0.8 },
  AIRTIME_WHOLESALE: { median: 50_000, sigma: 0.9 },
  LOAN_DISBURSEMENT: { median: 300_000, sigma: 0.8 },
  LOAN_REPAYMENT: { median: 35_000, sigma: 0.8 },
  INTL_REMITTANCE_IN: { median: 150_000, sigma: 0.9 },
  INTL_REMITTANCE_OUT: { median: 200_000, sigma: 0.9 },
  TAX_PAYMENT: { median: 120_000, sigma: 1.2 },
  CUSTOMS_PAYMENT: { median: 900_000, sigma: 1.0 },
  MERCHANT_REFUND: { median: 6_000, sigma: 0.9 },
};

/**
 * Amount multiplier by size band (micro, small, medium, large), for the services whose amounts grow
 * with the business; a bill, a shop ticket, a cash withdrawal or a salary line does not.
 */
export const SIZE_AMOUNT_FACTOR = [0.6, 1, 2.5, 6] as const;
export const SIZE_SCALED_SERVICES: ReadonlySet<ServiceCode> = new Set([
  "B2B_TRANSFER",
  "BULK_SUPPLIER_PAYMENT",
  "BANK_TO_WALLET",
  "WALLET_TO_BANK",
  "FLOAT_PURCHASE",
  "FLOAT_TRANSFER",
  "FLOAT_REDEMPTION",
  "AIRTIME_WHOLESALE",
  "LOAN_DISBURSEMENT",
  "LOAN_REPAYMENT",
  "INTL_REMITTANCE_IN",
  "INTL_REMITTANCE_OUT",
  "TAX_PAYMENT",
  "CUSTOMS_PAYMENT",
]);
/** Largest single transaction by KYC level 1, 2, 3 (the services' own ceilings apply on top). */
export const KYC_LIMITS = [200_000, 2_000_000, Number.POSITIVE_INFINITY] as const;

/**
 * Chance that a debit the balance cannot cover is preceded by an automatic top-up from the client's
 * linked bank account (or a float purchase, for agents and distributors) rather than failing.
 */
export const AUTO_FUNDING: Record<ClientType, number> = {
  merchant: 0.6,
  agent: 0.75,
  distributor: 0.9,
  sme: 0.6,
  corporate: 0.95,
  biller: 0.9,
  ngo: 0.95,
  public_body: 0.95,
};

/**
 * Services whose amount follows the balance rather than a fixed law: sweeps send most of the balance
 * to the bank, fundings top the balance back up towards the client's working level.
 */
export const SWEEP_SERVICES: ReadonlySet<ServiceCode> = new Set(["WALLET_TO_BANK", "FLOAT_REDEMPTION"]);
export const FUNDING_SERVICES: ReadonlySet<ServiceCode> = new Set(["BANK_TO_WALLET", "FLOAT_PURCHASE"]);

/** Per-attempt probabilities of each outcome other than success and insufficient funds (which the balance decides). */
export const FAILURE_RATES = {
  FAILED_WRONG_PIN: 0.007,
  FAILED_INVALID_RECIPIENT: 0.004,
  FAILED_TECHNICAL: 0.006,
  REVERSED: 0.003,
  PENDING: 0.0005,
  CANCELLED: 0.002,
  /** The operator's rules block some legitimate transactions too. */
  BLOCKED_FRAUD: 0.0004,
} as const;

/** Yearly probabilities of each attribute change of a client (SCD Type 2 events). */
export const CHANGE_RATES = {
  tier_change: 0.12,
  kyc_upgrade: 0.08,
  relocation: 0.04,
  suspension: 0.025,
  closure: 0.02,
  /** Share of suspended clients reactivated later. */
  reactivation_after_suspension: 0.6,
  /** Share of KYC upgrades that come with a tier upgrade the same day. */
  tier_with_kyc: 0.25,
} as const;
