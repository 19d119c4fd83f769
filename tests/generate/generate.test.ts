import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIRTY_KINDS, FRAUD_TYPES } from "../../src/generate/catalog.ts";
import { FRAUD_MIX } from "../../src/generate/fraud.ts";
import { generate, type Manifest } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { CLIENT_PROFILES, HOUR_PROFILES } from "../../src/generate/profiles.ts";
import { SERVICE_ROWS } from "../../src/reference/services.ts";
import { csvRows, readClients, transactionFiles } from "../support/generated.ts";

const root = mkdtempSync(join(tmpdir(), "momo-generate-"));
const options = (out: string, seed = 7) =>
  resolveGenerateOptions({ scale: "tiny", seed, fraudRate: 0.05, dirtyRate: 0.01, out: join(root, out) });

let manifest: Manifest;
let dir: string;
let transactions: string[][];
let clients: Map<string, string[]>;

beforeAll(async () => {
  dir = join(root, "a");
  manifest = await generate(options("a"));
  transactions = transactionFiles(dir).flatMap(csvRows);
  clients = readClients(dir);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const isCleanTimestamp = (text: string) => {
  const date = new Date(`${text.replace(" ", "T")}Z`);
  return (
    TS.test(text) &&
    !Number.isNaN(date.getTime()) &&
    date.toISOString().slice(0, 19) === text.replace(" ", "T")
  );
};
const clean = (rows: string[][]) =>
  rows.filter((r) => r.length === 16 && /^T\d{5}[0-9A-Z]{6}$/.test(r[0] as string));

describe("generate (tiny preset)", () => {
  it("is deterministic: same seed, byte-identical files; another seed, other files", async () => {
    const again = await generate(options("b"));
    expect(again.files).toEqual(manifest.files);
    expect(JSON.stringify(again)).toBe(JSON.stringify(manifest));
    const other = await generate(options("c", 8));
    expect(other.files.find((f) => f.path === "clients.csv")?.sha256).not.toBe(
      manifest.files.find((f) => f.path === "clients.csv")?.sha256,
    );
  });

  it("writes a manifest whose counts equal the files' rows", () => {
    for (const file of manifest.files)
      expect(csvRows(join(dir, file.path)).length, file.path).toBe(file.rows);
    expect(manifest.counts.clients).toBe(2000);
    expect(clients.size).toBe(2000);
    expect(transactions.length).toBe(manifest.counts.transactionFileRows);
    expect(manifest.counts.transactionFileRows).toBe(
      manifest.counts.transactions + manifest.counts.dirtyRows,
    );
    expect(manifest.files.filter((f) => f.path.startsWith("transactions/"))).toHaveLength(24 * 4);
    expect(manifest.counts.transactions).toBeGreaterThan(40_000 * 0.95);
    expect(manifest.counts.transactions).toBeLessThan(40_000 * 1.08);
  });

  it("labels fraud at the requested rate, every typology near its share, counted exactly", () => {
    const fraud = transactions.filter((r) => r[14] === "1");
    const byType: Record<string, number> = {};
    for (const r of fraud) byType[r[15] as string] = (byType[r[15] as string] ?? 0) + 1;
    expect(byType).toEqual(manifest.fraudByType);
    expect(fraud.length).toBe(manifest.counts.fraudTransactions);
    const rate = fraud.length / manifest.counts.transactions;
    expect(rate).toBeGreaterThan(0.05 * 0.85);
    expect(rate).toBeLessThan(0.05 * 1.15);
    for (const type of FRAUD_TYPES) {
      const share = (byType[type] ?? 0) / fraud.length;
      expect(share, type).toBeGreaterThan(FRAUD_MIX[type] * 0.5);
      expect(share, type).toBeLessThan(FRAUD_MIX[type] * 1.6);
    }
    expect(transactions.filter((r) => r[14] === "0" && r[15] !== "")).toEqual([]);
  });

  it("draws each client type's services from its configured mix", () => {
    const mix = CLIENT_PROFILES.merchant.services as Record<string, number>;
    // Automatic top-ups add bank transfers in; compare the rest of the mix.
    const compared = Object.keys(mix).filter((code) => code !== "BANK_TO_WALLET");
    const total = compared.reduce((n, code) => n + (mix[code] ?? 0), 0);
    const merchantRows = clean(transactions).filter(
      (r) =>
        r[14] === "0" && clients.get(r[2] as string)?.[2] === "merchant" && compared.includes(r[5] as string),
    );
    expect(merchantRows.length).toBeGreaterThan(5_000);
    for (const code of compared) {
      const observed = merchantRows.filter((r) => r[5] === code).length / merchantRows.length;
      expect(Math.abs(observed - (mix[code] ?? 0) / total), code).toBeLessThan(0.02);
    }
  });

  it("follows the configured hour-of-day profile", () => {
    const profile = HOUR_PROFILES.retail;
    const sum = profile.reduce((a, b) => a + b, 0);
    const rows = clean(transactions).filter((r) => {
      const type = clients.get(r[2] as string)?.[2];
      return r[14] === "0" && (type === "merchant" || type === "agent") && isCleanTimestamp(r[1] as string);
    });
    const hours = new Array(24).fill(0);
    for (const r of rows) hours[Number((r[1] as string).slice(11, 13))]++;
    hours.forEach((n, h) => {
      expect(Math.abs(n / rows.length - (profile[h] as number) / sum), `hour ${h}`).toBeLessThan(0.01);
    });
  });

  it("injects every dirty kind, each counted exactly in the manifest", () => {
    const services = new Set(SERVICE_ROWS.map((s) => s.service_code));
    const lastYear = Number(manifest.window.to.slice(0, 4));
    const seen = new Set<string>();
    const found: Record<string, number> = Object.fromEntries(DIRTY_KINDS.map((k) => [k, 0]));
    const count = (kind: string) => {
      found[kind] = (found[kind] ?? 0) + 1;
    };
    for (const r of transactions) {
      const id = r[0] as string;
      if (r.length < 16) count("broken_line");
      else if (seen.has(id)) count("duplicate_id");
      else if ((r[8] as string).startsWith("-")) count("negative_amount");
      else if (!/^\d+$/.test(r[8] as string)) count("malformed_amount");
      else if (!isCleanTimestamp(r[1] as string)) count("malformed_date");
      else if (Number((r[1] as string).slice(0, 4)) > lastYear) count("future_timestamp");
      else if (!clients.has(r[2] as string)) count("unknown_client");
      else if (!services.has(r[5] as string)) count("unknown_service");
      seen.add(id);
    }
    expect(JSON.stringify(found)).toBe(JSON.stringify(manifest.dirtyByKind));
    for (const kind of DIRTY_KINDS) expect(found[kind], kind).toBeGreaterThan(0);
  });

  it("emits client changes that refer to existing clients and move forward in time", () => {
    const changes = csvRows(join(dir, "client_changes.csv"));
    expect(changes.length).toBe(manifest.counts.clientChanges);
    const types = new Set(changes.map((c) => c[3]));
    for (const type of [
      "tier_change",
      "kyc_upgrade",
      "relocation",
      "suspension",
      "reactivation",
      "closure",
    ]) {
      expect(types.has(type), type).toBe(true);
    }
    const last = new Map<string, string>();
    const status = new Map<string, string>();
    for (const [, clientId, at = "", , attribute, oldValue, newValue] of changes as string[][]) {
      const client = clients.get(clientId as string);
      expect(client, clientId).toBeDefined();
      expect(at > (client?.[9] as string), `${clientId} changed before registering`).toBe(true);
      expect(at >= (last.get(clientId as string) ?? ""), `${clientId} goes back in time`).toBe(true);
      last.set(clientId as string, at as string);
      if (attribute === "status") {
        expect(oldValue).toBe(status.get(clientId as string) ?? "active");
        status.set(clientId as string, newValue as string);
      }
      expect(newValue).not.toBe(oldValue);
    }
    expect(
      changes.some(
        (c, i) =>
          i > 0 && c[1] === changes[i - 1]?.[1] && c[2]?.slice(0, 10) === changes[i - 1]?.[2]?.slice(0, 10),
      ),
    ).toBe(true);
  });

  it("keeps clients' transactions inside their lives: after registration, never after closure", () => {
    for (const out of ["a", "c"]) {
      const closedAt = new Map(
        csvRows(join(root, out, "client_changes.csv"))
          .filter((c) => c[3] === "closure")
          .map((c) => [c[1] as string, c[2] as string]),
      );
      const registered = new Map([...readClients(join(root, out))].map(([id, f]) => [id, f[9] as string]));
      for (const r of clean(transactionFiles(join(root, out)).flatMap(csvRows))) {
        const registration = registered.get(r[2] as string);
        if (!registration || !isCleanTimestamp(r[1] as string)) continue;
        expect((r[1] as string) > registration, `${out} ${r[0]}`).toBe(true);
        const closed = closedAt.get(r[2] as string);
        if (closed) expect((r[1] as string).slice(0, 10) <= closed.slice(0, 10), `${out} ${r[0]}`).toBe(true);
      }
    }
  });

  it("marks fraud only through the label columns: no counterparty form is unique to fraud", () => {
    const partyKind = (party: string) => (party.includes("-") ? party.split("-")[0] : party.slice(0, 1));
    const forms = (rows: string[][]) =>
      new Set(rows.map((r) => `${r[5]}|${r[3] ? "client" : partyKind(r[4] as string)}`));
    const legitimate = forms(clean(transactions).filter((r) => r[14] === "0"));
    const onlyInFraud = [...forms(transactions.filter((r) => r[14] === "1"))].filter(
      (f) => !legitimate.has(f),
    );
    expect(onlyInFraud).toEqual([]);
  });

  it("keeps amounts, balances and fees coherent: within ceilings, never negative, fees from the model", () => {
    const services = new Map(SERVICE_ROWS.map((s) => [s.service_code, s]));
    for (const r of clean(transactions)) {
      if (!/^\d+$/.test(r[8] as string) || !services.has(r[5] as string)) continue;
      expect(Number(r[11])).toBeGreaterThanOrEqual(0);
      expect(Number(r[8]), r[0]).toBeLessThanOrEqual(Number(services.get(r[5] as string)?.max_amount));
      if (services.get(r[5] as string)?.fee_model === "free") expect(r[9]).toBe("0");
    }
  });
});
