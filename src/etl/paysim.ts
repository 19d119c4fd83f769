import type { SqlValue } from "../warehouse/warehouse.ts";
import { parseDate } from "./fields.ts";
import type { SourceRecord } from "./records.ts";
import { type Reject, rejectRecord, shapeReject } from "./rejects.ts";

/**
 * PaySim (Lopez-Rojas et al., the public mobile-money simulator) exports one CSV per run:
 * step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud
 * Each record is mapped onto momo generate's transaction layout, so the same checks and loads apply;
 * docs/etl.md gives the mapping. Accounts become clients registered on the simulation's first day.
 */
export const PAYSIM_FIELDS = [
  "step",
  "type",
  "amount",
  "nameOrig",
  "oldbalanceOrg",
  "newbalanceOrig",
  "nameDest",
  "oldbalanceDest",
  "newbalanceDest",
  "isFraud",
  "isFlaggedFraud",
];

export const PAYSIM_SERVICES: Readonly<Record<string, string>> = {
  CASH_IN: "AGENT_CASH_IN",
  CASH_OUT: "AGENT_CASH_OUT",
  DEBIT: "WALLET_TO_BANK",
  PAYMENT: "MERCHANT_PAYMENT",
  TRANSFER: "B2B_TRANSFER",
};

/** PaySim's fraud is an account takeover that transfers the balance out, then a mule cashes it out. */
const PAYSIM_FRAUD: Readonly<Record<string, string>> = {
  TRANSFER: "account_takeover",
  CASH_OUT: "mule_account",
};

export interface PaysimOptions {
  /** Day of step 1, `YYYY-MM-DD`. */
  readonly start: string;
  /** Where PaySim's accounts and transactions are placed (a dim_geography code). */
  readonly geoCode: string;
  readonly currency: string;
}

export const PAYSIM_DEFAULTS: PaysimOptions = { start: "2024-01-01", geoCode: "CI-ABIDJAN", currency: "XOF" };

/** Maps PaySim records onto the generated layout and remembers each new account as a client registration. */
export class PaysimAdapter {
  readonly #options: PaysimOptions;
  readonly #startMs: number;
  readonly #idPrefix: string;
  readonly #file: string;
  readonly #seen: Set<string>;
  readonly #geographyKey: number;
  readonly registrations: SqlValue[][] = [];

  constructor(
    options: PaysimOptions,
    geographyKey: number,
    file: string,
    fileSha256: string,
    seen: Set<string>,
  ) {
    if (parseDate(options.start) === null)
      throw new Error(`PaySim start "${options.start}" is not a date YYYY-MM-DD`);
    this.#geographyKey = geographyKey;
    this.#options = options;
    this.#startMs = Date.parse(`${options.start}T00:00:00Z`);
    this.#idPrefix = `PS${fileSha256.slice(0, 8).toUpperCase()}-`;
    this.#file = file;
    this.#seen = seen;
  }

  map(rec: SourceRecord): SourceRecord | Reject {
    // No closure here: once per record, and the loader wraps each closure it creates to keep its name.
    const shape = shapeReject(rec, this.#file, "transaction", PAYSIM_FIELDS.length);
    if (shape) return shape;
    const f = rec.fields;
    const [stepText, type, amount, orig, , newBalanceOrig, dest, , , fraud] = f as string[] as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^\d{1,6}$/.test(stepText) || Number(stepText) < 1) {
      return rejectRecord(
        rec,
        this.#file,
        "transaction",
        "step",
        "malformed_date",
        `step "${stepText}" is not an hour number >= 1`,
      );
    }
    const service = PAYSIM_SERVICES[type];
    if (service === undefined)
      return rejectRecord(
        rec,
        this.#file,
        "transaction",
        "type",
        "unknown_service",
        `type "${type}" is not a PaySim transaction type`,
      );
    const isFraud = fraud === "1";
    const at = this.#timestamp(Number(stepText), rec.line);
    for (const name of [orig, dest]) if (/^[CM]\d{1,18}$/.test(name)) this.#register(name, rec.line);
    const destIsClient = /^[CM]\d{1,18}$/.test(dest);
    const mapped = [
      `${this.#idPrefix}${rec.line}`,
      at,
      orig,
      destIsClient ? dest : "",
      destIsClient ? "" : dest,
      service,
      "APP",
      "SUCCESS",
      amount,
      "0",
      this.#options.currency,
      newBalanceOrig,
      "",
      this.#options.geoCode,
      fraud,
      isFraud ? (PAYSIM_FRAUD[type] ?? "paysim_fraud") : "",
    ];
    return { line: rec.line, raw: rec.raw, fields: mapped, badEncoding: false };
  }

  #timestamp(step: number, line: number): string {
    // PaySim steps are hours; spread the records of one hour over its seconds, deterministically.
    const ms = this.#startMs + (step - 1) * 3_600_000 + ((line * 7919) % 3600) * 1000;
    const iso = new Date(ms).toISOString();
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }

  #register(name: string, line: number): void {
    if (this.#seen.has(name)) return;
    this.#seen.add(name);
    const merchant = name.startsWith("M");
    this.registrations.push([
      this.#file,
      line,
      name,
      name,
      merchant ? "merchant" : "paysim_account",
      merchant ? "commerce" : "unknown",
      "micro",
      "bronze",
      1,
      this.#geographyKey,
      null,
      this.#options.start,
      "active",
      `(registered from PaySim record) ${name}`,
    ]);
  }
}

export const PAYSIM_FRAUD_TYPES: ReadonlySet<string> = new Set(["paysim_fraud"]);
