import { describe, expect, it } from "vitest";
import { ResponseCache } from "../../src/serve/cache.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";

/** A warehouse that only answers the data-version query, with a version the test sets. */
function versionedWarehouse() {
  const state = { batches: 1, reads: 0 };
  const wh = {
    query: async () => {
      state.reads++;
      return [
        { batches: state.batches, last_batch: state.batches, models: 0, last_model: null, active_models: 0 },
      ];
    },
  } as unknown as Warehouse;
  return { wh, state };
}

const answer = (body: string) => ({ body, contentType: "application/json; charset=utf-8" });

describe("the response cache", () => {
  it("answers from memory until a new batch is loaded, then forgets everything and says so", async () => {
    const { wh, state } = versionedWarehouse();
    let changes = 0;
    const cache = new ResponseCache(wh, () => changes++, { versionCheckMs: 0 });
    expect(await cache.get("/api/kpi/overview")).toBeUndefined();
    cache.set("/api/kpi/overview", answer('{"n":1}'));
    expect(await cache.get("/api/kpi/overview")).toMatchObject(answer('{"n":1}'));
    state.batches = 2;
    expect(await cache.get("/api/kpi/overview")).toBeUndefined();
    expect(changes).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("reads the version at most once per interval", async () => {
    const { wh, state } = versionedWarehouse();
    const cache = new ResponseCache(wh, () => {}, { versionCheckMs: 60_000 });
    cache.set("/a", answer("1"));
    await Promise.all([cache.get("/a"), cache.get("/a"), cache.get("/b")]);
    await cache.get("/a");
    expect(state.reads).toBe(1);
  });

  it("keeps the most recently used answers when full", async () => {
    const { wh } = versionedWarehouse();
    const cache = new ResponseCache(wh, () => {}, { maxEntries: 2 });
    cache.set("/a", answer("a"));
    cache.set("/b", answer("b"));
    await cache.get("/a");
    cache.set("/c", answer("c"));
    expect(await cache.get("/b")).toBeUndefined();
    expect((await cache.get("/a"))?.body).toBe("a");
    expect((await cache.get("/c"))?.body).toBe("c");
  });

  it("drops answers older than their time to live", async () => {
    const { wh } = versionedWarehouse();
    const cache = new ResponseCache(wh, () => {}, { ttlMs: -1 });
    cache.set("/a", answer("a"));
    expect(await cache.get("/a")).toBeUndefined();
  });
});
