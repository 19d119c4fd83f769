CREATE TABLE IF NOT EXISTS dwh.dim_service (
  -- keys
  service_key           SMALLINT     NOT NULL PRIMARY KEY,
  service_code          VARCHAR      NOT NULL UNIQUE,
  -- names
  service_name_fr       VARCHAR      NOT NULL,
  service_name_en       VARCHAR      NOT NULL,
  category              VARCHAR      NOT NULL,
  -- money movement
  balance_effect        VARCHAR      NOT NULL CHECK (balance_effect IN ('debit', 'credit')),
  has_client_counterparty BOOLEAN    NOT NULL,
  max_amount            DECIMAL(18, 2) NOT NULL CHECK (max_amount > 0),
  -- fees
  fee_model             VARCHAR      NOT NULL CHECK (fee_model IN ('free', 'flat', 'percent', 'percent_capped')),
  fee_rate_pct          DECIMAL(6, 3)  NOT NULL CHECK (fee_rate_pct >= 0),
  fee_flat              DECIMAL(18, 2) NOT NULL CHECK (fee_flat >= 0),
  fee_min               DECIMAL(18, 2) NOT NULL CHECK (fee_min >= 0),
  fee_max               DECIMAL(18, 2),
  fee_payer             VARCHAR      NOT NULL CHECK (fee_payer IN ('client', 'counterparty', 'none')),
  -- risk
  risk_level            VARCHAR      NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
  risk_score            SMALLINT     NOT NULL CHECK (risk_score BETWEEN 1 AND 5)
);
