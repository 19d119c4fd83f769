CREATE TABLE IF NOT EXISTS dwh.dim_time (
  -- keys
  time_key              SMALLINT     NOT NULL PRIMARY KEY,
  minute_of_day         SMALLINT     NOT NULL UNIQUE CHECK (minute_of_day BETWEEN 0 AND 1439),
  -- parts
  hour_of_day           SMALLINT     NOT NULL CHECK (hour_of_day BETWEEN 0 AND 23),
  minute_of_hour        SMALLINT     NOT NULL CHECK (minute_of_hour BETWEEN 0 AND 59),
  time_label            VARCHAR(5)   NOT NULL,
  hour_label            VARCHAR(7)   NOT NULL,
  -- periods
  period_of_day         VARCHAR      NOT NULL CHECK (period_of_day IN ('night', 'morning', 'afternoon', 'evening')),
  period_of_day_fr      VARCHAR      NOT NULL,
  is_business_hours     BOOLEAN      NOT NULL,
  is_night              BOOLEAN      NOT NULL
);
