import type { Warehouse } from "../warehouse/warehouse.ts";

export interface CachedResponse {
  readonly body: string;
  readonly contentType: string;
}

export interface CacheOptions {
  readonly maxEntries?: number;
  /** Longest life of an answer, which bounds how stale it may get while ML outputs are being written. */
  readonly ttlMs?: number;
  /** How often the data version is read again. */
  readonly versionCheckMs?: number;
}

/**
 * Answers of the dashboard endpoints, kept until the warehouse changes: a new ETL batch or model in the
 * registry clears them all (checked every few seconds), and none outlives `ttlMs`.
 */
export class ResponseCache {
  readonly #wh: Warehouse;
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #versionCheckMs: number;
  readonly #entries = new Map<string, CachedResponse & { storedAt: number }>();
  readonly #onChange: () => void;
  #version: string | undefined;
  #checkedAt = 0;
  #checking: Promise<void> | undefined;

  constructor(wh: Warehouse, onChange: () => void, options: CacheOptions = {}) {
    this.#wh = wh;
    this.#onChange = onChange;
    this.#maxEntries = options.maxEntries ?? 500;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#versionCheckMs = options.versionCheckMs ?? 5_000;
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    await this.#checkVersion();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.storedAt > this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // Refresh its place: the map's order is the least recently used first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, response: CachedResponse): void {
    this.#entries.set(key, { ...response, storedAt: Date.now() });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #checkVersion(): Promise<void> {
    if (Date.now() - this.#checkedAt < this.#versionCheckMs) return Promise.resolve();
    this.#checking ??= this.#readVersion().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #readVersion(): Promise<void> {
    const [row] = await this.#wh.query<Record<string, unknown>>(
      `SELECT (SELECT COUNT(*) FROM dwh_audit.etl_batches) AS batches,
              (SELECT MAX(batch_id) FROM dwh_audit.etl_batches) AS last_batch,
              (SELECT COUNT(*) FROM dwh.ml_models) AS models,
              (SELECT MAX(created_at) FROM dwh.ml_models) AS last_model,
              (SELECT COUNT(*) FROM dwh.ml_models WHERE is_active) AS active_models`,
    );
    this.#checkedAt = Date.now();
    const version = JSON.stringify(row);
    if (this.#version !== undefined && version !== this.#version) {
      this.#entries.clear();
      this.#onChange();
    }
    this.#version = version;
  }
}
