import type { Warehouse } from "../../warehouse/warehouse.ts";
import { addDays, dateKey } from "../features/split.ts";

export const RFM_TABLE = "dwh_stage.rfm_clients";

/** RFM columns of the clients active in the window, as typed arrays in client_id order. */
export interface RfmData {
  readonly rows: number;
  readonly clientIds: string[];
  readonly clientKeys: Float64Array;
  readonly recencyDays: Float64Array;
  readonly frequency: Float64Array;
  /** Exact decimal text, as the warehouse holds it. */
  readonly monetaryText: string[];
  readonly monetary: Float64Array;
  readonly rScores: Uint8Array;
  readonly fScores: Uint8Array;
  readonly mScores: Uint8Array;
}

/** The last day of the daily summary, `YYYY-MM-DD`; an error naming the next step when it is empty. */
export async function lastSummaryDay(wh: Warehouse): Promise<string> {
  const [row] = await wh.query<{ last: number | null }>(
    "SELECT MAX(date_key) AS last FROM dwh.fact_daily_client_summary",
  );
  if (row?.last == null)
    throw new Error("dwh.fact_daily_client_summary is empty: load transactions with `momo etl run` first");
  const text = String(row.last);
  return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
}

/**
 * Stages recency, frequency and monetary value of every client with a successful transaction in the
 * `windowDays` days up to `asOf` (both included), read from the daily summary, with quintile scores
 * (5 = best; ties broken on client_id so both engines agree) and the client version valid at the day's end.
 */
export async function stageRfm(wh: Warehouse, asOf: string, windowDays: number): Promise<number> {
  const asOfKey = dateKey(asOf);
  const fromKey = dateKey(addDays(asOf, -windowDays));
  const dayEnd = `CAST(CAST('${addDays(asOf, 1)}' AS DATE) AS TIMESTAMP)`;
  await wh.exec(`DROP TABLE IF EXISTS ${RFM_TABLE}`);
  await wh.exec(`
CREATE TABLE ${RFM_TABLE} AS
WITH activity AS (
  SELECT s.client_id,
         MAX(s.date_key)       AS last_date_key,
         SUM(s.success_count)  AS frequency,
         SUM(s.amount_success) AS monetary
    FROM dwh.fact_daily_client_summary AS s
   WHERE s.date_key > ${fromKey} AND s.date_key <= ${asOfKey} AND s.success_count > 0
   GROUP BY s.client_id
),
measured AS (
  SELECT activity.*,
         dwh.days_between(dwh.key_to_date(activity.last_date_key), CAST('${asOf}' AS DATE)) AS recency_days
    FROM activity
),
final AS (
  SELECT m.client_id, c.client_key, m.recency_days, m.frequency, m.monetary,
         NTILE(5) OVER (ORDER BY m.recency_days DESC, m.client_id) AS r_score,
         NTILE(5) OVER (ORDER BY m.frequency, m.client_id)         AS f_score,
         NTILE(5) OVER (ORDER BY m.monetary, m.client_id)          AS m_score
    FROM measured AS m
    JOIN dwh.dim_client AS c
      ON c.client_id = m.client_id AND c.valid_from < ${dayEnd} AND c.valid_to >= ${dayEnd}
)
SELECT * FROM final`);
  const [row] = await wh.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${RFM_TABLE}`);
  return Number(row?.n ?? 0);
}

const PAGE_ROWS = 100_000;

/** Reads the staged RFM rows page by page (keyset on client_id) into typed arrays. */
export async function readRfm(wh: Warehouse, rows: number): Promise<RfmData> {
  const data: RfmData = {
    rows,
    clientIds: [],
    clientKeys: new Float64Array(rows),
    recencyDays: new Float64Array(rows),
    frequency: new Float64Array(rows),
    monetaryText: [],
    monetary: new Float64Array(rows),
    rScores: new Uint8Array(rows),
    fScores: new Uint8Array(rows),
    mScores: new Uint8Array(rows),
  };
  let after = "";
  for (let at = 0; at < rows; ) {
    const page = await wh.query<{
      client_id: string;
      client_key: number;
      recency_days: number;
      frequency: number | string;
      monetary: string;
      r_score: number;
      f_score: number;
      m_score: number;
    }>(
      `SELECT client_id, client_key, recency_days, CAST(frequency AS BIGINT) AS frequency, monetary,
              r_score, f_score, m_score
         FROM ${RFM_TABLE} WHERE client_id > $1 ORDER BY client_id LIMIT ${PAGE_ROWS}`,
      [after],
    );
    if (page.length === 0) throw new Error(`${RFM_TABLE} holds fewer rows than the ${rows} counted`);
    for (const r of page) {
      data.clientIds.push(r.client_id);
      data.clientKeys[at] = Number(r.client_key);
      data.recencyDays[at] = Number(r.recency_days);
      data.frequency[at] = Number(r.frequency);
      data.monetaryText.push(String(r.monetary));
      data.monetary[at] = Number(r.monetary);
      data.rScores[at] = Number(r.r_score);
      data.fScores[at] = Number(r.f_score);
      data.mScores[at] = Number(r.m_score);
      at++;
    }
    after = page.at(-1)?.client_id as string;
  }
  return data;
}
