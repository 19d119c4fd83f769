import {
  FRAUD_TYPES,
  type FraudType,
  INSTITUTION_OF,
  SERVICES,
  serviceIndex,
  statusNumber,
} from "./catalog.ts";
import { CLIENT_TYPES, type ClientType } from "./profiles.ts";
import { WeightedTable } from "./rng.ts";
import { roundAmount, type ShardGenerator } from "./shard.ts";
import { FLAG_DRAIN, type TxBuffer } from "./tx-buffer.ts";

/**
 * Fraud typologies: each scenario plans a short sequence of labelled transactions around one client,
 * with the behavioural signature described in docs/data_generation.md. Nothing in a row says
 * "fraud" except the label columns; the status of a fraudulent row is decided like any other.
 */

/** Amounts at or above this must be reported; structuring stays just below it. */
export const REPORTING_THRESHOLD = 1_000_000;

/** Target share of fraudulent rows per typology. */
export const FRAUD_MIX: Record<FraudType, number> = {
  account_takeover: 0.18,
  agent_float_abuse: 0.14,
  fake_merchant: 0.14,
  structuring: 0.12,
  mule_account: 0.16,
  velocity_burst: 0.14,
  round_tripping: 0.12,
};
/** Mean rows of one scenario of each typology, to turn row shares into scenario odds. */
const MEAN_ROWS: Record<FraudType, number> = {
  account_takeover: 5.5,
  agent_float_abuse: 10,
  fake_merchant: 9.5,
  structuring: 8,
  mule_account: 11.5,
  velocity_burst: 20,
  round_tripping: 4.5,
};

const DAY = 86_400;
const WRONG_PIN = statusNumber("FAILED_WRONG_PIN");
const REVERSED = statusNumber("REVERSED");
const APP = 1;
const USSD = 0;
const API = 3;
const AGENT_POS = 4;
const S = {
  B2B_TRANSFER: serviceIndex("B2B_TRANSFER"),
  WALLET_TO_BANK: serviceIndex("WALLET_TO_BANK"),
  INTL_REMITTANCE_OUT: serviceIndex("INTL_REMITTANCE_OUT"),
  INTL_REMITTANCE_IN: serviceIndex("INTL_REMITTANCE_IN"),
  AGENT_CASH_IN: serviceIndex("AGENT_CASH_IN"),
  MERCHANT_PAYMENT: serviceIndex("MERCHANT_PAYMENT"),
  MERCHANT_REFUND: serviceIndex("MERCHANT_REFUND"),
  AIRTIME_WHOLESALE: serviceIndex("AIRTIME_WHOLESALE"),
};
const REMITTANCE_CEILING = Number(SERVICES[S.INTL_REMITTANCE_IN]?.max_amount);
const ODDS = new WeightedTable(FRAUD_TYPES.map((t) => FRAUD_MIX[t] / MEAN_ROWS[t]));

/** Plans fraud scenarios into the month while fewer than `target` fraudulent rows are planned; returns the rows. */
export function planFraud(gen: ShardGenerator, m: number, target: number): number {
  const month = gen.input.window.months[m] as { firstDay: number; days: number };
  const scene = new Scene(gen, m, month.firstDay * DAY, (month.firstDay + month.days) * DAY - 1);
  let planned = 0;
  for (let guard = 0; planned < target && guard < target + 100; guard++) {
    const type = FRAUD_TYPES[ODDS.draw(gen.rng)] as FraudType;
    planned += SCENARIOS[type](scene, FRAUD_TYPES.indexOf(type) + 1);
  }
  return planned;
}

class Scene {
  readonly gen: ShardGenerator;
  readonly m: number;
  readonly first: number;
  readonly last: number;

  constructor(gen: ShardGenerator, m: number, first: number, last: number) {
    this.gen = gen;
    this.m = m;
    this.first = first;
    this.last = last;
  }

  get rng() {
    return this.gen.rng;
  }

  /** A client of one of `types` in this shard, active on some day of the month: [client, day] or null. */
  pick(
    types: readonly ClientType[],
    accept: (i: number, day: number) => boolean = () => true,
  ): [number, number] | null {
    for (let attempt = 0; attempt < 30; attempt++) {
      const list = this.gen.byType[CLIENT_TYPES.indexOf(this.rng.pick(types))] as Int32Array;
      if (list.length === 0) continue;
      const i = list[this.rng.int(list.length)] as number;
      const day = Math.floor(this.first / DAY) + this.rng.int(Math.round((this.last - this.first) / DAY));
      if (this.gen.isActive(i, day) && accept(i, day)) return [i, day];
    }
    return null;
  }

