export type CountryCode = "CI" | "SN" | "ML" | "BF" | "CM";

export interface Market {
  code: CountryCode;
  nameFr: string;
  nameEn: string;
  currency: "XOF" | "XAF";
  capital: string;
  /** MM-DD */
  independenceDay: string;
  bbox: { minLat: number; maxLat: number; minLon: number; maxLon: number };
}

export const MARKETS: readonly Market[] = [
  {
    code: "CI",
    nameFr: "Côte d'Ivoire",
    nameEn: "Côte d'Ivoire",
    currency: "XOF",
    capital: "Yamoussoukro",
    independenceDay: "08-07",
    bbox: { minLat: 4.3, maxLat: 10.8, minLon: -8.7, maxLon: -2.4 },
  },
  {
    code: "SN",
    nameFr: "Sénégal",
    nameEn: "Senegal",
    currency: "XOF",
    capital: "Dakar",
    independenceDay: "04-04",
    bbox: { minLat: 12.2, maxLat: 16.8, minLon: -17.6, maxLon: -11.3 },
  },
  {
    code: "ML",
    nameFr: "Mali",
    nameEn: "Mali",
    currency: "XOF",
    capital: "Bamako",
    independenceDay: "09-22",
    bbox: { minLat: 10.1, maxLat: 25.1, minLon: -12.3, maxLon: 4.3 },
  },
  {
    code: "BF",
    nameFr: "Burkina Faso",
    nameEn: "Burkina Faso",
    currency: "XOF",
    capital: "Ouagadougou",
    independenceDay: "08-05",
    bbox: { minLat: 9.3, maxLat: 15.1, minLon: -5.6, maxLon: 2.5 },
  },
  {
    code: "CM",
    nameFr: "Cameroun",
    nameEn: "Cameroon",
    currency: "XAF",
    capital: "Yaoundé",
    independenceDay: "01-01",
    bbox: { minLat: 1.6, maxLat: 13.1, minLon: 8.4, maxLon: 16.2 },
  },
];
