import type { Warehouse } from "../../warehouse/warehouse.ts";
import {
  loadHistory,
  loadOnlineReference,
  loadProfileVersions,
  type ProfileVersion,
  profileAt,
} from "./history.ts";
import {
  amountCents,
  epochMicros,
  type HistoryRow,
  ONLINE_HISTORY_US,
  type OnlineContext,
  type OnlineReference,
  type OnlineTransaction,
  onlineFeatures,
} from "./online.ts";
import { DAY_US } from "./query.ts";

/** What became of a scored transaction, known once it is processed. */
export interface TransactionOutcome {
  readonly statusCode: string;
  /** The client's balance after it, when known. */
  readonly balanceAfter?: string | number | null;
}

/**
 * The recent transactions the online features read, kept in memory for a scoring server: a client's
 * history is read from the warehouse the first time the client (or, for transfers it received, the
 * counterparty) is seen; after that the store learns only from `append`, so the server must append
 * every transaction it processes. Transactions must arrive in time order; `evictBefore` bounds memory.
 */
export class RecentWindowStore {
  readonly #wh: Warehouse;
  readonly reference: OnlineReference;
  /** Own transactions by client id. */
  readonly #own = new Map<string, HistoryRow[]>();
  /** Transactions received, by counterparty client id. */
  readonly #received = new Map<string, HistoryRow[]>();
  readonly #ownLoaded = new Set<string>();
  readonly #receivedLoaded = new Set<string>();
  readonly #profiles = new Map<string, ProfileVersion[]>();

  private constructor(wh: Warehouse, reference: OnlineReference) {
    this.#wh = wh;
    this.reference = reference;
  }

  static async open(wh: Warehouse): Promise<RecentWindowStore> {
    return new RecentWindowStore(wh, await loadOnlineReference(wh));
  }

  /** The feature vector of `tx` (FEATURE_NAMES order, NaN missing) from what precedes it. */
  async features(tx: OnlineTransaction): Promise<Float64Array> {
    return onlineFeatures(tx, await this.context(tx));
  }

  async context(tx: OnlineTransaction): Promise<OnlineContext> {
    const at = epochMicros(tx.transactionAt);
    const cp = tx.counterpartyClientId || null;
    return {
      reference: this.reference,
      client: profileAt(await this.#versions(tx.clientId), tx.clientId, at),
      counterparty: cp ? profileAt(await this.#versions(cp), cp, at) : null,
      clientHistory: await this.#rows(this.#own, this.#ownLoaded, "client", tx.clientId, at),
      clientInflows: await this.#rows(this.#received, this.#receivedLoaded, "counterparty", tx.clientId, at),
      counterpartyInflows: cp
        ? await this.#rows(this.#received, this.#receivedLoaded, "counterparty", cp, at)
        : [],
    };
  }

  /** Records a processed transaction so that the ones after it see it. */
  append(tx: OnlineTransaction, outcome: TransactionOutcome): void {
    const service = this.reference.services.get(tx.serviceCode);
    if (!service) throw new Error(`unknown service_code "${tx.serviceCode}"`);
    const channelKey = this.reference.channels.get(tx.channelCode);
    if (channelKey === undefined) throw new Error(`unknown channel_code "${tx.channelCode}"`);
    const status = this.reference.statuses.get(outcome.statusCode);
    if (!status) throw new Error(`unknown status_code "${outcome.statusCode}"`);
    const row: HistoryRow = {
      transactionId: tx.transactionId,
      clientId: tx.clientId,
      counterpartyClientId: tx.counterpartyClientId || null,
      counterparty: tx.counterpartyClientId || tx.counterpartyRef || null,
      deviceRef: tx.deviceRef || null,
      serviceKey: service.serviceKey,
      channelKey,
      atMicros: epochMicros(tx.transactionAt),
      cents: amountCents(tx.amount),
      balanceCents: balanceCents(outcome.balanceAfter),
      isFailed: status.isFailed,
      isSuccess: status.isSuccess,
      isCredit: service.isCredit,
    };
    addRows(this.#own, row.clientId, [row]);
    if (row.counterpartyClientId) addRows(this.#received, row.counterpartyClientId, [row]);
  }

  /** Forgets what no transaction at or after `atMicros` can see; returns the rows dropped. */
  evictBefore(atMicros: number): number {
    return evict(this.#own, atMicros - ONLINE_HISTORY_US) + evict(this.#received, atMicros - DAY_US);
  }

  /** Rows held, for monitoring. */
  get rowCount(): number {
    let n = 0;
    for (const rows of [...this.#own.values(), ...this.#received.values()]) n += rows.length;
    return n;
  }

  async #versions(clientId: string): Promise<ProfileVersion[]> {
    let versions = this.#profiles.get(clientId);
    if (!versions) {
      versions = await loadProfileVersions(this.#wh, clientId);
      if (versions.length === 0) throw new Error(`client ${clientId} is not in dim_client`);
      this.#profiles.set(clientId, versions);
    }
    return versions;
  }

  async #rows(
    rowsById: Map<string, HistoryRow[]>,
    loaded: Set<string>,
    role: "client" | "counterparty",
    id: string,
    at: number,
  ): Promise<HistoryRow[]> {
    if (!loaded.has(id)) {
      const span = role === "client" ? ONLINE_HISTORY_US : DAY_US;
      addRows(rowsById, id, await loadHistory(this.#wh, role, id, at, span));
      loaded.add(id);
    }
    return rowsById.get(id) ?? [];
  }
}

function addRows(rowsById: Map<string, HistoryRow[]>, id: string, rows: readonly HistoryRow[]): void {
  const list = rowsById.get(id) ?? [];
  const known = new Set(list.map((r) => r.transactionId));
  for (const row of rows) if (!known.has(row.transactionId)) list.push(row);
  rowsById.set(id, list);
}

function evict(rowsById: Map<string, HistoryRow[]>, before: number): number {
  let dropped = 0;
  for (const [id, rows] of rowsById) {
    const kept = rows.filter((r) => r.atMicros >= before);
    dropped += rows.length - kept.length;
    if (kept.length) rowsById.set(id, kept);
    else rowsById.delete(id);
  }
  return dropped;
}

function balanceCents(balance: string | number | null | undefined): number | null {
  if (balance === null || balance === undefined || balance === "") return null;
  const value = Math.round(Number(balance) * 100);
  if (!Number.isSafeInteger(value)) throw new Error(`balance_after "${balance}" is not an amount`);
  return value;
}
