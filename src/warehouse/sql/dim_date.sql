CREATE TABLE IF NOT EXISTS dwh.dim_date (
  -- keys
  date_key              INTEGER      NOT NULL PRIMARY KEY,
  full_date             DATE         NOT NULL UNIQUE,
  -- day
  day_of_month          SMALLINT     NOT NULL CHECK (day_of_month BETWEEN 1 AND 31),
  day_of_week           SMALLINT     NOT NULL CHECK (day_of_week BETWEEN 1 AND 7),
  day_of_year           SMALLINT     NOT NULL CHECK (day_of_year BETWEEN 1 AND 366),
  day_name_fr           VARCHAR      NOT NULL,
  day_name_en           VARCHAR      NOT NULL,
  -- week, month, quarter, year
  iso_week              SMALLINT     NOT NULL CHECK (iso_week BETWEEN 1 AND 53),
  iso_year              SMALLINT     NOT NULL,
  calendar_month        SMALLINT     NOT NULL CHECK (calendar_month BETWEEN 1 AND 12),
  month_name_fr         VARCHAR      NOT NULL,
  month_name_en         VARCHAR      NOT NULL,
  calendar_quarter      SMALLINT     NOT NULL CHECK (calendar_quarter BETWEEN 1 AND 4),
  calendar_year         SMALLINT     NOT NULL,
  year_month            VARCHAR(7)   NOT NULL,
  year_quarter          VARCHAR(7)   NOT NULL,
  -- flags
  is_weekend            BOOLEAN      NOT NULL,
  is_month_start        BOOLEAN      NOT NULL,
  is_month_end          BOOLEAN      NOT NULL,
  days_to_month_end     SMALLINT     NOT NULL CHECK (days_to_month_end BETWEEN 0 AND 30),
  is_payday_window      BOOLEAN      NOT NULL,
  -- public holidays of the operator's markets
  is_public_holiday     BOOLEAN      NOT NULL,
  holiday_country_codes VARCHAR,
  holiday_names         VARCHAR
);
