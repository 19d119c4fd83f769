// POST /api/score under concurrent requests: part of `npm run bench -- serve`.
import type { Config } from "../src/config/config.ts";
import { Rng } from "../src/generate/rng.ts";
import { openReadOnlyWarehouse } from "../src/serve/read-only.ts";
import { createServer } from "../src/serve/server.ts";

export interface ScoreLoadFigures {
  readonly phase: string;
  readonly requests: number;
  /** Requests kept in flight (closed loop), or null for requests arriving at a set rate (open loop). */
  readonly concurrency: number | null;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly perSecond: number;
}

/** The p-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Offered loads of the open-loop passes, requests per second. */
export const OPEN_LOOP_RATES = [500, 1_000, 2_000] as const;

/**
 * Replays the last loaded transactions as scoring requests, `concurrency` in flight at a time: a first pass
 * where each client's history is read from the warehouse (cold), then the same clients again a minute
 * later, answered from the server's in-memory window (warm, the steady state of a scoring service). Then
 * warm passes where requests arrive at a set rate, at random (Poisson) times, whatever the answers: their
 * latency counts from when each request was due, so queueing behind a slow answer is measured too.
 */
export async function benchScoreLoad(
  config: Config,
  requests = 2_000,
  concurrency = 16,
  openLoop = false,
): Promise<ScoreLoadFigures[]> {
  const wh = await openReadOnlyWarehouse(config);
  const app = await createServer({ wh, cache: false });
  try {
    const rows = await wh.query<Record<string, string | null>>(
      `SELECT f.transaction_id, f.client_id, f.counterparty_client_id, f.counterparty_ref, f.device_ref,
              CAST(f.transaction_at AS VARCHAR) AS transaction_at, CAST(f.amount AS VARCHAR) AS amount,
              sv.service_code, ch.channel_code
         FROM dwh.fact_transactions AS f
         JOIN dwh.dim_service AS sv ON sv.service_key = f.service_key
         JOIN dwh.dim_channel AS ch ON ch.channel_key = f.channel_key
        WHERE f.date_key >= (SELECT MAX(date_key) FROM dwh.fact_daily_client_summary)
        ORDER BY f.transaction_at, f.transaction_id
        LIMIT ${requests}`,
    );
    if (rows.length === 0) throw new Error("no transactions on the last loaded day");
    const body = (r: Record<string, string | null>, pass: number) => ({
      transaction_id: `${r.transaction_id}-bench-${pass}`,
      client_id: r.client_id,
      transaction_at: later(r.transaction_at as string, pass),
      amount: r.amount,
      service_code: r.service_code,
      channel_code: r.channel_code,
      counterparty_client_id: r.counterparty_client_id,
      counterparty_ref: r.counterparty_ref,
      device_ref: r.device_ref,
    });
    const figures: ScoreLoadFigures[] = [];
    for (const [pass, phase] of [
      [1, "cold (history from the warehouse)"],
      [2, "warm (in-memory window)"],
    ] as const) {
      const times: number[] = [];
      let next = 0;
      const started = performance.now();
      const worker = async () => {
        while (next < rows.length) {
          const row = rows[next++] as Record<string, string | null>;
          const t0 = performance.now();
          const reply = await app.inject({ method: "POST", url: "/api/score", payload: body(row, pass) });
          times.push(performance.now() - t0);
          if (reply.statusCode !== 200) throw new Error(`POST /api/score: ${reply.statusCode} ${reply.body}`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - started) / 1000;
      times.sort((a, b) => a - b);
      figures.push(summary(phase, times, concurrency, seconds));
    }
    for (const [i, rate] of openLoop ? OPEN_LOOP_RATES.entries() : []) {
      const pass = 3 + i;
      const times: number[] = [];
      const started = performance.now();
      const due = arrivals(rows.length, rate, pass);
      const answers: Promise<void>[] = [];
      for (let next = 0; next < rows.length; ) {
        const now = performance.now() - started;
        for (; next < rows.length && (due[next] as number) <= now; next++) {
          const at = due[next] as number;
          const row = rows[next] as Record<string, string | null>;
          answers.push(
            app.inject({ method: "POST", url: "/api/score", payload: body(row, pass) }).then((reply) => {
              times.push(performance.now() - started - at);
              if (reply.statusCode !== 200)
                throw new Error(`POST /api/score: ${reply.statusCode} ${reply.body}`);
            }),
          );
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(answers);
      const seconds = (performance.now() - started) / 1000;
      times.sort((a, b) => a - b);
      figures.push(summary(`warm, ${rate.toLocaleString("en-US")} req/s offered`, times, null, seconds));
    }
    return figures;
  } finally {
    await app.close();
    await wh.close();
  }
}

function summary(phase: string, sorted: number[], concurrency: number | null, seconds: number) {
  return {
    phase,
    requests: sorted.length,
    concurrency,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    perSecond: sorted.length / seconds,
  };
}

/** Due times (ms from the start) of `n` requests arriving at random at `rate` per second on average. */
function arrivals(n: number, rate: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const due = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += (-Math.log(1 - rng.next()) / rate) * 1000;
    due[i] = t;
  }
  return due;
}

/** The timestamp `pass` minutes later, so a second pass comes after the first in every client's history. */
function later(timestamp: string, pass: number): string {
  const at = new Date(`${timestamp.replace(" ", "T").slice(0, 19)}Z`);
  at.setUTCMinutes(at.getUTCMinutes() + pass);
  return at.toISOString().slice(0, 19).replace("T", " ");
}
