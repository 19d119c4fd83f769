import { addDays, dateToKey, previousPeriod } from "./dates.ts";
import { BadRequestError } from "./errors.ts";
import type { FilterParams } from "./params.ts";
import type { CodedItem, Reference } from "./reference.ts";

/** Days shown when the request gives no `from`: a quarter ending on the last loaded day. */
export const DEFAULT_RANGE_DAYS = 90;

/** Filters checked against the warehouse's own values, with the keys the SQL needs. */
export interface Filters {
  readonly from: string;
  readonly to: string;
  readonly country?: string;
  readonly region?: string;
  readonly service?: CodedItem;
  readonly channel?: CodedItem;
  readonly clientType?: string;
  readonly segment?: string;
  /** The as-of date of the segments the `segment` filter refers to. */
  readonly segmentAsOf?: string;
}

export interface DateRange {
  readonly fromKey: number;
  readonly toKey: number;
}

export function rangeOf(filters: { from: string; to: string }): DateRange {
  return { fromKey: dateToKey(filters.from), toKey: dateToKey(filters.to) };
}

export function previousRangeOf(filters: { from: string; to: string }): DateRange {
  return rangeOf(previousPeriod(filters.from, filters.to));
}

/** Whether the filters need the transaction fact: the daily client summary has no service and only channel counts. */
export function needsTransactions(filters: Filters): boolean {
  return filters.service !== undefined || filters.channel !== undefined;
}

export function resolveFilters(params: FilterParams, reference: Reference): Filters {
  const last = reference.dataRange.last ?? new Date().toISOString().slice(0, 10);
  const to = params.to ?? last;
  const from = params.from ?? addDays(to, 1 - DEFAULT_RANGE_DAYS);
  if (from > to) throw new BadRequestError("from", `${from} is after to=${to}`);
  const filters: {
    -readonly [K in keyof Filters]: Filters[K];
  } = { from, to };
  if (params.country !== undefined) {
    const country = reference.countries.find((c) => c.code === params.country);
    if (!country)
      throw unknown(
        "country",
        params.country,
        reference.countries.map((c) => c.code),
      );
    filters.country = country.code;
  }
  if (params.region !== undefined) {
    const owners = reference.countries.filter((c) => c.regions.some((r) => r.name === params.region));
    if (owners.length === 0) {
      throw new BadRequestError("region", `unknown region ${JSON.stringify(params.region)}`);
    }
    if (filters.country === undefined && owners.length > 1) {
      const codes = owners.map((c) => c.code).join(", ");
      throw new BadRequestError(
        "region",
        `${JSON.stringify(params.region)} exists in ${codes}; give country too`,
      );
    }
    if (filters.country !== undefined && !owners.some((c) => c.code === filters.country)) {
      throw new BadRequestError(
        "region",
        `${JSON.stringify(params.region)} is not a region of country=${filters.country}`,
      );
    }
    filters.country ??= owners[0]?.code;
    filters.region = params.region;
  }
  if (params.service !== undefined) filters.service = coded("service", params.service, reference.services);
  if (params.channel !== undefined) filters.channel = coded("channel", params.channel, reference.channels);
  if (params.clientType !== undefined) {
    if (!reference.clientTypes.includes(params.clientType)) {
      throw unknown("clientType", params.clientType, reference.clientTypes);
    }
    filters.clientType = params.clientType;
  }
  if (params.segment !== undefined) {
    const { asOfDate, names } = reference.segments;
    if (asOfDate === null) {
      throw new BadRequestError("segment", "no segments yet: run `momo segment` first");
    }
    if (!names.includes(params.segment)) throw unknown("segment", params.segment, names);
    filters.segment = params.segment;
    filters.segmentAsOf = asOfDate;
  }
  return filters;
}

function coded(parameter: string, code: string, items: readonly CodedItem[]): CodedItem {
  const item = items.find((i) => i.code === code);
  if (!item)
    throw unknown(
      parameter,
      code,
      items.map((i) => i.code),
    );
  return item;
}

function unknown(parameter: string, value: string, known: readonly string[]): BadRequestError {
  return new BadRequestError(
    parameter,
    `unknown value ${JSON.stringify(value)}; accepts one of: ${known.join(", ")}`,
  );
}

/** The filters as query-string values, the form the API echoes back so pages and links can reuse them. */
export function filtersAsParams(filters: Filters): Record<string, string> {
  const params: Record<string, string> = { from: filters.from, to: filters.to };
  if (filters.country) params.country = filters.country;
  if (filters.region) params.region = filters.region;
  if (filters.service) params.service = filters.service.code;
  if (filters.channel) params.channel = filters.channel.code;
  if (filters.clientType) params.clientType = filters.clientType;
  if (filters.segment) params.segment = filters.segment;
  return params;
}