  /** Another client of this shard living in the same locality (falling back to any client of the shard). */
  neighbour(i: number, day: number, exclude: readonly number[]): number {
    const list = clientsByLocality(this.gen).get(this.gen.input.table.geo[i] as number) ?? [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const c = list[this.rng.int(list.length)] as number;
      if (!exclude.includes(c) && this.gen.isActive(c, day)) return c;
    }
    return this.activeClient(day, exclude);
  }

  /** A client of this shard able to transact on `day` (falling back to any client of the shard). */
  activeClient(day: number, exclude: readonly number[] = []): number {
    for (let attempt = 0; attempt < 50; attempt++) {
      const c = this.anyClient();
      if (this.gen.isActive(c, day) && !exclude.includes(c)) return c;
    }
    return this.anyClient();
  }

  anyClient(): number {
    const { table, shard, shards } = this.gen.input;
    return shard + shards * this.rng.int(Math.floor((table.count - 1 - shard) / shards) + 1);
  }

  /** Where a scenario's money goes: a random client, a bank account (as for anyone) or a new person abroad. */
  payee(service: number): [number, number] {
    if (service === S.B2B_TRANSFER) return [this.anyClient(), 0];
    if (service === S.WALLET_TO_BANK) return [-1, INSTITUTION_OF.WALLET_TO_BANK as number];
    return [-1, this.newParty()];
  }

  newParty(): number {
    return 2 ** 39 + this.rng.int(2 ** 30) * 256 + this.rng.int(256);
  }

  newDevice(): number {
    return 2 ** 39 + 2 ** 38 + this.rng.int(2 ** 30);
  }

  at(day: number, hourFrom: number, hourTo: number): number {
    return day * DAY + this.rng.between(hourFrom, hourTo) * 3600 + this.rng.int(3600);
  }

  clamp(second: number): number {
    return Math.min(this.last, Math.max(this.first, second));
  }

  /** Plans one fraudulent row, kept inside the month. */
  push(...row: Parameters<TxBuffer["push"]>): void {
    row[0] = this.clamp(row[0]);
    this.gen.buffer.push(...row);
  }
}

const localities = new WeakMap<ShardGenerator, Map<number, number[]>>();

/** The shard's clients grouped by home locality, built once per shard. */
function clientsByLocality(gen: ShardGenerator): Map<number, number[]> {
  let byGeo = localities.get(gen);
  if (!byGeo) {
    byGeo = new Map();
    const { table, shard, shards } = gen.input;
    for (let c = shard; c < table.count; c += shards) {
      const geo = table.geo[c] as number;
      const list = byGeo.get(geo) ?? [];
      list.push(c);
      byGeo.set(geo, list);
    }
    localities.set(gen, byGeo);
  }
  return byGeo;
}

type Scenario = (scene: Scene, fraud: number) => number;

