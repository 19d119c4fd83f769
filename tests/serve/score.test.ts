import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEtl } from "../../src/etl/run-etl.ts";
import { scoreFraud } from "../../src/ml/fraud/score-fraud.ts";
import { trainFraudModel } from "../../src/ml/fraud/train-fraud.ts";
import { openReadOnlyWarehouse } from "../../src/serve/read-only.ts";
import { createServer } from "../../src/serve/server.ts";
import type { Engine, Warehouse } from "../../src/warehouse/warehouse.ts";
import { createTestDatabase, ENGINES_UNDER_TEST, type TestDatabase } from "../support/engines.ts";
import { configFor, tinyInput } from "./fixtures.ts";

interface Served {
  db: TestDatabase;
  wh: Warehouse;
  app: FastifyInstance;
  /** The answer of a server started before any model was trained. */
  beforeModel: { status: number; body: Record<string, unknown> };
}

const served = new Map<Engine, Served>();
let cleanup = () => {};

async function serve(db: TestDatabase): Promise<{ wh: Warehouse; app: FastifyInstance }> {
  const wh = await openReadOnlyWarehouse(configFor(db));
  return { wh, app: await createServer({ wh, cache: false }) };
}

const SAMPLE_BODY = {
  client_id: "",
  transaction_at: "2025-12-30 10:00:00",
  amount: 15000,
  service_code: "MERCHANT_PAYMENT",
  channel_code: "APP",
};

beforeAll(async () => {
  const tiny = await tinyInput();
  cleanup = tiny.cleanup;
  for (const engine of ENGINES_UNDER_TEST) {
    const db = await createTestDatabase(engine);
    const writer = await db.open();
    await runEtl(writer, { input: tiny.input });
    const [client] = await writer.query<{ client_id: string }>(
      "SELECT MIN(client_id) AS client_id FROM dwh.fact_transactions",
    );
    SAMPLE_BODY.client_id = client?.client_id as string;
    await writer.close();
    const early = await serve(db);
    const reply = await early.app.inject({ method: "POST", url: "/api/score", payload: SAMPLE_BODY });
    const beforeModel = { status: reply.statusCode, body: reply.json() };
    await early.app.close();
    await early.wh.close();
    const trainer = await db.open();
    await trainFraudModel(trainer, { params: { rounds: 30, learningRate: 0.3, earlyStoppingRounds: 0 } });
    await scoreFraud(trainer);
    await trainer.close();
    served.set(engine, { db, ...(await serve(db)), beforeModel });
  }
}, 600_000);

afterAll(async () => {
  for (const { db, wh, app } of served.values()) {
    await app.close();
    await wh.close();
    await db.drop();
  }
  cleanup();
});

const get = (engine: Engine) => served.get(engine) as Served;
const post = (engine: Engine, payload: unknown) =>
  get(engine).app.inject({ method: "POST", url: "/api/score", payload: payload as object });

