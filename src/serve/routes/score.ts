import { z } from "zod";
import { epochMicros, type OnlineTransaction } from "../../ml/features/online.ts";
import { RecentWindowStore } from "../../ml/features/recent-store.ts";
import { loadFraudModel } from "../../ml/fraud/score-fraud.ts";
import type { GbdtModel, Reason } from "../../ml/gbdt/index.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import type { RouteModule } from "../context.ts";
import { BadRequestError } from "../errors.ts";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const AMOUNT = /^\d+(\.\d{1,2})?$/;
const text = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

/** The body of POST /api/score: what is known of a transaction when it arrives. */
const SCORE_BODY = z.strictObject({
  transaction_id: text(64).optional(),
  client_id: text(64),
  transaction_at: z.string().regex(TIMESTAMP, "expects YYYY-MM-DD HH:MM:SS[.ffffff]").optional(),
  amount: z.union([
    z
      .number()
      .positive("must be > 0")
      .refine((n) => AMOUNT.test(String(n)), "at most 2 decimals"),
    z.string().regex(AMOUNT, "expects a positive decimal with at most 2 decimals"),
  ]),
  service_code: text(40),
  channel_code: text(40),
  counterparty_client_id: text(64).nullish(),
  counterparty_ref: text(64).nullish(),
  device_ref: text(64).nullish(),
  /** The outcome recorded in the in-memory window for later transactions (default SUCCESS). */
  status_code: text(40).optional(),
});
type ScoreBody = z.infer<typeof SCORE_BODY>;

export interface ScoreAnswer {
  readonly transaction_id: string;
  readonly model_version: number;
  readonly probability: number;
  readonly threshold: number;
  readonly decision: "alert" | "pass";
  readonly top_reasons: readonly Reason[];
}

/** Every this many requests, the window forgets what no later transaction can see. */
const EVICT_EVERY = 10_000;

/** How often a server without a model looks for one again. */
const MODEL_RECHECK_MS = 10_000;

/**
 * Real-time scoring with the active fraud model: the features of one transaction from the client's
 * history (read once from the warehouse) plus an in-memory window of what this server scored since it
 * started; requests are handled one at a time, so the window sees them in arrival order.
 */
export const scoreRoutes: RouteModule = async (app, context) => {
  const scorer = new Scorer(context.wh);
  app.post("/api/score", async (request, reply) => {
    const body = parseBody(request.body);
    const answer = await scorer.score(body);
    if (answer === null) {
      return reply.code(503).send({ error: "no fraud model trained yet: run `momo ml train`" });
    }
    return answer;
  });
};

interface ActiveModel {
  readonly model: GbdtModel;
  readonly version: number;
  readonly threshold: number;
}

class Scorer {
  readonly #wh: Warehouse;
  #model: ActiveModel | null = null;
  #loading: Promise<ActiveModel | null> | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #store: Promise<RecentWindowStore> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #sequence = 0;
  #scored = 0;
  /** The latest transaction time scored, as epochMicros gives it. */
  #latest = Number.NEGATIVE_INFINITY;

  constructor(wh: Warehouse) {
    this.#wh = wh;
  }

  /**
   * The client's (and counterparty's) history is read from the warehouse before the request joins the
   * queue, so a client seen for the first time does not hold up the requests behind it.
   */
  async score(body: ScoreBody): Promise<ScoreAnswer | null> {
    const model = await this.#activeModel();
    if (!model) return null;
    this.#store ??= RecentWindowStore.open(this.#wh);
    const store = await this.#store;
    const tx = this.#transaction(body, store);
    await store.context(tx).catch((error: Error) => unknownClient(error, tx));
    const run = this.#queue.then(() => this.#score(tx, body.status_code ?? "SUCCESS", model, store));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #score(
    tx: OnlineTransaction,
    statusCode: string,
    model: ActiveModel,
    store: RecentWindowStore,
  ): Promise<ScoreAnswer> {
    const features = new Float32Array(
      await store.features(tx).catch((error: Error) => unknownClient(error, tx)),
    );
    const probability = model.model.predict(features, 1)[0] as number;
    store.append(tx, { statusCode });
    this.#latest = Math.max(this.#latest, epochMicros(tx.transactionAt));
    if (++this.#scored % EVICT_EVERY === 0) store.evictBefore(this.#latest);
    return {
      transaction_id: tx.transactionId,
      model_version: model.version,
      probability,
      threshold: model.threshold,
      decision: probability >= model.threshold ? "alert" : "pass",
      top_reasons: model.model.topReasons(features, 0, 3),
    };
  }

  #transaction(body: ScoreBody, store: RecentWindowStore): OnlineTransaction {
    const { reference } = store;
    if (!reference.services.has(body.service_code))
      throw new BadRequestError("service_code", `unknown service ${JSON.stringify(body.service_code)}`);
    if (!reference.channels.has(body.channel_code))
      throw new BadRequestError("channel_code", `unknown channel ${JSON.stringify(body.channel_code)}`);
    const status = body.status_code ?? "SUCCESS";
    if (!reference.statuses.has(status))
      throw new BadRequestError("status_code", `unknown status ${JSON.stringify(status)}`);
    return {
      transactionId: body.transaction_id ?? `api-${Date.now().toString(36)}-${++this.#sequence}`,
      clientId: body.client_id,
      transactionAt: (body.transaction_at ?? localNow()).replace("T", " "),
      amount: body.amount,
      serviceCode: body.service_code,
      channelCode: body.channel_code,
      counterpartyClientId: body.counterparty_client_id ?? null,
      counterpartyRef: body.counterparty_ref ?? null,
      deviceRef: body.device_ref ?? null,
    };
  }

  /** The active model; requests arriving while it loads wait for that one load. */
  #activeModel(): Promise<ActiveModel | null> {
    if (this.#model || performance.now() - this.#checkedAt < MODEL_RECHECK_MS) {
      return this.#loading ?? Promise.resolve(this.#model);
    }
    this.#checkedAt = performance.now();
    this.#loading = loadFraudModel(this.#wh)
      .then((loaded) => {
        this.#model = { model: loaded.model, version: loaded.entry.version, threshold: loaded.threshold };
        return this.#model;
      })
      .catch((error: Error) => {
        if (/no fraud_gbdt model/.test(error.message)) return null;
        throw error;
      })
      .finally(() => {
        this.#loading = null;
      });
    return this.#loading;
  }
}

function parseBody(body: unknown): ScoreBody {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new BadRequestError("body", "expects a JSON object describing one transaction");
  const parsed = SCORE_BODY.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0] as z.core.$ZodIssue;
  const name = issue.code === "unrecognized_keys" ? String(issue.keys[0]) : String(issue.path[0] ?? "body");
  const problem = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
  return failWith(name, problem, (body as Record<string, unknown>)[name]);
}

function failWith(name: string, problem: string, value: unknown): never {
  throw new BadRequestError(name, value === undefined ? problem : `${problem}, got ${JSON.stringify(value)}`);
}

/** A client the warehouse does not know is the caller's mistake (400 naming the field), not the server's. */
function unknownClient(error: Error, tx: OnlineTransaction): never {
  const id = /client (\S+) is not in dim_client/.exec(error.message)?.[1];
  if (id === undefined) throw error;
  throw new BadRequestError(
    id === tx.clientId ? "client_id" : "counterparty_client_id",
    `unknown client ${JSON.stringify(id)}`,
  );
}

function localNow(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}
