import { type ServiceCode, type ServiceRow, serviceFee } from "../reference/services.ts";
import { STATUS_ROWS } from "../reference/statuses.ts";
import {
  FRAUD_TYPES,
  INSTITUTION_OF,
  INSTITUTIONS,
  SERVICES,
  serviceIndex,
  statusNumber,
} from "./catalog.ts";
import { activeDays, type ClientTable, monthFactor, NEVER } from "./clients.ts";
import { DirtyWriter } from "./dirty.ts";
import type { FileSink } from "./file-sink.ts";
import { planFraud } from "./fraud.ts";
import { clientId, deviceRef, hash40, partyRef } from "./ids.ts";
import {
  AMOUNT_PROFILES,
  AUTO_FUNDING,
  CHANNELS,
  CLIENT_PROFILES,
  CLIENT_TYPES,
  type ClientType,
  FAILURE_RATES,
  FUNDING_SERVICES,
  HOLIDAY_FACTOR,
  HOUR_PROFILES,
  type HourProfileName,
  KYC_LIMITS,
  PAYDAY_RETAIL_BOOST,
  PAYDAY_SERVICE_WEIGHT,
  PAYDAY_SERVICES,
  SIZE_AMOUNT_FACTOR,
  SIZE_SCALED_SERVICES,
  SWEEP_SERVICES,
  WEEKDAY_PROFILES,
} from "./profiles.ts";
import { Rng, WeightedTable } from "./rng.ts";
import { FLAG_DRAIN, TxBuffer } from "./tx-buffer.ts";
import { clockTime, dayIso, type Window } from "./window.ts";

export interface ShardInput {
  readonly shard: number;
  readonly shards: number;
  readonly seed: number;
  readonly fraudRate: number;
  readonly dirtyRate: number;
  readonly window: Window;
  readonly table: ClientTable;
  readonly geoCodes: readonly string[];
  /** Index into COUNTRIES of each geography row. */
  readonly geoCountry: Uint8Array;
  readonly geoCurrency: readonly string[];
}

export interface ShardTotals {
  transactions: number;
  fraudByType: Record<string, number>;
  dirtyByKind: Record<string, number>;
}

export const COUNTRIES = ["CI", "SN", "ML", "BF", "CM"] as const;
const DAY = 86_400;
const PROFILE_NAMES = Object.keys(HOUR_PROFILES) as HourProfileName[];
const SUCCESS = statusNumber("SUCCESS");
const INSUFFICIENT = statusNumber("FAILED_INSUFFICIENT_FUNDS");
const LIMIT_EXCEEDED = statusNumber("FAILED_LIMIT_EXCEEDED");
const RESTRICTED = statusNumber("FAILED_ACCOUNT_RESTRICTED");
const FAILURES = Object.entries(FAILURE_RATES).map(([code, p]) => ({ status: statusNumber(code), p }));
const INVALID_RECIPIENT = statusNumber("FAILED_INVALID_RECIPIENT");
const PARTNERS = 5;
const AGENT = CLIENT_TYPES.indexOf("agent");
const DISTRIBUTOR = CLIENT_TYPES.indexOf("distributor");
const FLOAT_PURCHASE = serviceIndex("FLOAT_PURCHASE");
const BANK_TO_WALLET = serviceIndex("BANK_TO_WALLET");

/** One transaction as written: its final amount, fee and status. */
interface SettledRow {
  id: string;
  second: number;
  client: number;
  service: number;
  channel: number;
  amount: number;
  fee: number;
  status: number;
  counterparty: number;
  party: number;
  device: number;
  fraud: number;
}
const HOUR_PROFILE_OF_TYPE = CLIENT_TYPES.map((t) => PROFILE_NAMES.indexOf(CLIENT_PROFILES[t].hours));