const SCENARIOS: Record<FraudType, Scenario> = {
  /** SIM swap then account takeover: new device, at night, failed PINs, then draining transfers to new payees. */
  account_takeover(s, fraud) {
    const picked = s.pick(["merchant", "sme", "agent", "corporate", "distributor"]);
    if (!picked) return 0;
    const [i, day] = picked;
    const device = s.newDevice();
    const channel = s.rng.chance(0.6) ? APP : USSD;
    let t = s.at(day, 0, 4);
    let rows = 0;
    for (let k = s.rng.between(1, 3); k > 0; k--, rows++) {
      s.push(
        t,
        i,
        S.WALLET_TO_BANK,
        channel,
        s.gen.plannedAmount(i, S.WALLET_TO_BANK),
        -1,
        INSTITUTION_OF.WALLET_TO_BANK as number,
        device,
        fraud,
        WRONG_PIN,
      );
      t += s.rng.between(20, 90);
    }
    for (let k = s.rng.between(2, 5); k > 0; k--, rows++) {
      t += s.rng.between(60, 1200);
      const service = s.rng.pick([S.B2B_TRANSFER, S.WALLET_TO_BANK, S.INTL_REMITTANCE_OUT]);
      const [counterparty, party] = s.payee(service);
      s.push(t, i, service, channel, 5_000, counterparty, party, device, fraud, 0, FLAG_DRAIN);
    }
    return rows;
  },

  /** An agent splits deposits into many near-identical cash-ins to one or two customers, many then reversed. */
  agent_float_abuse(s, fraud) {
    const picked = s.pick(["agent"]);
    if (!picked) return 0;
    const [i, day] = picked;
    const base = s.rng.between(20_000, 150_000);
    const parties = [s.newParty(), s.newParty()];
    let t = s.at(day, 9, 20);
    const n = s.rng.between(6, 14);
    for (let k = 0; k < n; k++) {
      t += s.rng.between(30, 240);
      const amount = roundAmount(base * (0.95 + 0.1 * s.rng.next()), s.rng);
      const channel = s.rng.chance(0.7) ? AGENT_POS : USSD;
      s.push(
        t,
        i,
        S.AGENT_CASH_IN,
        channel,
        amount,
        -1,
        parties[s.rng.int(2)] as number,
        s.gen.usualDevice(i),
        fraud,
        s.rng.chance(0.4) ? REVERSED : 0,
      );
    }
    return n;
  },

  /** A colluding merchant: a sum split into many payments from a few payers, then refunds to other parties. */
  fake_merchant(s, fraud) {
    const picked = s.pick(["merchant"]);
    if (!picked) return 0;
    const [i, day] = picked;
    const payers = [s.newParty(), s.newParty(), s.newParty()];
    const n = s.rng.between(5, 10);
    const each = s.rng.between(300_000, 2_000_000) / n;
    let t = s.at(day, 10, 19);
    for (let k = 0; k < n; k++) {
      t += s.rng.between(120, 900);
      s.push(
        t,
        i,
        S.MERCHANT_PAYMENT,
        s.gen.channelFor(i, S.MERCHANT_PAYMENT),
        roundAmount(each * (0.9 + 0.2 * s.rng.next()), s.rng),
        -1,
        payers[s.rng.int(3)] as number,
        s.gen.usualDevice(i),
        fraud,
      );
    }
    const refunds = s.rng.between(1, 3);
    for (let k = 0; k < refunds; k++) {
      t += s.rng.between(600, 3600);
      s.push(
        t,
        i,
        S.MERCHANT_REFUND,
        s.gen.channelFor(i, S.MERCHANT_REFUND),
        roundAmount(each * (0.8 + 0.2 * s.rng.next()), s.rng),
        -1,
        s.newParty(),
        s.gen.usualDevice(i),
        fraud,
      );
    }
    return n + refunds;
  },

  /** A large deposit, then several transfers each just under the reporting threshold, over one to three days. */
  structuring(s, fraud) {
    const picked = s.pick(
      ["sme", "merchant", "corporate"],
      (i, day) => s.gen.kycLimit(i, day) > REPORTING_THRESHOLD,
    );
    if (!picked) return 0;
    const [i, day] = picked;
    const n = s.rng.between(3, 7);
    const channel = s.gen.channelFor(i, S.B2B_TRANSFER);
    // The money arrives first, in as few remittances as the service's ceiling and the client's KYC limit allow.
    const total = n * REPORTING_THRESHOLD * 0.97;
    const deposits = Math.ceil(total / (Math.min(REMITTANCE_CEILING, s.gen.kycLimit(i, day)) * 0.95));
    const sender = s.newParty();
    let t = s.at(day, 8, 10);
    for (let k = 0; k < deposits; k++, t += s.rng.between(300, 1800)) {
      s.push(
        t,
        i,
        S.INTL_REMITTANCE_IN,
        channel,
        roundAmount(total / deposits, s.rng),
        -1,
        sender,
        s.gen.usualDevice(i),
        fraud,
      );
    }
    for (let k = 0; k < n; k++) {
      const service = s.rng.pick([S.B2B_TRANSFER, S.WALLET_TO_BANK, S.INTL_REMITTANCE_OUT]);
      const [counterparty, party] = s.payee(service);
      const amount = Math.floor((REPORTING_THRESHOLD * (0.9 + 0.095 * s.rng.next())) / 5) * 5;
      s.push(
        s.at(day + s.rng.int(3), 12, 17),
        i,
        service,
        channel,
        amount,
        counterparty,
        party,
        s.gen.usualDevice(i),
        fraud,
      );
    }
    return n + deposits;
  },

  /** A recent, low-KYC account collects many credits from distinct senders, then empties itself fast. */
  mule_account(s, fraud) {
    const picked =
      s.pick(
        ["merchant", "sme"],
        (i, day) => (s.gen.input.table.regDay[i] as number) > day - 120 && s.gen.kycLimit(i, day) < 1e7,
      ) ?? s.pick(["merchant", "sme"]);
    if (!picked) return 0;
    const [mule, day] = picked;
    let t = s.at(day, 8, 14);
    const fanIn = s.rng.between(5, 12);
    for (let k = 0; k < fanIn; k++) {
      t += s.rng.between(300, 3600);
      const amount = roundAmount(s.rng.between(50_000, 400_000), s.rng);
      if (s.rng.chance(0.5)) {
        s.push(
          t,
          mule,
          S.INTL_REMITTANCE_IN,
          s.gen.channelFor(mule, S.INTL_REMITTANCE_IN),
          amount,
          -1,
          s.newParty(),
          s.gen.usualDevice(mule),
          fraud,
        );
      } else {
        const sender = s.activeClient(Math.floor(t / DAY), [mule]);
        s.push(
          t,
          sender,
          S.B2B_TRANSFER,
          s.gen.channelFor(sender, S.B2B_TRANSFER),
          amount,
          mule,
          0,
          s.gen.usualDevice(sender),
          fraud,
        );
      }
    }
    const fanOut = s.rng.between(2, 4);
    const device = s.rng.chance(0.5) ? s.newDevice() : s.gen.usualDevice(mule);
    for (let k = 0; k < fanOut; k++) {
      t += s.rng.between(600, 5400);
      const service = s.rng.pick([S.WALLET_TO_BANK, S.INTL_REMITTANCE_OUT, S.B2B_TRANSFER]);
      const [counterparty, party] = s.payee(service);
      s.push(
        t,
        mule,
        service,
        s.gen.channelFor(mule, service),
        50_000,
        counterparty,
        party,
        device,
        fraud,
        0,
        FLAG_DRAIN,
      );
    }
    return fanIn + fanOut;
  },

  /** Stolen API or app credentials: a burst of small airtime purchases to many numbers within minutes. */
  velocity_burst(s, fraud) {
    const picked = s.pick(["merchant", "sme", "agent"]);
    if (!picked) return 0;
    const [i, day] = picked;
    const channel = s.rng.chance(0.6) ? API : APP;
    const device = s.rng.chance(0.5) ? s.newDevice() : s.gen.usualDevice(i);
    let t = s.at(day, 8, 23);
    const n = s.rng.between(12, 28);
    for (let k = 0; k < n; k++) {
      t += s.rng.between(10, 45);
      s.push(t, i, S.AIRTIME_WHOLESALE, channel, s.rng.between(2, 20) * 500, -1, s.newParty(), device, fraud);
    }
    return n;
  },

  /** Money sent round a ring of related clients (same locality) and back, to inflate volumes or commissions. */
  round_tripping(s, fraud) {
    const picked = s.pick(["sme", "corporate", "distributor"]);
    if (!picked) return 0;
    const [a, day] = picked;
    const b = s.neighbour(a, day, [a]);
    const c = s.neighbour(a, day, [a, b]);
    const base = roundAmount(s.rng.between(500_000, 3_000_000), s.rng);
    let t = s.at(day, 8, 15);
    let rows = 0;
    for (let cycle = s.rng.between(1, 2); cycle > 0; cycle--) {
      const ring: [number, number][] = [
        [a, b],
        [b, c],
        [c, a],
      ];
      ring.forEach(([from, to], k) => {
        t += s.rng.between(600, 7200);
        const amount = Math.round((base * (1 - 0.005 * k)) / 5) * 5;
        s.push(
          t,
          from,
          S.B2B_TRANSFER,
          s.gen.channelFor(from, S.B2B_TRANSFER),
          amount,
          to,
          0,
          s.gen.usualDevice(from),
          fraud,
        );
      });
      rows += 3;
    }
    return rows;
  },
};
