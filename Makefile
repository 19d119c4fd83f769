# momo-dwh: shortcuts over the momo CLI, npm and Docker Compose. `make help` lists them.
# ENGINE=duckdb|postgres picks the warehouse of status, db-info, docs and export; BENCH names the benchmark.

MOMO    := node bin/momo.js
ENGINE  ?=
BENCH   ?= generate
OUT     ?= data/export/parquet
ENV_FILE := $(firstword $(wildcard .env) .env.example)
COMPOSE := $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose) \
           -p momo-dwh --env-file $(ENV_FILE) -f docker/docker-compose.yml
engine_flag = $(if $(ENGINE),--engine $(ENGINE))
# The value of a variable in ENV_FILE, or a default.
env_value = $(or $(shell sed -n 's/^$(1)=//p' $(ENV_FILE) | tail -n 1),$(2))

.DEFAULT_GOAL := help
.PHONY: help status db-info demo test bench docs export compose-config up down require-docker

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-16s %s\n", $$1, $$2 }'

status: ## engine, location, schema completeness and row counts of the warehouse
	$(MOMO) status $(engine_flag)

db-info: ## tables, views, sizes, indexes and keys of the warehouse
	$(MOMO) db-info $(engine_flag)

demo: ## the small data set end to end on DuckDB (generate, ETL, models), then serve the dashboards (npm run demo)
	npm run demo

test: ## unit and integration tests (npm test)
	npm test

bench: ## one benchmark: make bench BENCH=generate|etl|...
	npm run bench -- $(BENCH)

docs: ## regenerate docs/data_dictionary.md from the schema's comments
	$(MOMO) docs

export: ## the star schema as Parquet under OUT (default data/export/parquet)
	$(MOMO) export parquet --out $(OUT) --overwrite $(engine_flag)

compose-config: ## validate docker/docker-compose.yml (needs the Docker client, not the engine)
	$(COMPOSE) config --quiet && echo "docker/docker-compose.yml is valid"

up: require-docker ## start PostgreSQL, pgAdmin, Metabase and momo init in Docker
	$(COMPOSE) up -d --build
	@echo "pgAdmin http://localhost:$(call env_value,PGADMIN_PORT,5050)  Metabase http://localhost:$(call env_value,METABASE_PORT,3000)"

down: require-docker ## stop the Docker stack (volumes are kept; docker compose down -v drops them)
	$(COMPOSE) down

require-docker:
	@docker info >/dev/null 2>&1 || { \
	  echo "make $(MAKECMDGOALS): no Docker engine answers here (docker info failed)." >&2; \
	  echo "Start Docker (or set DOCKER_HOST), or run the CLI without it: make demo, make status." >&2; \
	  exit 1; }
