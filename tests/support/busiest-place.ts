import type { Warehouse } from "../../src/warehouse/warehouse.ts";

export interface Place {
  readonly country_code: string;
  readonly region_name: string;
  readonly client_type: string;
}

/** The (country, region, client type) with the most client-days in the daily summary: filters that match much. */
export async function busiestPlace(wh: Warehouse): Promise<Place | undefined> {
  const [place] = await wh.query<Place>(
    `SELECT g.country_code, g.region_name, c.client_type FROM dwh.fact_daily_client_summary AS s
       JOIN dwh.dim_client AS c ON c.client_key = s.client_key
       JOIN dwh.dim_geography AS g ON g.geography_key = s.geography_key
      GROUP BY 1, 2, 3 ORDER BY COUNT(*) DESC LIMIT 1`,
  );
  return place;
}