/** Generates one shard's transactions month by month: plan, inject fraud, sort, walk balances, write. */
export class ShardGenerator {
  readonly input: ShardInput;
  readonly rng: Rng;
  readonly buffer = new TxBuffer();
  /** Clients of this shard, by client type. */
  readonly byType: Int32Array[];
  readonly balance: Float64Array;
  readonly working: Float64Array;
  /** Agents of each distributor of this shard. */
  readonly agentsOf = new Map<number, number[]>();
  readonly totals: ShardTotals = { transactions: 0, fraudByType: {}, dirtyByKind: {} };
  readonly #serviceTables: WeightedTable[];
  readonly #serviceLists: number[][];
  readonly #hourTables: WeightedTable[];
  readonly #channelTables: WeightedTable[];
  readonly #cashChannels = new WeightedTable([15, 0, 0, 0, 85]);
  readonly #bulkChannels = new WeightedTable([0, 0, 60, 40, 0]);
  #dayTables: WeightedTable[] = [];
  readonly #dayStrings: string[];
  #fraudOwed = 0;
  #monthKey = "";
  #seq = 0;

  constructor(input: ShardInput) {
    this.input = input;
    this.rng = new Rng(input.seed, 100 + input.shard);
    const { table } = input;
    const lists: number[][] = CLIENT_TYPES.map(() => []);
    for (let i = input.shard; i < table.count; i += input.shards) lists[table.type[i] as number]?.push(i);
    this.byType = lists.map((l) => Int32Array.from(l));
    const distributor = CLIENT_TYPES.indexOf("distributor");
    for (let i = 0; i < table.count; i++) {
      const parent = table.parent[i] as number;
      if (parent >= 0 && parent % input.shards === input.shard && table.type[parent] === distributor) {
        const agents = this.agentsOf.get(parent) ?? [];
        agents.push(i);
        this.agentsOf.set(parent, agents);
      }
    }
    this.balance = new Float64Array(table.count);
    this.working = new Float64Array(table.count);
    const init = new Rng(input.seed, 200 + input.shard);
    for (let i = input.shard; i < table.count; i += input.shards) {
      const profile = CLIENT_PROFILES[CLIENT_TYPES[table.type[i] as number] as (typeof CLIENT_TYPES)[number]];
      const working =
        profile.workingBalance * (SIZE_AMOUNT_FACTOR[table.size[i] as number] ?? 1) * init.logNormal(1, 0.5);
      this.working[i] = working;
      this.balance[i] = Math.round(working * (0.5 + init.next()));
    }
    this.#serviceLists = CLIENT_TYPES.map((t) =>
      Object.keys(CLIENT_PROFILES[t].services).map((code) => serviceIndex(code as never)),
    );
    this.#serviceTables = CLIENT_TYPES.map(
      (t) => new WeightedTable(Object.values(CLIENT_PROFILES[t].services) as number[]),
    );
    this.#hourTables = PROFILE_NAMES.map((p) => new WeightedTable(HOUR_PROFILES[p]));
    this.#channelTables = CLIENT_TYPES.map((t) => new WeightedTable(CLIENT_PROFILES[t].channels));
    this.#dayStrings = Array.from({ length: input.window.days }, (_, d) => dayIso(input.window, d));
  }

  clientId(i: number): string {
    return clientId(i, this.input.seed);
  }

  /** Generates month `m` into `sink`, dirty rows included. */
  generateMonth(m: number, sink: FileSink): void {
    this.buffer.clear();
    this.#buildDayTables(m);
    const expected = this.#planLegitimate(m);
    // Fraud owed carries over months, so small shards still meet the rate over the window.
    this.#fraudOwed += (expected * this.input.fraudRate) / (1 - this.input.fraudRate);
    this.#fraudOwed -= planFraud(this, m, this.#fraudOwed);
    this.#walkAndWrite(m, sink);
  }

  /** Whether client `i` can transact on window day `day`. */
  isActive(i: number, day: number): boolean {
    const { table } = this.input;
    return (
      day > (table.regDay[i] as number) &&
      day < (table.closeDay[i] as number) &&
      !(day >= (table.suspendFrom[i] as number) && day < (table.suspendTo[i] as number))
    );
  }

  hourProfileOf(i: number): number {
    return HOUR_PROFILE_OF_TYPE[this.input.table.type[i] as number] as number;
  }

  /** A day of month `m` drawn from the client's weekday and holiday profile; -1 if none is active. */
  drawDay(m: number, i: number, payday: boolean): number {
    const month = this.input.window.months[m] as { firstDay: number };
    const country = this.input.geoCountry[this.input.table.geo[i] as number] as number;
    const table = this.#dayTables[
      ((payday ? 1 : 0) * COUNTRIES.length + country) * PROFILE_NAMES.length + this.hourProfileOf(i)
    ] as WeightedTable;
    for (let attempt = 0; attempt < 6; attempt++) {
      const day = month.firstDay + table.draw(this.rng);
      if (this.isActive(i, day)) return day;
    }
    return -1;
  }

  drawHour(i: number): number {
    return (this.#hourTables[this.hourProfileOf(i)] as WeightedTable).draw(this.rng);
  }

  channelFor(i: number, service: number): number {
    const category = SERVICES[service]?.category;
    const table =
      category === "cash"
        ? this.#cashChannels
        : category === "disbursement"
          ? this.#bulkChannels
          : (this.#channelTables[this.input.table.type[i] as number] as WeightedTable);
    return table.draw(this.rng);
  }

  usualDevice(i: number): number {
    return hash40(i, 7_000_000 + this.rng.int(1 + (i % 3)), this.input.seed);
  }

  /** A planned amount for the service, by size band, rounded the way people round. */
  plannedAmount(i: number, service: number): number {
    const code = SERVICES[service]?.service_code as ServiceCode;
    const { median, sigma } = AMOUNT_PROFILES[code];
    const scale = SIZE_SCALED_SERVICES.has(code)
      ? (SIZE_AMOUNT_FACTOR[this.input.table.size[i] as number] ?? 1)
      : 1;
    const raw = this.rng.logNormal(median, sigma) * scale;
    return Math.min(roundAmount(raw, this.rng), Number(SERVICES[service]?.max_amount));
  }

  kycLimit(i: number, day: number): number {
    const { table } = this.input;
    const level = (table.kyc[i] as number) + (day >= (table.kycUpDay[i] as number) ? 1 : 0);
    return KYC_LIMITS[Math.min(level, 3) - 1] as number;
  }

  #buildDayTables(m: number): void {
    const { window } = this.input;
    const month = window.months[m] as { firstDay: number; days: number };
    const tables: WeightedTable[] = [];
    for (const payday of [false, true]) {
      for (const country of COUNTRIES) {
        for (const profile of PROFILE_NAMES) {
          const weights = new Float64Array(month.days);
          for (let d = 0; d < month.days; d++) {
            const day = month.firstDay + d;
            const weekday = (new Date(window.startMs + day * DAY * 1000).getUTCDay() + 6) % 7;
            const inPayday = d >= month.days - 3 || d < 2;
            let w = WEEKDAY_PROFILES[profile][weekday] as number;
            if (window.holidays[country][day]) w *= HOLIDAY_FACTOR[profile];
            if (payday) w *= inPayday ? PAYDAY_SERVICE_WEIGHT : 1;
            else if (profile === "retail" && inPayday) w *= PAYDAY_RETAIL_BOOST;
            weights[d] = w;
          }
          tables.push(new WeightedTable(weights));
        }
      }
    }
    this.#dayTables = tables;
  }

  /** Plans the legitimate transactions of month `m`; returns how many were expected. */
  #planLegitimate(m: number): number {
    const { table, window, shard, shards } = this.input;
    const month = window.months[m] as { firstDay: number; days: number };
    const factor = monthFactor(window, m);
    const end = month.firstDay + month.days;
    let expected = 0;
    for (let i = shard; i < table.count; i += shards) {
      const days = activeDays(table, i, month.firstDay, end);
      const suspended = Math.max(
        0,
        Math.min(end, table.suspendTo[i] as number, table.closeDay[i] as number) -
          Math.max(month.firstDay, table.suspendFrom[i] as number),
      );
      if (days === 0 && suspended === 0) continue;
      const lambda = (table.rate[i] as number) * days * factor;
      expected += lambda;
      const count = this.rng.poisson(lambda);
      const type = table.type[i] as number;
      const services = this.#serviceLists[type] as number[];
      const serviceTable = this.#serviceTables[type] as WeightedTable;
      for (let k = 0; k < count; k++) {
        const service = services[serviceTable.draw(this.rng)] as number;
        const code = SERVICES[service]?.service_code as never;
        const day = this.drawDay(m, i, PAYDAY_SERVICES.has(code));
        if (day < 0) continue;
        this.#planOne(i, service, day * DAY + this.drawHour(i) * 3600 + this.rng.int(3600));
      }
      // Suspended clients keep trying now and then; the platform refuses.
      if (suspended > 0 && table.suspendFrom[i] !== NEVER) {
        const attempts = this.rng.poisson(0.1 * (table.rate[i] as number) * suspended);
        for (let k = 0; k < attempts; k++) {
          const day = Math.max(month.firstDay, table.suspendFrom[i] as number) + this.rng.int(suspended);
          const service = services[serviceTable.draw(this.rng)] as number;
          this.#planOne(i, service, day * DAY + this.drawHour(i) * 3600 + this.rng.int(3600), RESTRICTED);
        }
      }
    }
    return expected;
  }

  #planOne(i: number, service: number, second: number, forced = 0): void {
    const day = Math.floor(second / DAY);
    let amount = this.plannedAmount(i, service);
    let status = forced;
    const limit = this.kycLimit(i, day);
    if (amount > limit && status === 0) {
      if (this.rng.chance(0.85)) amount = roundAmount(limit * (0.6 + 0.4 * this.rng.next()), this.rng, limit);
      else status = LIMIT_EXCEEDED;
    }
    const [counterparty, party] = this.counterpartyOf(i, service);
    this.buffer.push(
      second,
      i,
      service,
      this.channelFor(i, service),
      amount,
      counterparty,
      party,
      this.usualDevice(i),
      0,
      status,
    );
  }

  /** [counterparty client or -1, external party code or 0] of a legitimate transaction. */
  counterpartyOf(i: number, service: number): [number, number] {
    const row = SERVICES[service];
    const code = row?.service_code as string;
    const { table, seed } = this.input;
    if (code === "FLOAT_TRANSFER") {
      const agents = this.agentsOf.get(i);
      if (agents?.length) return [agents[this.rng.int(agents.length)] as number, 0];
    }
    if (row?.has_client_counterparty) {
      let partner = this.rng.chance(0.85)
        ? hash40(i, this.rng.int(PARTNERS), seed) % table.count
        : this.rng.int(table.count);
      if (partner === i) partner = (partner + 1) % table.count;
      return [partner, 0];
    }
    const institution = INSTITUTION_OF[code as keyof typeof INSTITUTION_OF];
    // Merchants and agents also resell airtime straight to their customers' numbers.
    if (institution !== undefined && !(code === "AIRTIME_WHOLESALE" && this.rng.chance(AIRTIME_TO_PERSON))) {
      return [-1, institution];
    }
    const base = PARTY_BASES[code] ?? 500;
    const size = (table.size[i] as number) + 1;
    return [-1, hash40(i, (PARTY_OFFSETS[code] ?? 9e6) + this.rng.int(base * size), seed)];
  }

  /** Walks the month in time order: settles each row against the balance, then writes it. */
  #walkAndWrite(m: number, sink: FileSink): void {
    const { buffer, balance, rng } = this;
    const order = buffer.order();
    const dirty = new DirtyWriter(rng, this.input.dirtyRate, this.totals.dirtyByKind);
    const row: SettledRow = {
      id: "",
      second: 0,
      client: 0,
      service: 0,
      channel: 0,
      amount: 0,
      fee: 0,
      status: 0,
      counterparty: -1,
      party: 0,
      device: 0,
      fraud: 0,
    };
    this.#monthKey = (this.input.window.months[m] as { key: string }).key.replace("-", "").slice(2);
    this.#seq = 0;
    for (let o = 0; o < order.length; o++) {
      const r = order[o] as number;
      const i = buffer.client[r] as number;
      const service = SERVICES[buffer.service[r] as number] as ServiceRow;
      const fraud = buffer.fraud[r] as number;
      const before = balance[i] as number;
      let amount = buffer.amount[r] as number;
      let status = buffer.forcedStatus[r] as number;
      const debit = service.balance_effect === "debit";
      if (status === 0) {
        if (debit && ((buffer.flags[r] as number) & FLAG_DRAIN) !== 0 && before > 5_000) {
          amount = roundAmount(
            before * (0.35 + 0.5 * rng.next()),
            rng,
            Math.min(before, Number(service.max_amount)),
          );
        } else if (!fraud && SWEEP_SERVICES.has(service.service_code as ServiceCode) && before > 20_000) {
          const cap = Math.min(before, this.#ceiling(i, service, buffer.second[r] as number));
          amount = roundAmount(before * (0.5 + 0.4 * rng.next()), rng, cap);
        } else if (!fraud && FUNDING_SERVICES.has(service.service_code as ServiceCode)) {
          const topUp = Math.max(amount * 0.3, (this.working[i] as number) * (1 + rng.next()) - before);
          amount = roundAmount(topUp, rng, this.#ceiling(i, service, buffer.second[r] as number));
        }
        status = this.#randomOutcome(buffer.counterparty[r] as number);
      }
      const fee = service.fee_payer === "none" ? 0 : serviceFee(service, amount);
      const need = amount + (service.fee_payer === "client" ? fee : 0);
      if (status === SUCCESS && debit && (balance[i] as number) < need) {
        const type = CLIENT_TYPES[this.input.table.type[i] as number] as ClientType;
        if (!fraud && rng.chance(AUTO_FUNDING[type]))
          this.#autoFund(i, buffer.second[r] as number, need, row, sink);
        if ((balance[i] as number) < need) status = INSUFFICIENT;
      }
      row.id = this.#nextId();
      row.second = buffer.second[r] as number;
      row.client = i;
      row.service = buffer.service[r] as number;
      row.channel = buffer.channel[r] as number;
      row.amount = amount;
      row.fee = fee;
      row.status = status;
      row.counterparty = buffer.counterparty[r] as number;
      row.party = buffer.party[r] as number;
      if (row.counterparty >= 0 && (this.input.table.regDay[row.counterparty] as number) > row.second / DAY) {
        // Not a client yet on that day: the same business is paid as an outside party.
        row.party = hash40(row.counterparty, 7, this.input.seed) + 1;
        row.counterparty = -1;
      }
      row.device = buffer.device[r] as number;
      row.fraud = fraud;
      const line = this.#settleAndFormat(row);
      sink.row(line);
      if (fraud) {
        const type = FRAUD_TYPES[fraud - 1] as string;
        this.totals.fraudByType[type] = (this.totals.fraudByType[type] ?? 0) + 1;
      } else {
        dirty.maybeCorrupt(line, row.id, sink);
      }
    }
  }

  /** Writes a top-up from the linked bank account (a float purchase for agents and distributors) just before a debit. */
  #autoFund(i: number, second: number, need: number, row: SettledRow, sink: FileSink): void {
    const type = this.input.table.type[i] as number;
    const float = type === AGENT || type === DISTRIBUTOR;
    const service = float ? FLOAT_PURCHASE : BANK_TO_WALLET;
    const max = this.#ceiling(i, SERVICES[service] as ServiceRow, second);
    const amount = Math.min(
      max,
      roundAmount(
        need - (this.balance[i] as number) + (this.working[i] as number) * (0.5 + this.rng.next()),
        this.rng,
      ),
    );
    row.id = this.#nextId();
    row.second = second;
    row.client = i;
    row.service = service;
    row.channel = this.channelFor(i, service);
    row.amount = amount;
    row.fee = 0;
    row.status = SUCCESS;
    row.counterparty = -1;
    row.party = INSTITUTION_OF.BANK_TO_WALLET as number;
    row.device = this.usualDevice(i);
    row.fraud = 0;
    sink.row(this.#settleAndFormat(row));
  }

  /** The largest amount client `i` may move with `service` at `second`: the service's and the KYC ceiling. */
  #ceiling(i: number, service: ServiceRow, second: number): number {
    return Math.min(Number(service.max_amount), this.kycLimit(i, Math.floor(second / DAY)));
  }

  #nextId(): string {
    return `T${this.#monthKey}${this.input.shard}${(++this.#seq).toString(36).toUpperCase().padStart(6, "0")}`;
  }

  /** Applies a row to the balances (when it succeeded) and formats its CSV line. */
  #settleAndFormat(row: SettledRow): string {
    const { table, shard, shards, geoCodes, geoCurrency } = this.input;
    const service = SERVICES[row.service] as ServiceRow;
    const i = row.client;
    if (row.status === SUCCESS) {
      const clientFee = service.fee_payer === "client" ? row.fee : 0;
      const delta = service.balance_effect === "debit" ? -row.amount : row.amount;
      this.balance[i] = (this.balance[i] as number) + delta - clientFee;
      if (row.counterparty >= 0 && row.counterparty % shards === shard) {
        this.balance[row.counterparty] = (this.balance[row.counterparty] as number) + row.amount;
      }
    }
    this.totals.transactions++;
    const day = Math.floor(row.second / DAY);
    const geo =
      day >= (table.relocDay[i] as number) ? (table.relocGeo[i] as number) : (table.geo[i] as number);
    const party =
      row.party > 0
        ? partyRef(row.party)
        : row.party < 0
          ? institutionRef(row.party, geoCodes[geo] as string)
          : "";
    return (
      `${row.id},${this.#dayStrings[day]} ${clockTime(Math.floor(row.second) % DAY)},${this.clientId(i)},` +
      `${row.counterparty >= 0 ? this.clientId(row.counterparty) : ""},${party},${service.service_code},` +
      `${CHANNELS[row.channel]},${STATUS_ROWS[row.status - 1]?.status_code},${row.amount},${row.fee},${geoCurrency[geo]},` +
      `${this.balance[i]},${deviceRef(row.device)},${geoCodes[geo]},${row.fraud ? 1 : 0},${row.fraud ? FRAUD_TYPES[row.fraud - 1] : ""}\n`
    );
  }

  #randomOutcome(counterparty: number): number {
    let u = this.rng.next();
    for (const { status, p } of FAILURES) {
      if (status === INVALID_RECIPIENT && counterparty < 0) continue;
      if (u < p) return status;
      u -= p;
    }
    return SUCCESS;
  }
}

