import { qualified, sqlString, type TableRef } from "../warehouse/warehouse.ts";

/**
 * Scratch tables of a batch, in schema dwh_stage: created inside the batch's transaction, dropped before it
 * commits. All are tables of the database, not temporary ones: on DuckDB, COPY into a temporary transaction
 * stage took about half the CPU (measured on 355k staged rows), but DuckDB holds a temporary table in memory,
 * and at full scale the sixth group's fact insert then ran out of the batch's 1 GB (measured); a table of the
 * database is written to the file as the batch's transaction fills it.
 */
export const STAGE = {
  clients: { schema: "dwh_stage", table: "clients" },
  changes: { schema: "dwh_stage", table: "client_changes" },
  versions: { schema: "dwh_stage", table: "client_versions" },
  verdicts: { schema: "dwh_stage", table: "transaction_verdicts" },
  affected: { schema: "dwh_stage", table: "affected_clients" },
  days: { schema: "dwh_stage", table: "touched_days" },
  transactions: { schema: "dwh_stage", table: "transactions" },
} as const satisfies Record<string, TableRef>;

export const TX_STAGE_COLUMNS = [
  "row_no",
  "source_file",
  "line_number",
  "transaction_id",
  "transaction_at",
  "date_key",
  "time_key",
  "client_id",
  "counterparty_client_id",
  "counterparty_ref",
  "service_key",
  "channel_key",
  "status_key",
  "geography_key",
  "amount",
  "fee",
  "currency_code",
  "balance_after",
  "device_ref",
  "is_fraud",
  "fraud_type",
] as const;

/**
 * Where the engine checks the fields itself (transactionChecksSql), it stages every record in one pass: a
 * refused one with its reject and its values left NULL, moved to etl_rejects before anything reads the stage.
 */
export const TX_STAGE_REJECT_COLUMNS = ["reason", "field", "message", "raw_record"] as const;

/** Every column of the transaction stage: what the SQL checks give for each record (CheckAhead's files). */
export const TX_CHECKED_COLUMNS = [...TX_STAGE_COLUMNS, ...TX_STAGE_REJECT_COLUMNS] as const;

/**
 * Every row of the transaction stage: the stage table's and, on DuckDB, those of the Parquet files CheckAhead
 * wrote for the group (`checked`), read where they are: inserting them into the table cost as much CPU as
 * checking them (4.1M lines: 4.1 CPU s) and reading them back no less than reading the Parquet files.
 */
export function stageRelation(stage: TableRef, checked: readonly string[] = []): string {
  return withChecked(stage, TX_CHECKED_COLUMNS, checked, "TRUE");
}

/**
 * The rows of stage table `stage` (its `columns`) and those of the Parquet files `checked` that match `where`,
 * as one relation; the table alone when there are none.
 */
export function withChecked(
  stage: TableRef,
  columns: readonly string[],
  checked: readonly string[],
  where: string,
): string {
  if (checked.length === 0) return qualified(stage);
  const list = columns.join(", ");
  return `(SELECT ${list} FROM ${qualified(stage)}
           UNION ALL SELECT ${list} FROM read_parquet([${checked.map(sqlString).join(", ")}]) WHERE ${where})`;
}

/**
 * The rows of the transaction stage that passed the field checks. Records the SQL checks refused stay in the
 * stage with their reason once copied to etl_rejects (deleting them from the batch's uncommitted rows is
 * what the full-scale runs that ran out of memory in their second group's fact insert had in common).
 */
export function stagedRowsOf(stage: TableRef, checked: readonly string[] = []): string {
  return `(SELECT * FROM ${stageRelation(stage, checked)} WHERE reason IS NULL)`;
}

/**
 * No raw record for staged rows: only the rows a set-based check refuses need it, and rawRecords reads those
 * again. The values may be NULL only in the rows that carry a reason.
 */
export const TX_STAGE_DDL = `(
  row_no BIGINT NOT NULL, source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL,
  transaction_id VARCHAR, transaction_at TIMESTAMP, date_key INTEGER, time_key SMALLINT,
  client_id VARCHAR, counterparty_client_id VARCHAR, counterparty_ref VARCHAR,
  service_key SMALLINT, channel_key SMALLINT, status_key SMALLINT, geography_key INTEGER,
  amount DECIMAL(18, 2), fee DECIMAL(18, 2), currency_code VARCHAR, balance_after DECIMAL(18, 2),
  device_ref VARCHAR, is_fraud BOOLEAN, fraud_type VARCHAR,
  reason VARCHAR, field VARCHAR, message VARCHAR, raw_record VARCHAR)`;

/** Client attributes a registration sets and change events may change; geo_code is stored as geography_key. */
export const CLIENT_ATTRIBUTES = [
  "client_name",
  "client_type",
  "sector",
  "size_band",
  "tier",
  "kyc_level",
  "geography_key",
  "parent_client_id",
  "registration_date",
  "status",
] as const;

export const CLIENT_STAGE_COLUMNS = [
  "source_file",
  "line_number",
  "client_id",
  ...CLIENT_ATTRIBUTES,
  "raw_record",
];

export const CLIENT_STAGE_DDL = `(
  source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL, client_id VARCHAR NOT NULL,
  client_name VARCHAR NOT NULL, client_type VARCHAR NOT NULL, sector VARCHAR NOT NULL, size_band VARCHAR NOT NULL,
  tier VARCHAR NOT NULL, kyc_level SMALLINT NOT NULL, geography_key INTEGER NOT NULL, parent_client_id VARCHAR,
  registration_date DATE NOT NULL, status VARCHAR NOT NULL, raw_record VARCHAR NOT NULL)`;

export const CHANGE_STAGE_COLUMNS = [
  "source_file",
  "line_number",
  "change_id",
  "client_id",
  "effective_at",
  "change_type",
  "attribute",
  "old_value",
  "new_value",
  "raw_record",
] as const;

export const CHANGE_STAGE_DDL = `(
  source_file VARCHAR NOT NULL, line_number BIGINT NOT NULL, change_id VARCHAR NOT NULL, client_id VARCHAR NOT NULL,
  effective_at TIMESTAMP NOT NULL, change_type VARCHAR NOT NULL, attribute VARCHAR NOT NULL, old_value VARCHAR,
  new_value VARCHAR NOT NULL, raw_record VARCHAR NOT NULL)`;

export const VERSION_STAGE_COLUMNS = [
  "client_id",
  "version",
  "valid_from",
  "valid_to",
  "is_current",
  ...CLIENT_ATTRIBUTES,
  "change_reason",
] as const;

export const VERSION_STAGE_DDL = `(
  client_id VARCHAR NOT NULL, version INTEGER NOT NULL, valid_from TIMESTAMP NOT NULL, valid_to TIMESTAMP NOT NULL,
  is_current BOOLEAN NOT NULL, client_name VARCHAR NOT NULL, client_type VARCHAR NOT NULL, sector VARCHAR NOT NULL,
  size_band VARCHAR NOT NULL, tier VARCHAR NOT NULL, kyc_level SMALLINT NOT NULL, geography_key INTEGER NOT NULL,
  parent_client_id VARCHAR, registration_date DATE NOT NULL, status VARCHAR NOT NULL, change_reason VARCHAR NOT NULL)`;
