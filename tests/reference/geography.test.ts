import { describe, expect, it } from "vitest";
import { loadGeography, parseCsv, parseGeographyCsv } from "../../src/reference/geography.ts";
import { type CountryCode, MARKETS } from "../../src/reference/markets.ts";

const HEADER =
  "geo_code,country_code,country_name,region_name,department_name,locality_name,locality_type,latitude,longitude,population";
const GOOD_ROW = "CI-ABOBO,CI,Côte d'Ivoire,Abidjan,Abidjan,Abobo,commune,5.4180,-4.0200,1340000";

describe("geography.csv", () => {
  const rows = loadGeography();

  it("has between 450 and 560 localities", () => {
    expect(rows.length).toBeGreaterThanOrEqual(450);
    expect(rows.length).toBeLessThanOrEqual(560);
  });

  it("has unique, well-formed geo codes prefixed by their country", () => {
    const codes = rows.map((r) => r.geoCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const row of rows) {
      expect(row.geoCode).toMatch(/^(CI|SN|ML|BF|CM)-[A-Z0-9-]+$/);
      expect(row.geoCode.startsWith(`${row.countryCode}-`)).toBe(true);
    }
  });

  it("places every locality inside its market's bounding box", () => {
    for (const row of rows) {
      const market = MARKETS.find((m) => m.code === row.countryCode);
      if (!market) throw new Error(`no market for ${row.geoCode}`);
      const { minLat, maxLat, minLon, maxLon } = market.bbox;
      expect(row.latitude, row.geoCode).toBeGreaterThanOrEqual(minLat);
      expect(row.latitude, row.geoCode).toBeLessThanOrEqual(maxLat);
      expect(row.longitude, row.geoCode).toBeGreaterThanOrEqual(minLon);
      expect(row.longitude, row.geoCode).toBeLessThanOrEqual(maxLon);
    }
  });

  it("covers every region of every market", () => {
    const expected: Record<CountryCode, number> = { CI: 33, SN: 14, ML: 11, BF: 13, CM: 10 };
    for (const market of MARKETS) {
      const regions = new Set(rows.filter((r) => r.countryCode === market.code).map((r) => r.regionName));
      expect(regions.size, market.code).toBe(expected[market.code]);
    }
    const ciRegions = new Set(rows.filter((r) => r.countryCode === "CI").map((r) => r.regionName));
    expect(ciRegions).toContain("Abidjan");
    expect(ciRegions).toContain("Yamoussoukro");
  });

  it("gives every region exactly one seat: a regional capital, or else a capital", () => {
    const regions = new Set(rows.map((r) => `${r.countryCode}/${r.regionName}`));
    for (const region of regions) {
      const inRegion = rows.filter((r) => `${r.countryCode}/${r.regionName}` === region);
      const regional = inRegion.filter((r) => r.localityType === "regional_capital").length;
      const capitals = inRegion.filter((r) => r.localityType === "capital").length;
      expect(capitals > 0 ? regional : regional - 1, region).toBe(0);
    }
  });

  it("marks exactly the seven capitals as capital", () => {
    const capitals = rows
      .filter((r) => r.localityType === "capital")
      .map((r) => r.geoCode)
      .sort();
    expect(capitals).toEqual(
      [
        "BF-OUAGADOUGOU",
        "CI-ABIDJAN",
        "CI-YAMOUSSOUKRO",
        "CM-DOUALA",
        "CM-YAOUNDE",
        "ML-BAMAKO",
        "SN-DAKAR",
      ].sort(),
    );
  });

  it("has positive integer populations, the capitals being the largest of their country", () => {
    for (const row of rows) {
      expect(Number.isInteger(row.population) && row.population > 0, row.geoCode).toBe(true);
    }
    for (const code of ["CI-ABIDJAN", "SN-DAKAR", "ML-BAMAKO", "BF-OUAGADOUGOU"]) {
      const capital = rows.find((r) => r.geoCode === code);
      const country = rows.filter((r) => r.countryCode === capital?.countryCode);
      expect(Math.max(...country.map((r) => r.population)), code).toBe(capital?.population);
    }
  });

  it("keeps the accents and the currency of each market", () => {
    const byCode = new Map(rows.map((r) => [r.geoCode, r]));
    expect(byCode.get("CM-NGAOUNDERE")?.localityName).toBe("Ngaoundéré");
    expect(byCode.get("CI-ABIDJAN")?.countryName).toBe("Côte d'Ivoire");
    expect(byCode.get("CM-DOUALA")?.currency).toBe("XAF");
    expect(byCode.get("SN-SAINT-LOUIS")?.currency).toBe("XOF");
  });
});

describe("parseGeographyCsv", () => {
  const parse = (...lines: string[]) => parseGeographyCsv(`${[HEADER, ...lines].join("\n")}\n`, "test.csv");

  it("parses a valid row", () => {
    expect(parse(GOOD_ROW)).toEqual([
      {
        geoCode: "CI-ABOBO",
        countryCode: "CI",
        countryName: "Côte d'Ivoire",
        regionName: "Abidjan",
        departmentName: "Abidjan",
        localityName: "Abobo",
        localityType: "commune",
        latitude: 5.418,
        longitude: -4.02,
        population: 1340000,
        currency: "XOF",
      },
    ]);
  });

  it("names the line and the field of a bad value", () => {
    expect(() =>
      parse(GOOD_ROW, GOOD_ROW.replace("CI-ABOBO", "CI-ABOBO-2").replace("5.4180", "45.1")),
    ).toThrow(/test\.csv:3: field latitude/);
    expect(() => parse(GOOD_ROW.replace("commune", "village"))).toThrow(/test\.csv:2: field locality_type/);
    expect(() => parse(GOOD_ROW.replace("1340000", "-5"))).toThrow(/test\.csv:2: field population/);
    expect(() => parse(GOOD_ROW, GOOD_ROW)).toThrow(/test\.csv:3: field geo_code: duplicate/);
    expect(() => parse(GOOD_ROW.replace("CI-ABOBO", "SN-ABOBO"))).toThrow(/test\.csv:2: field geo_code/);
    expect(() => parse(GOOD_ROW.replace(",CI,", ",XX,"))).toThrow(/test\.csv:2: field country_code/);
    expect(() => parse(GOOD_ROW.replace(",Abobo,", ",,"))).toThrow(/test\.csv:2: field locality_name/);
    expect(() => parse("CI-X,CI")).toThrow(/test\.csv:2: expected 10 fields, got 2/);
  });

  it("rejects a wrong header", () => {
    expect(() => parseGeographyCsv(`${HEADER.replace("population", "pop")}\n`, "h.csv")).toThrow(
      /h\.csv:1: header/,
    );
  });
});

describe("parseCsv", () => {
  it("handles quoted fields, escaped quotes, commas, newlines and CRLF", () => {
    const records = parseCsv('a,"b, c","say ""hi"""\r\n"multi\nline",x,\ny,z,w', "t.csv");
    expect(records).toEqual([
      { line: 1, fields: ["a", "b, c", 'say "hi"'] },
      { line: 2, fields: ["multi\nline", "x", ""] },
      { line: 4, fields: ["y", "z", "w"] },
    ]);
  });

  it("rejects malformed quoting", () => {
    expect(() => parseCsv('a,"open\n', "t.csv")).toThrow(/t\.csv:1: unterminated/);
    expect(() => parseCsv('a,"b"c\n', "t.csv")).toThrow(/t\.csv:1: text after a closing quote/);
    expect(() => parseCsv('a,b"c\n', "t.csv")).toThrow(/t\.csv:1: quote inside/);
  });
});
