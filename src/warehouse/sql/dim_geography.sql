CREATE TABLE IF NOT EXISTS dwh.dim_geography (
  -- keys
  geography_key         INTEGER      NOT NULL PRIMARY KEY,
  geo_code              VARCHAR      NOT NULL UNIQUE,
  -- hierarchy: country → region → department → locality
  country_code          VARCHAR(2)   NOT NULL,
  country_name          VARCHAR      NOT NULL,
  currency_code         VARCHAR(3)   NOT NULL,
  region_name           VARCHAR      NOT NULL,
  department_name       VARCHAR      NOT NULL,
  locality_name         VARCHAR      NOT NULL,
  locality_type         VARCHAR      NOT NULL
                        CHECK (locality_type IN ('capital', 'regional_capital', 'department_seat', 'commune', 'town')),
  -- position and size
  latitude              DECIMAL(9, 6)  NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude             DECIMAL(9, 6)  NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  population            INTEGER      NOT NULL CHECK (population > 0)
);
