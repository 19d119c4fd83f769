import type { Warehouse } from "./warehouse.ts";

/** Labels of the clients segmented on one of the two dates only. */
export const NEW_CLIENTS = "(new)";
export const GONE_CLIENTS = "(gone)";

/**
 * Rebuilds dwh.agg_segment_summary for `asOf` and dwh.agg_segment_migration for the two latest as-of dates
 * from dwh.client_segments; region and client type are those of the segmented client version.
 */
export async function refreshSegmentAggregates(tx: Warehouse, asOf: string): Promise<void> {
  await tx.query("DELETE FROM dwh.agg_segment_summary WHERE as_of_date = CAST($1 AS DATE)", [asOf]);
  await tx.query(
    `INSERT INTO dwh.agg_segment_summary (as_of_date, segment_id, segment_name, model_version, country_code,
            region_name, client_type, clients, monetary, frequency_total, recency_total)
     SELECT cs.as_of_date, cs.segment_id, cs.segment_name, MAX(cs.model_version), g.country_code, g.region_name,
            c.client_type, COUNT(*), SUM(cs.monetary), SUM(cs.frequency), SUM(cs.recency_days)
       FROM dwh.client_segments AS cs
       JOIN dwh.dim_client AS c ON c.client_key = cs.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
      WHERE cs.as_of_date = CAST($1 AS DATE)
      GROUP BY cs.as_of_date, cs.segment_id, cs.segment_name, g.country_code, g.region_name, c.client_type`,
    [asOf],
  );
  await tx.exec("DELETE FROM dwh.agg_segment_migration");
  const dates = await tx.query<{ as_of_date: string }>(
    "SELECT DISTINCT CAST(as_of_date AS VARCHAR) AS as_of_date FROM dwh.client_segments ORDER BY 1 DESC LIMIT 2",
  );
  const [to, from] = dates.map((d) => String(d.as_of_date).slice(0, 10));
  if (to !== undefined && from !== undefined) {
    await tx.query(
      `INSERT INTO dwh.agg_segment_migration (from_date, to_date, from_segment, to_segment, country_code,
              region_name, client_type, clients)
       SELECT CAST($1 AS DATE), CAST($2 AS DATE), COALESCE(a.segment_name, '${NEW_CLIENTS}'),
              COALESCE(b.segment_name, '${GONE_CLIENTS}'), g.country_code, g.region_name, c.client_type, COUNT(*)
         FROM (SELECT * FROM dwh.client_segments WHERE as_of_date = CAST($1 AS DATE)) AS a
         FULL OUTER JOIN (SELECT * FROM dwh.client_segments WHERE as_of_date = CAST($2 AS DATE)) AS b
           ON b.client_id = a.client_id
         JOIN dwh.dim_client AS c ON c.client_key = COALESCE(b.client_key, a.client_key)
         JOIN dwh.dim_geography AS g ON g.geography_key = c.geography_key
        GROUP BY 3, 4, g.country_code, g.region_name, c.client_type`,
      [from, to],
    );
  }
  if (tx.engine === "postgres")
    await tx.exec("ANALYZE dwh.agg_segment_summary; ANALYZE dwh.agg_segment_migration");
}

/** Builds the segment aggregates of a warehouse segmented before they existed; false when nothing to do. */
export async function backfillSegmentAggregates(tx: Warehouse): Promise<boolean> {
  const missing = await tx.query<{ as_of_date: string }>(
    `SELECT DISTINCT CAST(as_of_date AS VARCHAR) AS as_of_date FROM dwh.client_segments
      WHERE as_of_date NOT IN (SELECT as_of_date FROM dwh.agg_segment_summary) ORDER BY 1`,
  );
  for (const { as_of_date } of missing) await refreshSegmentAggregates(tx, String(as_of_date).slice(0, 10));
  return missing.length > 0;
}