for (const engine of ENGINES_UNDER_TEST) {
  describe(`POST /api/score on ${engine}`, () => {
    it("answers 503 naming the command while no model is trained", () => {
      expect(get(engine).beforeModel).toEqual({
        status: 503,
        body: { error: "no fraud model trained yet: run `momo ml train`" },
      });
    });

    it("gives the probability the batch scoring wrote for the same transaction", async () => {
      const rows = await get(engine).wh.query<{
        transaction_id: string;
        client_id: string;
        counterparty_client_id: string | null;
        counterparty_ref: string | null;
        device_ref: string | null;
        transaction_at: string;
        amount: string;
        service_code: string;
        channel_code: string;
        fraud_score: number;
        is_alert: boolean;
      }>(
        `SELECT f.transaction_id, f.client_id, f.counterparty_client_id, f.counterparty_ref, f.device_ref,
                f.transaction_at, f.amount, sv.service_code, ch.channel_code, s.fraud_score, s.is_alert
           FROM dwh.fact_fraud_scores AS s
           JOIN dwh.fact_transactions AS f ON f.transaction_key = s.transaction_key
           JOIN dwh.dim_service AS sv ON sv.service_key = f.service_key
           JOIN dwh.dim_channel AS ch ON ch.channel_key = f.channel_key
          WHERE f.date_key >= 20251101
          ORDER BY s.is_alert DESC, s.fraud_score DESC, f.transaction_id
          LIMIT 200`,
      );
      // Distinct clients and counterparties, so what one answer adds to the window cannot touch another.
      const seen = new Set<string>();
      const sample = rows
        .filter((r) => {
          const ids = [r.client_id, r.counterparty_client_id].filter((id): id is string => id !== null);
          if (ids.some((id) => seen.has(id))) return false;
          for (const id of ids) seen.add(id);
          return true;
        })
        .slice(0, 12)
        .sort((a, b) => a.transaction_at.localeCompare(b.transaction_at));
      expect(sample.some((r) => r.is_alert)).toBe(true);
      for (const r of sample) {
        const reply = await post(engine, {
          transaction_id: r.transaction_id,
          client_id: r.client_id,
          transaction_at: r.transaction_at,
          amount: r.amount,
          service_code: r.service_code,
          channel_code: r.channel_code,
          counterparty_client_id: r.counterparty_client_id,
          counterparty_ref: r.counterparty_ref,
          device_ref: r.device_ref,
        });
        expect(reply.statusCode, reply.body).toBe(200);
        const answer = reply.json();
        expect(answer.probability, r.transaction_id).toBeCloseTo(Number(r.fraud_score), 6);
        expect(answer.decision).toBe(r.is_alert ? "alert" : "pass");
        expect(answer.top_reasons).toHaveLength(3);
        expect(answer.model_version).toBe(1);
      }
    });

    it("sees the transactions it scored before: a burst raises the client's velocity features", async () => {
      const burst = { ...SAMPLE_BODY, transaction_at: "2025-12-31 23:00:00", amount: "250000.00" };
      const first = (await post(engine, { ...burst, transaction_id: "burst-0" })).json();
      let last = first;
      for (let i = 1; i <= 15; i++) {
        const at = `2025-12-31 23:${String(i * 2).padStart(2, "0")}:00`;
        last = (await post(engine, { ...burst, transaction_id: `burst-${i}`, transaction_at: at })).json();
      }
      expect(last.probability).not.toBe(first.probability);
    });

    it("answers every request of a burst reaching a fresh server together, all from one model load", async () => {
      const fresh = await serve(get(engine).db);
      try {
        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            fresh.app.inject({
              method: "POST",
              url: "/api/score",
              payload: {
                ...SAMPLE_BODY,
                transaction_id: `fresh-${i}`,
                transaction_at: `2025-12-30 11:0${i}:00`,
              },
            }),
          ),
        );
        expect(replies.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
        expect(new Set(replies.map((r) => r.json().model_version)).size).toBe(1);
      } finally {
        await fresh.app.close();
        await fresh.wh.close();
      }
    });

    it("refuses bad bodies with 400 naming the field", async () => {
      const cases: [unknown, string][] = [
        [[1, 2], "body"],
        [{ ...SAMPLE_BODY, client_id: undefined }, "client_id"],
        [{ ...SAMPLE_BODY, amount: -5 }, "amount"],
        [{ ...SAMPLE_BODY, amount: "12.345" }, "amount"],
        [{ ...SAMPLE_BODY, transaction_at: "yesterday" }, "transaction_at"],
        [{ ...SAMPLE_BODY, service_code: "TELEPORT" }, "service_code"],
        [{ ...SAMPLE_BODY, channel_code: "FAX" }, "channel_code"],
        [{ ...SAMPLE_BODY, client_id: "NOBODY" }, "client_id"],
        [{ ...SAMPLE_BODY, colour: "red" }, "colour"],
      ];
      for (const [payload, parameter] of cases) {
        const reply = await post(engine, payload);
        expect(reply.statusCode, JSON.stringify(payload)).toBe(400);
        expect(reply.json().parameter, JSON.stringify(payload)).toBe(parameter);
      }
    });
  });
}
