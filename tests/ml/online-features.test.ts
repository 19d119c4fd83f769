import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { generate } from "../../src/generate/generate.ts";
import { resolveGenerateOptions } from "../../src/generate/options.ts";
import { FEATURE_NAMES } from "../../src/ml/features/catalog.ts";
import { loadOnlineContext, loadOnlineReference, timestampText } from "../../src/ml/features/history.ts";
import {
  amountCents,
  epochMicros,
  type OnlineTransaction,
  onlineFeatures,
} from "../../src/ml/features/online.ts";
import { forEachFeatureBatch, planFeatures } from "../../src/ml/features/read.ts";
import { RecentWindowStore } from "../../src/ml/features/recent-store.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";

const root = mkdtempSync(join(tmpdir(), "momo-online-"));
const input = join(root, "raw");
beforeAll(() => generate(resolveGenerateOptions({ scale: "tiny", seed: 31, out: input })));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface LoadedTransaction extends OnlineTransaction {
  readonly statusCode: string;
  readonly balanceAfter: string | null;
}

/** Loaded transactions as the online path receives them, in (transaction_at, transaction_id) order. */
async function transactions(wh: Warehouse, where: string): Promise<LoadedTransaction[]> {
  const rows = await wh.query<Record<string, string | null>>(
    `SELECT f.transaction_id, f.client_id, f.transaction_at, f.amount, s.service_code, c.channel_code,
            f.counterparty_client_id, f.counterparty_ref, f.device_ref, st.status_code, f.balance_after
       FROM dwh.fact_transactions f
       JOIN dwh.dim_service s ON s.service_key = f.service_key
       JOIN dwh.dim_channel c ON c.channel_key = f.channel_key
       JOIN dwh.dim_transaction_status st ON st.status_key = f.status_key
      WHERE ${where}
      ORDER BY f.transaction_at, f.transaction_id`,
  );
  return rows.map((r) => ({
    transactionId: r.transaction_id as string,
    clientId: r.client_id as string,
    transactionAt: r.transaction_at as string,
    amount: r.amount as string,
    serviceCode: r.service_code as string,
    channelCode: r.channel_code as string,
    counterpartyClientId: r.counterparty_client_id ?? null,
    counterpartyRef: r.counterparty_ref ?? null,
    deviceRef: r.device_ref ?? null,
    statusCode: r.status_code as string,
    balanceAfter: r.balance_after ?? null,
  }));
}

async function sqlFeatures(wh: Warehouse): Promise<Map<string, Float64Array>> {
  const byId = new Map<string, Float64Array>();
  const cols = FEATURE_NAMES.length;
  await forEachFeatureBatch(wh, await planFeatures(wh), (batch) => {
    for (let r = 0; r < batch.rows; r++)
      byId.set(batch.transactionIds[r] as string, batch.values.slice(r * cols, (r + 1) * cols));
  });
  return byId;
}

function differences(id: string, online: Float64Array, sql: Float64Array | undefined): string[] {
  if (!sql) return [`${id}: no SQL features`];
  return FEATURE_NAMES.flatMap((name, c) => {
    const a = online[c] as number;
    const b = sql[c] as number;
    return Object.is(a, b) ? [] : [`${id} ${name}: online ${a}, SQL ${b}`];
  });
}