/** How many distinct external parties a client of size 1 deals with per service (customers, employees, …). */
const PARTY_BASES: Record<string, number> = {
  MERCHANT_PAYMENT: 60,
  ONLINE_PAYMENT: 200,
  MERCHANT_REFUND: 60,
  BILL_PAYMENT: 5_000,
  BULK_SALARY: 15,
  SOCIAL_CASH_TRANSFER: 2_000,
  AGENT_CASH_IN: 250,
  AGENT_CASH_OUT: 250,
  INTL_REMITTANCE_IN: 8,
  INTL_REMITTANCE_OUT: 8,
  AIRTIME_WHOLESALE: 150,
};
const AIRTIME_TO_PERSON = 0.3;
/** Keeps each service's parties apart, and merchant refunds going back to the merchant's own customers. */
const PARTY_OFFSETS: Record<string, number> = {
  MERCHANT_PAYMENT: 1e6,
  MERCHANT_REFUND: 1e6,
  ONLINE_PAYMENT: 2e6,
  BILL_PAYMENT: 3e6,
  BULK_SALARY: 4e6,
  SOCIAL_CASH_TRANSFER: 5e6,
  AGENT_CASH_IN: 6e6,
  AGENT_CASH_OUT: 6e6,
  INTL_REMITTANCE_IN: 8e6,
  INTL_REMITTANCE_OUT: 8e6,
  AIRTIME_WHOLESALE: 9e6,
};

function institutionRef(code: number, geoCode: string): string {
  return `${INSTITUTIONS[-code - 1]}-${geoCode.slice(0, 2)}`;
}

/**
 * Amounts as people type them: from 10,000 up, 35 % rounded to the thousand; from 2,000 up, 30 % of
 * the rest to the five hundred; everything else to the 5 francs of the smallest coin. Never below
 * 100 nor above `cap`.
 */
export function roundAmount(raw: number, rng: Rng, cap = Number.POSITIVE_INFINITY): number {
  let a: number;
  if (raw >= 10_000 && rng.chance(0.35)) a = Math.round(raw / 1000) * 1000;
  else if (raw >= 2_000 && rng.chance(0.3)) a = Math.round(raw / 500) * 500;
  else a = Math.round(raw / 5) * 5;
  return Math.max(100, Math.min(a, Math.floor(cap / 5) * 5));
}
