import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Filters, resolveFilters } from "../../src/serve/filters.ts";
import {
  facetRanking,
  TOP_CLIENT_ORDERS,
  type TopClientOrder,
  topClients,
} from "../../src/serve/queries/top-clients.ts";
import { loadReference, type Reference } from "../../src/serve/reference.ts";
import { FACET_LEADERS, refreshServingAggregates } from "../../src/warehouse/serving-aggregates.ts";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { busiestPlace } from "../support/busiest-place.ts";
import { ENGINES_UNDER_TEST } from "../support/engines.ts";
import { type TinyWarehouse, tinyInput, tinyWarehouse } from "./fixtures.ts";

const MEASURE = { value: "amount_success", transactions: "tx_count", fees: "fee_total" } as const;

/** The ranking the slow way: every client's sums over the period from the daily summary. */
async function bruteForce(wh: Warehouse, filters: Filters, order: keyof typeof MEASURE, limit: number) {
  const where = [
    `s.date_key BETWEEN ${filters.from.replaceAll("-", "")} AND ${filters.to.replaceAll("-", "")}`,
  ];
  if (filters.country) where.push(`g.country_code = '${filters.country}'`);
  if (filters.region) where.push(`g.region_name = '${filters.region}'`);
  if (filters.clientType) where.push(`c.client_type = '${filters.clientType}'`);
  if (filters.segment)
    where.push(`s.client_id IN (SELECT client_id FROM dwh.client_segments
                 WHERE as_of_date = DATE '${filters.segmentAsOf}' AND segment_name = '${filters.segment}')`);
  const rows = await wh.query<{ client_id: string; measure: string | number }>(
    `SELECT s.client_id, SUM(s.${MEASURE[order]}) AS measure FROM dwh.fact_daily_client_summary AS s
       JOIN dwh.dim_client AS c ON c.client_key = s.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
      WHERE ${where.join(" AND ")}
      GROUP BY s.client_id ORDER BY measure DESC, s.client_id LIMIT ${limit}`,
  );
  return rows.map((r) => ({ clientId: r.client_id, measure: Number(r.measure) }));
}

let input: Awaited<ReturnType<typeof tinyInput>>;
beforeAll(async () => {
  input = await tinyInput();
});
afterAll(() => input?.cleanup());