for (const engine of ENGINES_UNDER_TEST) {
  describe(`online features on ${engine}`, () => {
    let db: TestDatabase;
    let wh: Warehouse;
    let sql: Map<string, Float64Array>;

    beforeAll(async () => {
      db = await createTestDatabase(engine);
      wh = await db.open();
      await runEtl(wh, { input });
      sql = await sqlFeatures(wh);
    });

    afterAll(async () => {
      await wh?.close();
      await db?.drop();
    });

    it("equal the warehouse's for a sample of loaded transactions, from the history the loader reads", async () => {
      // every 199th row, every other fraud, and every third row sharing its instant with another of the client
      const sample = await transactions(
        wh,
        `(f.is_fraud AND MOD(f.transaction_key, 2) = 0) OR MOD(f.transaction_key, 199) = 0 OR MOD(f.transaction_key, 3) = 0 AND EXISTS (
           SELECT 1 FROM dwh.fact_transactions g
            WHERE g.client_id = f.client_id AND g.transaction_at = f.transaction_at
              AND g.transaction_id <> f.transaction_id)`,
      );
      expect(sample.length).toBeGreaterThan(300);
      const reference = await loadOnlineReference(wh);
      const found: string[] = [];
      for (const tx of sample) {
        const online = onlineFeatures(tx, await loadOnlineContext(wh, tx, reference));
        found.push(...differences(tx.transactionId, online, sql.get(tx.transactionId)));
      }
      expect(found.slice(0, 10)).toEqual([]);
    });

    it("equal the warehouse's when a store replays three days, appending each transaction after scoring it", async () => {
      const store = await RecentWindowStore.open(wh);
      const days = await transactions(wh, "f.date_key BETWEEN 20250610 AND 20250612");
      expect(days.length).toBeGreaterThan(100);
      const found: string[] = [];
      for (const tx of days) {
        found.push(...differences(tx.transactionId, await store.features(tx), sql.get(tx.transactionId)));
        store.append(tx, { statusCode: tx.statusCode, balanceAfter: tx.balanceAfter });
      }
      expect(found.slice(0, 10)).toEqual([]);
      expect(store.rowCount).toBeGreaterThan(days.length);
      const last = epochMicros((days.at(-1) as LoadedTransaction).transactionAt);
      // a transaction one second after the last: eviction up to it changes nothing it sees
      const probe = {
        ...(days.at(-1) as LoadedTransaction),
        transactionId: "PROBE",
        transactionAt: timestampText(last + 1e6),
      };
      const before = await store.features(probe);
      const held = store.rowCount;
      const dropped = store.evictBefore(last);
      expect(dropped).toBeGreaterThan(0);
      expect(dropped).toBeLessThan(held);
      expect(await store.features(probe)).toEqual(before);
      expect(store.evictBefore(last + 32 * 86_400_000_000)).toBe(held - dropped);
      expect(store.rowCount).toBe(0);
    });

    it("names what is wrong with an incoming transaction", async () => {
      const store = await RecentWindowStore.open(wh);
      const [tx] = await transactions(wh, "f.date_key = 20250611");
      const base = tx as LoadedTransaction;
      await expect(store.features({ ...base, serviceCode: "TELEPORT" })).rejects.toThrow(
        'unknown service_code "TELEPORT"',
      );
      await expect(store.features({ ...base, clientId: "CNOBODY" })).rejects.toThrow(
        "client CNOBODY is not in dim_client",
      );
      await expect(store.features({ ...base, transactionAt: "2025-06-11" })).rejects.toThrow(
        'transaction_at "2025-06-11" is not a timestamp',
      );
      expect(() => store.append(base, { statusCode: "MAYBE" })).toThrow('unknown status_code "MAYBE"');
    });
  });
}

describe("online value parsing", () => {
  it("reads amounts exactly in cents and refuses others", () => {
    expect(amountCents("12500.5")).toBe(1250050);
    expect(amountCents(0.07)).toBe(7);
    expect(amountCents("1000000")).toBe(100000000);
    for (const bad of ["-5", "1.234", "abc", "0"]) expect(() => amountCents(bad)).toThrow(`amount "${bad}"`);
  });

  it("reads a timestamp as microseconds, fractions included", () => {
    expect(epochMicros("1970-01-01 00:00:01")).toBe(1_000_000);
    expect(epochMicros("2024-03-10 11:00:00.25")).toBe(Date.UTC(2024, 2, 10, 11) * 1000 + 250_000);
  });
});
