-- Monthly KPIs of the whole book, read from the daily client summary (never from the transaction fact).
CREATE OR REPLACE VIEW dwh.v_kpi_overview AS
WITH daily AS (
  SELECT d.calendar_year, d.calendar_month, d.year_month, s.*
    FROM dwh.fact_daily_client_summary AS s
    JOIN dwh.dim_date AS d ON d.date_key = s.date_key
),
monthly AS (
  SELECT
    calendar_year,
    calendar_month,
    year_month,
    -- clients
    COUNT(DISTINCT client_id)                       AS active_clients,
    -- counts
    SUM(tx_count)                                   AS transactions,
    SUM(success_count)                              AS successful_transactions,
    SUM(failed_count)                               AS failed_transactions,
    SUM(reversed_count)                             AS reversed_transactions,
    SUM(fraud_count)                                AS fraud_transactions,
    -- amounts
    SUM(amount_success)                             AS successful_amount,
    SUM(fee_total)                                  AS total_fees,
    SUM(fraud_amount)                               AS fraud_amount
  FROM daily
  GROUP BY calendar_year, calendar_month, year_month
),
final AS (
  SELECT
    monthly.*,
    dwh.safe_ratio(successful_transactions, transactions)               AS success_rate,
    dwh.safe_ratio(fraud_transactions, transactions)                    AS fraud_rate,
    CAST(dwh.safe_ratio(successful_amount, successful_transactions) AS DECIMAL(18, 2)) AS average_ticket,
    dwh.safe_ratio(total_fees, successful_amount)                       AS fee_yield
  FROM monthly
)
SELECT * FROM final;