for (const engine of ENGINES_UNDER_TEST) {
  describe(`top clients on ${engine}`, () => {
    let tiny: TinyWarehouse;
    let wh: Warehouse;
    let reference: Reference;
    beforeAll(async () => {
      tiny = await tinyWarehouse(engine, input.input, true);
      wh = await tiny.db.open();
      reference = await loadReference(wh);
    });
    afterAll(async () => {
      await wh?.close();
      await tiny?.db.drop();
    });

    it("ranks as a sum over every client would, whether it stops in the first round or after several", async () => {
      const busiest = await busiestPlace(wh);
      const cases = [
        {},
        { from: "2024-01-01", to: "2025-12-31" },
        { from: "2025-02-10", to: "2025-05-20", country: busiest?.country_code },
        { country: busiest?.country_code, region: busiest?.region_name, clientType: busiest?.client_type },
        { segment: "Champions" },
      ];
      let compared = 0;
      for (const params of cases) {
        const filters = resolveFilters(params, reference);
        for (const order of TOP_CLIENT_ORDERS) {
          // The last number: the leading rows per month and order (DuckDB), few enough that rounds read past them.
          for (const [limit, firstRoundRows, leadingRows] of [
            [12, undefined, undefined],
            [12, 1, undefined],
            [30, 2, undefined],
            [12, 1, 3],
            [30, 2, 20],
          ] as const) {
            const label = `${JSON.stringify(params)} by ${order}, ${limit} from ${firstRoundRows ?? "default"} rows, leading ${leadingRows ?? "default"}`;
            const expected = await bruteForce(wh, filters, order, limit);
            const ranked = await topClients(
              wh,
              filters,
              order,
              limit,
              reference,
              firstRoundRows,
              leadingRows,
            );
            const measure = (c: (typeof ranked)[number]) =>
              Number(order === "transactions" ? c.transactions : c[order]);
            expect(
              ranked.map((c) => ({ clientId: c.clientId, measure: measure(c) })),
              label,
            ).toEqual(expected);
            compared += expected.length;
          }
        }
      }
      expect(compared).toBeGreaterThan(500);
    });

    it("describes each ranked client by its current version, whichever way it was ranked", async () => {
      const changed = await wh.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM dwh.dim_client WHERE NOT is_current",
      );
      expect(Number(changed[0]?.n)).toBeGreaterThan(0);
      let described = 0;
      for (const params of [{}, { from: "2024-01-01", to: "2025-12-31" }, { service: "MERCHANT_PAYMENT" }]) {
        const ranked = await topClients(wh, resolveFilters(params, reference), "value", 40, reference);
        expect(ranked.length, JSON.stringify(params)).toBe(40);
        const current = await wh.query<Record<string, string>>(
          `SELECT c.client_id, c.client_name, c.client_type, c.tier, g.country_code, g.region_name
             FROM dwh.dim_client AS c JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
            WHERE c.is_current AND c.client_id IN (${ranked.map((r) => `'${r.clientId}'`).join(", ")})`,
        );
        const byId = new Map(current.map((c) => [c.client_id, c]));
        for (const r of ranked) {
          const c = byId.get(r.clientId);
          expect([r.clientName, r.clientType, r.tier, r.country, r.region], r.clientId).toEqual([
            c?.client_name,
            c?.client_type,
            c?.tier,
            c?.country_code,
            c?.region_name,
          ]);
          described++;
        }
      }
      expect(described).toBe(120);
    });

    it("keeps each month's leaders per channel and service with their rank among every client, up to the number kept", async () => {
      // 3 kept: ties at the last rank are common (by transactions above all), and DuckDB ranks only the clients at or
      // above each order's third total.
      for (const kept of [3, FACET_LEADERS]) {
        await wh.transaction((tx) => refreshServingAggregates(tx, { all: true, facetLeaders: kept }));
        for (const order of TOP_CLIENT_ORDERS) {
          const measure = { value: "value", transactions: "transactions", fees: "fees" }[order];
          const expected = await wh.query<Record<string, string | number>>(
            `WITH per_client AS (
               SELECT FLOOR(t.date_key / 100) AS month_key, t.client_id, t.channel_key, t.service_key, COUNT(*) AS transactions,
                      SUM(CASE WHEN st.status_group = 'success' THEN t.amount ELSE 0 END) AS value,
                      SUM(CASE WHEN st.status_group = 'success' THEN t.fee ELSE 0 END) AS fees
                 FROM dwh.fact_transactions AS t JOIN dwh.dim_transaction_status AS st ON st.status_key = t.status_key
                GROUP BY 1, 2, 3, 4),
             facets AS (
               SELECT month_key, client_id, channel_key, 0 AS service_key, SUM(transactions) AS transactions,
                      SUM(value) AS value, SUM(fees) AS fees FROM per_client GROUP BY 1, 2, 3
               UNION ALL
               SELECT month_key, client_id, 0, service_key, SUM(transactions), SUM(value), SUM(fees)
                 FROM per_client GROUP BY 1, 2, 4),
             ranked AS (
               SELECT month_key, channel_key, service_key, client_id, ${measure} AS total,
                      ROW_NUMBER() OVER (PARTITION BY month_key, channel_key, service_key
                                         ORDER BY ${measure} DESC, client_id) AS r
                 FROM facets)
             SELECT CAST(month_key AS INTEGER) AS m, channel_key AS ch, service_key AS sv, client_id, total, r
               FROM ranked WHERE r <= ${kept} ORDER BY 1, 2, 3, 6`,
          );
          const stored = await wh.query<Record<string, string | number>>(
            `SELECT month_key AS m, channel_key AS ch, service_key AS sv, client_id, ${measure} AS total,
                    ${order}_rank AS r
               FROM dwh.agg_facet_leaders WHERE ${order}_rank <= ${kept} ORDER BY 1, 2, 3, 6`,
          );
          const rows = (list: Record<string, string | number>[]) =>
            list.map((r) => [r.m, r.ch, r.sv, r.client_id, Number(r.total), r.r].map(String).join(" "));
          expect(rows(stored), `${order}, ${kept} kept`).toEqual(rows(expected));
          expect(expected.length).toBeGreaterThan(kept * 24);
        }
        const [leaders] = await wh.query<{ n: number; over: number }>(
          `SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE value_rank > ${kept} AND transactions_rank > ${kept}
                                                  AND fees_rank > ${kept}) AS over
             FROM dwh.agg_facet_leaders`,
        );
        expect(Number(leaders?.over), `${kept} kept`).toBe(0);
        expect(Number(leaders?.n)).toBeGreaterThan(0);
      }
    });

    it("ranks under service and channel filters as a sum of the transactions over every client would", async () => {
      const measures: Record<TopClientOrder, string> = {
        value: "SUM(CASE WHEN st.status_group = 'success' THEN t.amount ELSE 0 END)",
        transactions: "COUNT(*)",
        fees: "SUM(CASE WHEN st.status_group = 'success' THEN t.fee ELSE 0 END)",
      };
      /** The ranking the slow way: every client's sums of the transactions over the period. */
      const transactionRanking = (
        filters: Filters,
        params: { service?: string; channel?: string; country?: string },
        order: TopClientOrder,
        limit: number,
      ) =>
        wh.query<{ client_id: string; measure: string | number }>(
          `SELECT t.client_id, ${measures[order]} AS measure FROM dwh.fact_transactions AS t
             JOIN dwh.dim_transaction_status AS st ON st.status_key = t.status_key
             JOIN dwh.dim_service AS sv ON sv.service_key = t.service_key
             JOIN dwh.dim_channel AS ch ON ch.channel_key = t.channel_key
             JOIN dwh.dim_geography AS g ON g.geography_key = t.geography_key
            WHERE t.date_key BETWEEN ${filters.from.replaceAll("-", "")} AND ${filters.to.replaceAll("-", "")}
              AND sv.service_code = COALESCE($1, sv.service_code) AND ch.channel_code = COALESCE($2, ch.channel_code)
              AND g.country_code = COALESCE($3, g.country_code)
            GROUP BY t.client_id ORDER BY 2 DESC, t.client_id LIMIT ${limit}`,
          [params.service ?? null, params.channel ?? null, params.country ?? null],
        );
      const busiest = await busiestPlace(wh);
      const cases = [
        { service: "MERCHANT_PAYMENT" },
        { channel: "USSD", from: "2024-01-01", to: "2025-12-31" },
        { service: "AGENT_CASH_OUT", channel: "AGENT_POS", from: "2025-02-10", to: "2025-05-20" },
        { channel: "AGENT_POS", from: "2025-02-10", to: "2025-05-20" },
        { service: "MERCHANT_PAYMENT", country: busiest?.country_code, from: "2024-03-15", to: "2024-09-30" },
      ];
      let compared = 0;
      // Each month's leading clients of a channel or service: all of them at the default 1,000, then 3 (the ETL
      // rebuilt with fewer), so that the ranking bounds the clients left out and reads its candidates in batches.
      // Rankings decided from the leaders, per number kept.
      const decided = new Map<number, number>();
      for (const [kept, firstBatch] of [
        [FACET_LEADERS, 64],
        [3, 1],
        [3, 4],
      ] as const) {
        if (kept !== FACET_LEADERS)
          await wh.transaction((tx) => refreshServingAggregates(tx, { all: true, facetLeaders: kept }));
        for (const params of cases) {
          const filters = resolveFilters(params, reference);
          for (const order of TOP_CLIENT_ORDERS)
            for (const limit of [1, 12]) {
              const expected = await transactionRanking(filters, params, order, limit);
              const ranked = await facetRanking(wh, filters, order, limit, firstBatch, kept);
              if (ranked === null) continue;
              decided.set(kept, (decided.get(kept) ?? 0) + 1);
              expect(
                ranked.map((r) => [String(r.client_id), Number(r[order])]),
                `${JSON.stringify(params)} by ${order}, ${limit}, ${kept} leaders, batches from ${firstBatch}`,
              ).toEqual(expected.map((r) => [r.client_id, Number(r.measure)]));
            }
        }
      }
      // All of them when every client leads (but under a channel and a service at once); with 3 leaders, those whose
      // last is above the bound of the clients left out.
      expect(decided.get(FACET_LEADERS)).toBe(4 * TOP_CLIENT_ORDERS.length * 2);
      expect(decided.get(3)).toBeGreaterThanOrEqual(8);
      await wh.transaction((tx) => refreshServingAggregates(tx, { all: true }));
      for (const params of cases) {
        const filters = resolveFilters(params, reference);
        for (const order of TOP_CLIENT_ORDERS) {
          for (const limit of [1, 12, 40]) {
            const label = `${JSON.stringify(params)} by ${order}, ${limit}`;
            const expected = await transactionRanking(filters, params, order, limit);
            const ranked = await topClients(wh, filters, order, limit, reference);
            expect(
              ranked.map((c) => [c.clientId, Number(order === "transactions" ? c.transactions : c[order])]),
              label,
            ).toEqual(expected.map((r) => [r.client_id, Number(r.measure)]));
            compared += expected.length;
          }
        }
      }
      expect(compared).toBeGreaterThan(100);
    });

    it("counts, under a client type, only the client's versions of that type when the client changed type", async () => {
      // The generator never changes a client's type: one client's earlier version is given another type here.
      const [moved] = await wh.query<{ client_id: string; client_key: number; client_type: string }>(
        `SELECT s.client_id, MIN(s.client_key) AS client_key, MIN(c.client_type) AS client_type
           FROM dwh.fact_daily_client_summary AS s JOIN dwh.dim_client AS c ON c.client_key = s.client_key
          GROUP BY s.client_id HAVING COUNT(DISTINCT s.client_key) > 1
          ORDER BY SUM(s.amount_success) DESC, s.client_id LIMIT 1`,
      );
      if (!moved) throw new Error("no client with facts on two versions");
      const other = reference.clientTypes.find((t) => t !== moved.client_type) as string;
      const retype = async (type: string) => {
        await wh.exec(
          `UPDATE dwh.dim_client SET client_type = '${type}' WHERE client_key = ${Number(moved.client_key)}`,
        );
        await wh.transaction((tx) => refreshServingAggregates(tx, { all: true }));
        // A fresh connection: the server's version tables are rebuilt per ETL batch, and none ran.
        await wh.close();
        wh = await tiny.db.open();
      };
      await retype(other);
      try {
        let found = 0;
        for (const clientType of [moved.client_type, other])
          for (const params of [{ clientType, from: "2024-01-01", to: "2025-12-31" }, { clientType }]) {
            const filters = resolveFilters(params, reference);
            for (const order of TOP_CLIENT_ORDERS) {
              const expected = await bruteForce(wh, filters, order, 30);
              const ranked = await topClients(wh, filters, order, 30, reference);
              const measure = (c: (typeof ranked)[number]) =>
                Number(order === "transactions" ? c.transactions : c[order]);
              expect(
                ranked.map((c) => ({ clientId: c.clientId, measure: measure(c) })),
                `${JSON.stringify(params)} by ${order}`,
              ).toEqual(expected);
              if (expected.some((r) => r.clientId === moved.client_id)) found++;
            }
          }
        // The client ranks under both of its types, with the totals of each type's versions.
        expect(found).toBeGreaterThanOrEqual(2);
      } finally {
        await retype(moved.client_type);
      }
    });
  });
}
