/** One row of dwh.dim_channel. */
export interface ChannelRow {
  channel_key: number;
  channel_code: "USSD" | "APP" | "WEB" | "API" | "AGENT_POS";
  channel_name_fr: string;
  channel_name_en: string;
  channel_type: "self_service" | "assisted" | "integration";
  is_internet_based: boolean;
  requires_smartphone: boolean;
}

export const CHANNEL_ROWS: readonly ChannelRow[] = [
  {
    channel_key: 1,
    channel_code: "USSD",
    channel_name_fr: "USSD (*144#)",
    channel_name_en: "USSD (*144#)",
    channel_type: "self_service",
    is_internet_based: false,
    requires_smartphone: false,
  },
  {
    channel_key: 2,
    channel_code: "APP",
    channel_name_fr: "Application mobile",
    channel_name_en: "Mobile app",
    channel_type: "self_service",
    is_internet_based: true,
    requires_smartphone: true,
  },
  {
    channel_key: 3,
    channel_code: "WEB",
    channel_name_fr: "Portail web entreprises",
    channel_name_en: "Business web portal",
    channel_type: "self_service",
    is_internet_based: true,
    requires_smartphone: false,
  },
  {
    channel_key: 4,
    channel_code: "API",
    channel_name_fr: "API (intégration système)",
    channel_name_en: "API (system integration)",
    channel_type: "integration",
    is_internet_based: true,
    requires_smartphone: false,
  },
  {
    channel_key: 5,
    channel_code: "AGENT_POS",
    channel_name_fr: "Agent / terminal de paiement",
    channel_name_en: "Agent / point of sale",
    channel_type: "assisted",
    is_internet_based: false,
    requires_smartphone: false,
  },
];
