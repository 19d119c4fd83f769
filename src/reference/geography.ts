import { readFileSync } from "node:fs";
import { type CountryCode, MARKETS, type Market } from "./markets.ts";

export type LocalityType = "capital" | "regional_capital" | "department_seat" | "commune" | "town";

/**
 * One locality of `dwh.dim_geography`. For the big cities, rows of type `commune` are parts of the
 * `capital` row of the same department: their populations overlap with the city's.
 */
export interface GeographyRow {
  geoCode: string;
  countryCode: CountryCode;
  countryName: string;
  regionName: string;
  departmentName: string;
  localityName: string;
  localityType: LocalityType;
  latitude: number;
  longitude: number;
  population: number;
  currency: "XOF" | "XAF";
}

const HEADER = [
  "geo_code",
  "country_code",
  "country_name",
  "region_name",
  "department_name",
  "locality_name",
  "locality_type",
  "latitude",
  "longitude",
  "population",
] as const;

const LOCALITY_TYPES: readonly string[] = [
  "capital",
  "regional_capital",
  "department_seat",
  "commune",
  "town",
];

interface CsvRecord {
  line: number;
  fields: string[];
}

/** RFC 4180: comma-separated, optional double quotes, "" inside quotes, CRLF or LF line ends. */
export function parseCsv(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let state: "unquoted" | "quoted" | "closed" = "unquoted";
  let line = 1;
  let recordLine = 1;
  const endField = () => {
    fields.push(field);
    field = "";
    state = "unquoted";
  };
  for (let i = text.startsWith("\uFEFF") ? 1 : 0; i < text.length; i++) {
    const c = text[i] as string;
    if (state === "quoted") {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        state = "closed";
      } else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === ",") {
      endField();
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endField();
      records.push({ line: recordLine, fields });
      fields = [];
      recordLine = ++line;
    } else if (state === "closed") {
      throw new Error(`${source}:${line}: text after a closing quote`);
    } else if (c === '"') {
      if (field !== "") throw new Error(`${source}:${line}: quote inside an unquoted field`);
      state = "quoted";
    } else {
      field += c;
    }
  }
  if (state === "quoted") throw new Error(`${source}:${recordLine}: unterminated quoted field`);
  if (field !== "" || fields.length > 0 || state === "closed") {
    endField();
    records.push({ line: recordLine, fields });
  }
  return records;
}

export function parseGeographyCsv(text: string, source: string): GeographyRow[] {
  const [header, ...records] = parseCsv(text, source);
  if (!header || header.fields.join(",") !== HEADER.join(",")) {
    throw new Error(`${source}:1: header must be ${HEADER.join(",")}`);
  }
  const seen = new Set<string>();
  return records.map(({ line, fields }) => {
    const fail = (field: string, problem: string): never => {
      throw new Error(`${source}:${line}: field ${field}: ${problem}`);
    };
    if (fields.length !== HEADER.length) {
      throw new Error(`${source}:${line}: expected ${HEADER.length} fields, got ${fields.length}`);
    }
    const value = (index: number): string => {
      const name = HEADER[index] as string;
      const v = fields[index] as string;
      if (v === "") fail(name, "is empty");
      if (v.trim() !== v) fail(name, `has leading or trailing spaces: "${v}"`);
      return v;
    };
    const countryCode = value(1);
    const market: Market =
      MARKETS.find((m) => m.code === countryCode) ?? fail("country_code", `unknown market "${countryCode}"`);
    const geoCode = value(0);
    if (
      !/^(CI|SN|ML|BF|CM)-[A-Z0-9]+(-[A-Z0-9]+)*$/.test(geoCode) ||
      !geoCode.startsWith(`${market.code}-`)
    ) {
      fail("geo_code", `"${geoCode}" is not ${market.code}-<UPPERCASE-SLUG>`);
    }
    if (seen.has(geoCode)) fail("geo_code", `duplicate "${geoCode}"`);
    seen.add(geoCode);
    const countryName = value(2);
    if (countryName !== market.nameFr) fail("country_name", `"${countryName}" should be "${market.nameFr}"`);
    const localityType = value(6);
    if (!LOCALITY_TYPES.includes(localityType)) fail("locality_type", `unknown type "${localityType}"`);
    const coordinate = (index: number, min: number, max: number): number => {
      const raw = value(index);
      const n = Number(raw);
      if (!/^-?\d+(\.\d+)?$/.test(raw) || n < min || n > max) {
        fail(
          HEADER[index] as string,
          `"${raw}" is not a number in ${min}..${max} (${market.code} bounding box)`,
        );
      }
      return n;
    };
    const { minLat, maxLat, minLon, maxLon } = market.bbox;
    const latitude = coordinate(7, minLat, maxLat);
    const longitude = coordinate(8, minLon, maxLon);
    const rawPopulation = value(9);
    if (!/^[1-9]\d*$/.test(rawPopulation)) fail("population", `"${rawPopulation}" is not a positive integer`);
    return {
      geoCode,
      countryCode: market.code,
      countryName,
      regionName: value(3),
      departmentName: value(4),
      localityName: value(5),
      localityType: localityType as LocalityType,
      latitude,
      longitude,
      population: Number(rawPopulation),
      currency: market.currency,
    };
  });
}

let cache: GeographyRow[] | undefined;

export function loadGeography(): GeographyRow[] {
  if (!cache) {
    const url = new URL("./data/geography.csv", import.meta.url);
    cache = parseGeographyCsv(readFileSync(url, "utf8"), url.pathname);
  }
  return cache;
}
