import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { initWarehouse } from "../init/init-warehouse.ts";
import { refreshServingAggregates } from "../warehouse/serving-aggregates.ts";
import { monthSlices, slicedScan } from "../warehouse/sliced-scan.ts";
import {
  qualified,
  type SqlValue,
  sqlString,
  type TableRef,
  type Warehouse,
} from "../warehouse/warehouse.ts";
import {
  type BatchCounts,
  closeAbandoned,
  closeFailed,
  closeSucceeded,
  findSucceeded,
  openBatch,
} from "./batch-log.ts";
import { CheckAhead, changesJob, clientsJob, transactionsJob } from "./check-ahead.ts";
import { checkQuotedRecords, quotedRecordsSql } from "./client-checks-sql.ts";
import { CHANGE_FIELDS, CLIENT_FIELDS, checkChange, checkClient } from "./client-records.ts";
import { changeRejectsSql, clientRejectsSql, insertChangesSql, registerClientsSql } from "./client-sql.ts";
import { DUCKDB_DIALECT, dialectOf, type EtlDialect } from "./dialect.ts";
import {
  counterpartyVersions,
  hashMatchDaysSql,
  LOADED_IDS_DDL,
  LOADED_IDS_TABLE,
  loadedIdsSql,
  loadedInBatchSql,
  UNREFUSED,
  VERDICTS_DDL,
  verdictRejectsSql,
  verdictsSql,
} from "./fact-sql.ts";
import { discoverInput, type Input, type InputFile, type InputFormat, inputChecksum } from "./input.ts";
import {
  PAYSIM_DEFAULTS,
  PAYSIM_FIELDS,
  PAYSIM_FRAUD_TYPES,
  PaysimAdapter,
  type PaysimOptions,
} from "./paysim.ts";
import { publishFacts, rebuildSummary } from "./publish.ts";
import { textOf } from "./publish-postgres.ts";
import { rawRecords } from "./raw-records.ts";
import { openRecords, type SourceRecord, splitCsv } from "./records.ts";
import { loadReferences, type References } from "./references.ts";
import {
  GIVE_UP_AFTER,
  giveUpError,
  REJECT_COLUMNS,
  REJECTS_TABLE,
  type Reject,
  RejectBuffer,
} from "./rejects.ts";
import { applyClientChanges } from "./scd2.ts";
import {
  CHANGE_STAGE_COLUMNS,
  CHANGE_STAGE_DDL,
  CLIENT_STAGE_COLUMNS,
  CLIENT_STAGE_DDL,
  STAGE,
  stagedRowsOf,
  stageRelation,
  TX_STAGE_COLUMNS,
  TX_STAGE_DDL,
  VERSION_STAGE_DDL,
  withChecked,
} from "./stage.ts";
import { rejectsOf, StageAborted, StagePool } from "./stage-pool.ts";
import { traced, traceEngineMemory } from "./trace.ts";
import {
  checkQuotedLines,
  checkRejectsSql,
  type QuotedLine,
  quotedLinesSql,
  type SqlCheckedFile,
} from "./transaction-checks-sql.ts";
import { checkTransaction, headerProblem, TRANSACTION_FIELDS } from "./transaction-records.ts";
import { TransformAside } from "./transform-aside.ts";

export const ETL_STAGES = ["checksum", "clients", "changes", "transactions", "summary"] as const;
export type EtlStage = (typeof ETL_STAGES)[number];

export interface EtlProgress {
  readonly stage: EtlStage;
  /** Bytes read (checksum, clients, changes, transactions) or days rebuilt (summary). */
  readonly done: number;
  readonly total: number;
  /** Records read so far in the stage. */
  readonly records: number;
}

export interface EtlOptions {
  readonly input: string;
  readonly format?: InputFormat;
  readonly paysim?: Partial<PaysimOptions>;
  /** The clock: records after it are in the future. Defaults to now. */
  readonly now?: Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: EtlProgress) => void;
  /** Input bytes of transaction files staged and published together (whole months); STAGE_GROUP_BYTES by default. */
  readonly stageGroupBytes?: number;
}

export interface EtlResult {
  readonly batchId: number;
  readonly status: "succeeded" | "skipped";
  /** For a skipped input, the batch that loaded it. */
  readonly loadedBy: number | null;
  readonly checksum: string;
  readonly counts: BatchCounts;
  /** `kind:reason` → records. */
  readonly rejects: Record<string, number>;
  readonly seconds: number;
  readonly stageSeconds: Partial<Record<EtlStage, number>>;
  /**
   * Inside the transactions stage: reading and checking the records, the engine's bulk load of the staged
   * lines, and publishing them (set-based checks, facts). The last two are the load proper.
   */
  readonly stepSeconds: Partial<Record<EtlStep, number>>;
  /** CPU seconds of this process during the run, every thread (staging workers, DuckDB) included. */
  readonly cpuSeconds: number;
}

export const ETL_STEPS = ["read_and_check", "bulk_load", "publish", "fact_copy", "index"] as const;
export type EtlStep = (typeof ETL_STEPS)[number];

export class EtlInterrupted extends Error {
  override readonly name = "EtlInterrupted";
}

export async function runEtl(wh: Warehouse, options: EtlOptions): Promise<EtlResult> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuSeconds = () => {
    const used = process.cpuUsage(cpu0);
    return (used.user + used.system) / 1e6;
  };
  const stageSeconds: Partial<Record<EtlStage, number>> = {};
  const stepSeconds: Partial<Record<EtlStep, number>> = {};
  const timed = async <T>(stage: EtlStage, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      stageSeconds[stage] = (stageSeconds[stage] ?? 0) + (performance.now() - t0) / 1000;
    }
  };
  const format = options.format ?? "generated";
  const input = discoverInput(options.input, format);
  const report = options.onProgress ?? (() => {});
  let hashed = 0;
  const { checksum, fileHashes, plainFiles } = await timed("checksum", () =>
    inputChecksum(
      input,
      (file) => {
        hashed += file.bytes;
        report({ stage: "checksum", done: hashed, total: input.bytes, records: 0 });
      },
      format === "paysim" ? { ...PAYSIM_DEFAULTS, ...options.paysim } : null,
    ),
  );

  await initWarehouse(wh);
  const previous = await findSucceeded(wh, checksum);
  if (previous) {
    const batchId = await openBatch(
      wh,
      input,
      checksum,
      "skipped",
      `input already loaded by batch ${previous.batch_id}`,
    );
    return {
      batchId,
      status: "skipped",
      loadedBy: previous.batch_id,
      checksum,
      counts: zeroCounts(),
      rejects: {},
      seconds: (performance.now() - started) / 1000,
      stageSeconds,
      stepSeconds,
      cpuSeconds: cpuSeconds(),
    };
  }

  const batchId = await openBatch(wh, input, checksum);
  try {
    const { counts, rejects } = await wh.transaction(async (tx) => {
      const run = new BatchRun(
        tx,
        batchId,
        input,
        { fileHashes, plainFiles },
        options,
        report,
        timed,
        stepSeconds,
      );
      return run.execute();
    });
    return {
      batchId,
      status: "succeeded",
      loadedBy: null,
      checksum,
      counts,
      rejects,
      seconds: (performance.now() - started) / 1000,
      stageSeconds,
      stepSeconds,
      cpuSeconds: cpuSeconds(),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await closeFailed(wh, batchId, message).catch(() => {});
    throw error;
  }
}

function zeroCounts(): BatchCounts {
  return {
    rows_in: 0,
    rows_loaded: 0,
    rows_rejected: 0,
    clients_in: 0,
    clients_loaded: 0,
    clients_rejected: 0,
    changes_in: 0,
    changes_loaded: 0,
    changes_rejected: 0,
    client_versions_written: 0,
    facts_repointed: 0,
    summary_days_rebuilt: 0,
  };
}

interface StageHow {
  readonly kind: "transaction" | "client" | "client_change";
  readonly stage: EtlStage;
  /** The header the file must have. */
  readonly expected: readonly string[];
  readonly target: TableRef;
  readonly columns: readonly string[];
  /** A staging line (tab-separated, ending in a line break), a row, or a reject. */
  readonly check: (rec: SourceRecord) => SqlValue[] | string | Reject;
}

type Timed = <T>(stage: EtlStage, work: () => Promise<T>) => Promise<T>;

/**
 * Slices the batch's loaded ids are read in (see slicedScan): 5.8M staged ids against 30.6M loaded ones, both
 * uncommitted, in 0.56-0.78 s as 2 or 4 slices against 0.84-1.35 s as one scan (measured).
 */
const ID_SLICES = 4;

const DIMENSIONS = [
  "dim_client",
  "dim_date",
  "dim_time",
  "dim_geography",
  "dim_service",
  "dim_channel",
  "dim_transaction_status",
];

/** The work of one batch, inside its transaction. */
class BatchRun {
  readonly #tx: Warehouse;
  readonly #id: number;
  readonly #input: Input;
  readonly #hashes: Map<string, string>;
  /** Transaction CSV files the engine may read and check itself (see fileDigest). */
  readonly #plain: Set<string>;
  readonly #options: EtlOptions;
  readonly #report: (p: EtlProgress) => void;
  readonly #timed: Timed;
  readonly #steps: Partial<Record<EtlStep, number>>;
  readonly #dialect: EtlDialect;
  readonly #rejects = new RejectBuffer();
  readonly #now: string;
  #refs!: References;
  #rowNo = 0;
  /** The Parquet files of the group's lines checked in SQL, part of the transaction stage (stageRelation). */
  readonly #checked: string[] = [];
  /** The Parquet files of checked clients or changes in use as their stage, removed once registered. */
  readonly #checkedInputs: string[] = [];
  #read = { transaction: 0, client: 0, client_change: 0 };
  /** PostgreSQL, generated input: where the transaction stage runs (see TransformAside). */
  #aside: TransformAside | null = null;
  /** Seconds of the steps that ran inside the step under way (see #step). */
  #innerSeconds = 0;

  constructor(
    tx: Warehouse,
    id: number,
    input: Input,
    digests: { fileHashes: Map<string, string>; plainFiles: Set<string> },
    options: EtlOptions,
    report: (p: EtlProgress) => void,
    timed: Timed,
    steps: Partial<Record<EtlStep, number>>,
  ) {
    this.#steps = steps;
    this.#tx = tx;
    this.#id = id;
    this.#input = input;
    this.#hashes = digests.fileHashes;
    this.#plain = digests.plainFiles;
    this.#options = options;
    this.#report = report;
    this.#timed = timed;
    this.#dialect = dialectOf(tx);
    const now = (options.now ?? new Date()).toISOString();
    this.#now = `${now.slice(0, 10)} ${now.slice(11, 19)}`;
  }

  async execute(): Promise<{ counts: BatchCounts; rejects: Record<string, number> }> {
    const tx = this.#tx;
    await this.#dialect.beginBatch(tx);
    await closeAbandoned(tx, this.#id);
    this.#refs = await loadReferences(tx);
    await this.#createStages();

    const files = (kind: InputFile["kind"]) => this.#input.files.filter((f) => f.kind === kind);
    const groups = stageGroups(files("transactions"), this.#options.stageGroupBytes ?? STAGE_GROUP_BYTES);
    if (tx.engine === "postgres" && this.#input.format === "generated" && groups.length > 0)
      this.#aside = await TransformAside.open();
    let ahead: Ahead | null = null;
    let scd2: Awaited<ReturnType<typeof applyClientChanges>>;
    try {
      ahead = await this.#checkAhead(files("clients"), files("client_changes"), groups);
      await this.#timed("clients", () => this.#loadClients(files("clients"), ahead));
      scd2 = await this.#timed("changes", () => this.#loadChanges(files("client_changes"), ahead));
      const aside = this.#aside;
      if (aside) await traced("aside: client versions", () => aside.copyClientVersions(tx));
      await this.#timed("transactions", () =>
        this.#input.format === "paysim"
          ? this.#loadPaysim(files("paysim"))
          : this.#loadTransactions(groups, ahead),
      );
    } finally {
      await ahead?.checks.close();
      await this.#aside?.close();
      this.#aside = null;
    }
    // Statistics of the dimensions (PostgreSQL): the batch changed dim_client, and the server's autovacuum
    // may be off or late; the summary, the aggregates and the dashboards plan their joins on them.
    await traced("analyze dimensions", async () => {
      for (const table of DIMENSIONS) await this.#dialect.analyze(tx, { schema: "dwh", table });
    });
    const days = await this.#timed("summary", async () => {
      this.#report({ stage: "summary", done: 0, total: 1, records: 0 });
      const rebuilt = await rebuildSummary(tx, this.#id);
      // The facts and the summary are rows of this open transaction, which DuckDB's planner counts as none
      // and would build its hash tables on (see withWrittenJoinSides); every join there has its dimension on the right.
      await this.#dialect.withWrittenJoinSides(tx, () => refreshServingAggregates(tx));
      this.#report({ stage: "summary", done: 1, total: 1, records: rebuilt });
      return rebuilt;
    });
    await traced("drop stages", () => this.#dropStages());

    const { counts, rejects } = await traced("reconcile", () =>
      this.#reconcile(scd2.versionsWritten, scd2.factsRepointed, days),
    );
    await closeSucceeded(tx, this.#id, counts);
    return { counts, rejects };
  }

  /**
   * Runs one step of the transactions stage, adding its seconds to stepSeconds (and tracing it). A step run
   * inside another (fact_copy and index inside publish) counts for itself only.
   */
  async #step<T>(step: EtlStep, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const innerBefore = this.#innerSeconds;
    try {
      return await traced(step, work);
    } finally {
      const seconds = (performance.now() - t0) / 1000;
      const inner = this.#innerSeconds - innerBefore;
      this.#steps[step] = (this.#steps[step] ?? 0) + seconds - inner;
      this.#innerSeconds = innerBefore + seconds;
    }
  }

  /** Where the transaction stage's SQL runs: the batch's transaction, or the TransformAside. */
  get #work(): Warehouse {
    return this.#aside?.wh ?? this.#tx;
  }

  get #workDialect(): EtlDialect {
    return this.#aside ? DUCKDB_DIALECT : this.#dialect;
  }

  async #createStages(): Promise<void> {
    const d = this.#dialect;
    const tx = this.#tx;
    await d.createStage(tx, STAGE.clients, CLIENT_STAGE_DDL);
    await d.createStage(tx, STAGE.changes, CHANGE_STAGE_DDL);
    await d.createStage(tx, STAGE.versions, VERSION_STAGE_DDL);
    await d.createStage(tx, STAGE.affected, "(client_id VARCHAR NOT NULL)");
    await d.createStage(tx, STAGE.transactions, TX_STAGE_DDL);
    await d.createStage(tx, STAGE.verdicts, VERDICTS_DDL);
    await d.createStage(tx, STAGE.days, "(date_key INTEGER NOT NULL)");
    if (tx.engine === "duckdb") await d.createStage(tx, LOADED_IDS_TABLE, LOADED_IDS_DDL);
  }

  async #dropStages(): Promise<void> {
    for (const table of Object.values(STAGE)) await this.#tx.exec(`DROP TABLE ${qualified(table)}`);
    if (this.#tx.engine === "duckdb") await this.#tx.exec(`DROP TABLE ${qualified(LOADED_IDS_TABLE)}`);
  }

  /**
   * Streams the files' records through their checks and stages what passes in one bulk load: as tab-separated
   * text (the engine's CSV reader or COPY), rows whose values the text cannot carry through the appender.
   */
  async #stageFiles(
    files: readonly InputFile[],
    howFor: (file: InputFile) => StageHow,
    progress: { done: number; total: number },
  ): Promise<void> {
    const [first] = files;
    if (first === undefined) return;
    const { stage, target, columns, kind } = howFor(first);
    const signal = this.#options.signal;
    const report = this.#report;
    const read = this.#read;
    const rejects = this.#rejects;
    const unsafe: SqlValue[][] = [];
    async function* lines(): AsyncGenerator<string> {
      for (const file of files) {
        const { expected, check } = howFor(file);
        const source = await openRecords(file);
        const problem = headerProblem(source.header, expected);
        if (problem) throw new Error(`${file.name}: unexpected header: ${problem}`);
        rejects.nextFile();
        for await (const batch of source.batches) {
          if (signal?.aborted) throw new EtlInterrupted(`interrupted while reading ${file.name}`);
          let text = "";
          for (const rec of batch) {
            progress.done += rec.raw.length + 1;
            const checked = check(rec);
            if (typeof checked === "string") {
              rejects.accepted();
              text += checked;
            } else if (Array.isArray(checked)) {
              rejects.accepted();
              const line = stageLine(checked);
              if (line === null) unsafe.push(checked);
              else text += line;
            } else rejects.add(checked);
          }
          read[kind] += batch.length;
          report({ stage, done: progress.done, total: progress.total, records: read[kind] });
          yield text;
        }
      }
    }
    await this.#tx.loadText(target, columns, lines());
    if (unsafe.length > 0) await this.#tx.bulkLoad(target, columns, unsafe);
    report({ stage, done: progress.done, total: progress.total, records: read[kind] });
    await rejects.flush(this.#tx, this.#id);
  }

  #context(file: InputFile) {
    return { refs: this.#refs, now: this.#now, file: file.name };
  }

  async #loadClients(files: readonly InputFile[], ahead: Ahead | null): Promise<void> {
    const how = {
      kind: "client",
      stage: "clients",
      expected: CLIENT_FIELDS,
      target: STAGE.clients,
      columns: CLIENT_STAGE_COLUMNS,
    } as const;
    const stage = await this.#stageRecords(how, checkClient, files, ahead?.checks, ahead?.clients ?? null);
    await traced("clients: register", () => this.#registerStagedClients(stage));
    this.#removeCheckedInputs();
  }

  /**
   * Stages client or change files: from CheckAhead's job `job` where it checked them, through the TypeScript
   * check otherwise; returns the stage to read them from.
   */
  async #stageRecords(
    how: Pick<StageHow, "kind" | "stage" | "expected" | "target" | "columns">,
    check: typeof checkClient | typeof checkChange,
    files: readonly InputFile[],
    ahead: CheckAhead | undefined,
    job: number | null,
  ): Promise<string> {
    const progress = { done: 0, total: sum(files) };
    if (ahead && job !== null)
      return traced(`${how.stage}: stage checked`, () =>
        this.#stageChecked(how, check, files, ahead, job, progress),
      );
    await traced(`${how.stage}: read and stage`, () =>
      this.#stageFiles(files, (file) => ({ ...how, check: (r) => check(r, this.#context(file)) }), progress),
    );
    return qualified(how.target);
  }

  /**
   * Stages the client or change files CheckAhead read and checked in SQL (job `job`): what did not pass goes
   * to etl_rejects, the records holding a quote through the TypeScript check; returns the stage, the stage
   * table (the quoted records that passed) with the Parquet file's records that passed, read in place: an
   * insert into the table held its rows in memory until the batch committed (240 MB for 3M clients).
   */
  async #stageChecked(
    how: Pick<StageHow, "kind" | "stage" | "expected" | "target" | "columns">,
    check: typeof checkClient | typeof checkChange,
    files: readonly InputFile[],
    ahead: CheckAhead,
    job: number,
    progress: { done: number; total: number },
  ): Promise<string> {
    const tx = this.#tx;
    checkHeaders(files, how.expected);
    const path = await ahead.result(job);
    this.#checkedInputs.push(path);
    const checked = `read_parquet(${sqlString(path)})`;
    const names = files.map((f) => sqlString(f.name)).join(", ");
    await this.#insertCheckRejects(how.kind, checked, names);
    const quoted = await tx.query<{ source_file: string; line_number: number; raw: string }>(
      quotedRecordsSql(checked),
    );
    const { staged, rejects } = checkQuotedRecords(quoted, check, this.#refs, this.#now);
    if (staged.length > 0) await tx.bulkLoad(how.target, how.columns, staged);
    this.#rejects.addAll(rejects);
    await this.#rejects.flush(tx, this.#id);
    const [count] = await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${checked}`);
    const stage = withChecked(how.target, how.columns, [path], "reason IS NULL");
    await this.#giveUpOnRejectedFiles(how.kind, stage, names);
    progress.done += sum(files);
    this.#read[how.kind] += Number(count?.n ?? 0);
    this.#report({
      stage: how.stage,
      done: progress.done,
      total: progress.total,
      records: this.#read[how.kind],
    });
    return stage;
  }

  /** Copies to etl_rejects the records of the files `names` (SQL strings) that the SQL checks refused in `stage`. */
  #insertCheckRejects(kind: Reject["kind"], stage: string, names: string, wh = this.#tx): Promise<void> {
    return wh.exec(`
      INSERT INTO ${qualified(REJECTS_TABLE)} (${REJECT_COLUMNS.join(", ")})
      SELECT ${this.#id}, source_file, line_number, '${kind}', field, reason, message, raw_record
        FROM (${checkRejectsSql(stage, names)})`);
  }

  #removeCheckedInputs(): void {
    for (const path of this.#checkedInputs.splice(0)) rmSync(path, { force: true });
  }

  /** Registers the clients of `stage` (the client stage table, or the relation #stageChecked returned). */
  async #registerStagedClients(stage = qualified(STAGE.clients)): Promise<void> {
    await this.#dialect.analyze(this.#tx, STAGE.clients);
    await this.#tx.exec(clientRejectsSql(this.#id, stage));
    await this.#tx.exec(registerClientsSql(this.#id, stage));
    await this.#tx.exec(`TRUNCATE ${STAGE.clients.schema}.${STAGE.clients.table}`);
  }

  async #loadChanges(files: readonly InputFile[], ahead: Ahead | null) {
    const tx = this.#tx;
    const how = {
      kind: "client_change",
      stage: "changes",
      expected: CHANGE_FIELDS,
      target: STAGE.changes,
      columns: CHANGE_STAGE_COLUMNS,
    } as const;
    const stage = await this.#stageRecords(how, checkChange, files, ahead?.checks, ahead?.changes ?? null);
    await traced("changes: insert events", async () => {
      await this.#dialect.analyze(tx, STAGE.changes);
      await tx.exec(changeRejectsSql(this.#id, stage));
      await tx.exec(insertChangesSql(this.#id, stage));
      await tx.exec(
        `INSERT INTO dwh_stage.affected_clients SELECT DISTINCT client_id FROM dwh_audit.client_change_events WHERE batch_id = ${this.#id}`,
      );
    });
    this.#removeCheckedInputs();
    return traced("changes: SCD2", () => applyClientChanges(tx, this.#id));
  }

  /**
   * DuckDB, generated input: starts checking the plain files in SQL beside the batch (CheckAhead), from the
   * start of the batch: the clients (when every client file is plain), then each group's transaction files.
   * Null where the engine does not check in SQL or no file is plain.
   */
  async #checkAhead(
    clients: readonly InputFile[],
    changes: readonly InputFile[],
    groups: readonly StageGroup[],
  ): Promise<Ahead | null> {
    const sqlChecks = this.#dialect.sqlChecks;
    if (this.#input.format !== "generated" || !(sqlChecks || this.#aside)) return null;
    const sqlFile = (f: InputFile, rowBase = 0) => ({ name: f.name, path: f.path, rowBase });
    const jobs: string[] = [];
    const job = (files: readonly InputFile[], sql: (files: SqlCheckedFile[]) => string): number | null => {
      if (files.length === 0 || !files.every((f) => this.#plain.has(f.name))) return null;
      jobs.push(sql(files.map((f) => sqlFile(f))));
      return jobs.length - 1;
    };
    // Client and change files are checked in SQL only where the batch's engine reads the Parquet files.
    const clientsAt = sqlChecks ? job(clients, (files) => clientsJob(files, this.#now)) : null;
    const changesAt = sqlChecks ? job(changes, (files) => changesJob(files, this.#now)) : null;
    const groupJobs = groups.map((g) => {
      const inSql = g.files.filter((f) => this.#plain.has(f.name));
      if (inSql.length === 0) return null;
      jobs.push(
        transactionsJob(
          inSql.map((f) => sqlFile(f, g.rowBase(f))),
          this.#refs,
          this.#now,
        ),
      );
      return { job: jobs.length - 1, files: inSql };
    });
    if (jobs.length === 0) return null;
    return {
      checks: await CheckAhead.start(jobs, this.#refs),
      clients: clientsAt,
      changes: changesAt,
      groups: groupJobs,
    };
  }

  /**
   * Generated transaction files, group by group: the plain files checked in SQL (CheckAhead), the others by
   * worker threads (one per core) that read and check whole files in parallel, each writing the staging lines
   * of what passes to a temporary file the engine then bulk-loads (DuckDB's parallel CSV reader, PostgreSQL's
   * COPY); then the group is published.
   */
  async #loadTransactions(groups: readonly StageGroup[], ahead: Ahead | null): Promise<void> {
    const progress = { done: 0, total: groups.reduce((total, g) => total + sum(g.files), 0) };
    const pool = new StagePool({ refs: this.#refs, now: this.#now });
    const signal = this.#options.signal;
    try {
      for (const [i, group] of groups.entries()) {
        if (signal?.aborted)
          throw new EtlInterrupted(`interrupted while reading ${(group.files[0] as InputFile).name}`);
        const inSql = ahead?.groups[i] ?? null;
        const inWorkers = group.files.filter((f) => !inSql?.files.includes(f));
        if (ahead && inSql)
          await this.#step("read_and_check", () =>
            this.#stageInSql(ahead.checks, inSql.job, inSql.files, progress),
          );
        if (inWorkers.length > 0) await this.#stageInWorkers(pool, inWorkers, group.rowBase, progress);
        await this.#step("publish", () => this.#publishStaged());
      }
    } finally {
      await pool.close();
    }
  }

  /** Checks `files` on the worker threads and bulk-loads the staging lines they write. */
  async #stageInWorkers(
    pool: StagePool,
    files: readonly InputFile[],
    rowBase: (file: InputFile) => number,
    progress: { done: number; total: number },
  ): Promise<void> {
    const signal = this.#options.signal;
    const dir = mkdtempSync(join(tmpdir(), "momo-stage-"));
    try {
      const staged = await this.#step("read_and_check", () =>
        this.#workDialect.whileWorkersRun(this.#work, () =>
          pool
            .run(
              files,
              (i) => rowBase(files[i] as InputFile),
              (i) => join(dir, `part-${String(i).padStart(5, "0")}.tsv`),
              (bytes, records) => {
                progress.done += bytes;
                this.#read.transaction += records;
                this.#report({
                  stage: "transactions",
                  done: progress.done,
                  total: progress.total,
                  records: this.#read.transaction,
                });
              },
              signal,
            )
            .catch((error: unknown) => {
              if (error instanceof StageAborted) throw new EtlInterrupted(error.message);
              throw error;
            })
            // The workers' heaps go before DuckDB needs its memory; the next group starts new ones.
            .finally(() => pool.close()),
        ),
      );
      this.#rejects.addAll(rejectsOf(staged));
      await this.#rejects.flush(this.#work, this.#id);
      const outs = staged.results.flatMap((r) => (r.out === null ? [] : [r.out]));
      await this.#step("bulk_load", () => this.#loadStagedFiles(dir, outs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * Stages group `group`'s plain transaction CSV files, read and checked in SQL (CheckAhead): what passes goes
   * to the transaction stage, what does not straight to etl_rejects, with the same reasons as the workers give.
   */
  async #stageInSql(
    ahead: CheckAhead,
    job: number,
    files: readonly InputFile[],
    progress: { done: number; total: number },
  ): Promise<void> {
    const tx = this.#work;
    checkHeaders(files, TRANSACTION_FIELDS);
    const names = files.map((f) => sqlString(f.name)).join(", ");
    this.#checked.push(await traced("checks in SQL: wait", () => ahead.result(job)));
    const stage = stageRelation(STAGE.transactions, this.#checked);
    await traced("checks in SQL: rejects", () => this.#insertCheckRejects("transaction", stage, names, tx));
    await traced("checks in SQL: quoted lines", async () => {
      const quoted = await tx.query<QuotedLine>(quotedLinesSql(stage, names));
      const { staged, rejects } = checkQuotedLines(quoted, this.#refs, this.#now);
      if (staged.length > 0) await tx.loadText(STAGE.transactions, TX_STAGE_COLUMNS, staged);
      this.#rejects.addAll(rejects);
      await this.#rejects.flush(tx, this.#id);
    });
    const [counts] = await tx.query<{ accepted: number; rejected: number }>(
      `SELECT (SELECT COUNT(*) FROM ${stage} WHERE source_file IN (${names}) AND reason IS NULL) AS accepted,
              (SELECT COUNT(*) FROM ${qualified(REJECTS_TABLE)}
                WHERE batch_id = $1 AND record_kind = 'transaction' AND source_file IN (${names})) AS rejected`,
      [this.#id],
    );
    await this.#giveUpOnRejectedFiles(
      "transaction",
      `(SELECT source_file, line_number FROM ${stage} WHERE reason IS NULL)`,
      names,
      tx,
    );
    progress.done += sum(files);
    this.#read.transaction += Number(counts?.accepted ?? 0) + Number(counts?.rejected ?? 0);
    this.#report({
      stage: "transactions",
      done: progress.done,
      total: progress.total,
      records: this.#read.transaction,
    });
    // The engine read the files in one statement: a stop asked meanwhile is honoured here.
    if (this.#options.signal?.aborted)
      throw new EtlInterrupted(`interrupted while reading ${(files.at(-1) as InputFile).name}`);
  }

  /**
   * The workers' rule for files checked in SQL: a file whose first GIVE_UP_AFTER records were all refused
   * stops the batch. `accepted` holds the (source_file, line_number) of the records that passed.
   */
  async #giveUpOnRejectedFiles(
    kind: Reject["kind"],
    accepted: string,
    names: string,
    wh = this.#tx,
  ): Promise<void> {
    const [last] = await wh.query<{
      file: string;
      line: number;
      field: string | null;
      message: string;
    }>(
      `WITH first_accepted AS (
         SELECT source_file, MIN(line_number) AS line_number FROM ${accepted} AS a
          WHERE source_file IN (${names}) GROUP BY source_file),
       early AS (
         SELECT r.source_file, r.line_number, r.field, r.message,
                ROW_NUMBER() OVER (PARTITION BY r.source_file ORDER BY r.line_number) AS n
           FROM ${qualified(REJECTS_TABLE)} AS r
           LEFT JOIN first_accepted AS a ON a.source_file = r.source_file
          WHERE r.batch_id = $1 AND r.record_kind = $3 AND r.source_file IN (${names})
            AND (a.line_number IS NULL OR r.line_number < a.line_number))
       SELECT source_file AS file, line_number AS line, field, message FROM early WHERE n = $2
        ORDER BY source_file LIMIT 1`,
      [this.#id, GIVE_UP_AFTER, kind],
    );
    if (last) throw giveUpError({ ...last, line: Number(last.line) });
  }

  /** Bulk-loads the staging files the workers wrote into the transaction stage. */
  async #loadStagedFiles(dir: string, outs: readonly string[]): Promise<void> {
    if (outs.length === 0) return;
    const tx = this.#work;
    const columns = TX_STAGE_COLUMNS.join(", ");
    if (tx.engine === "duckdb") {
      const glob = join(dir, "*.tsv").replaceAll("'", "''");
      await tx.exec(
        `COPY ${qualified(STAGE.transactions)} (${columns}) FROM '${glob}'
           (FORMAT csv, DELIMITER '\t', QUOTE '', ESCAPE '', HEADER false, NULL '\\N')`,
      );
      return;
    }
    await tx.loadText(STAGE.transactions, TX_STAGE_COLUMNS, textOf(outs));
  }

  async #loadPaysim(files: readonly InputFile[]): Promise<void> {
    const progress = { done: 0, total: sum(files) };
    const options = { ...PAYSIM_DEFAULTS, ...this.#options.paysim };
    const geographyKey = this.#refs.geographies.get(options.geoCode);
    if (geographyKey === undefined)
      throw new Error(`PaySim geography "${options.geoCode}" is not in dim_geography`);
    const seen = new Set<string>();
    for (const file of files) {
      const adapter = new PaysimAdapter(
        options,
        geographyKey,
        file.name,
        this.#hashes.get(file.name) ?? "",
        seen,
      );
      const ctx = { ...this.#context(file), fraudTypes: PAYSIM_FRAUD_TYPES };
      const check = (r: SourceRecord) => {
        const mapped = adapter.map(r);
        return "kind" in mapped ? mapped : this.#numbered(checkTransaction(mapped, ctx));
      };
      await this.#stageFiles(
        [file],
        () => ({ ...this.#transactionStage(check), expected: PAYSIM_FIELDS }),
        progress,
      );
      this.#read.client += adapter.registrations.length;
      await this.#tx.bulkLoad(STAGE.clients, CLIENT_STAGE_COLUMNS, adapter.registrations);
      await this.#registerStagedClients();
      await this.#publishStaged();
    }
  }

  #transactionStage(check: StageHow["check"]): StageHow {
    const columns = TX_STAGE_COLUMNS;
    return {
      kind: "transaction",
      stage: "transactions",
      expected: TRANSACTION_FIELDS,
      target: STAGE.transactions,
      columns,
      check,
    };
  }

  #numbered(checked: ReturnType<typeof checkTransaction>): string | Reject {
    if ("kind" in checked) return checked;
    return `${++this.#rowNo}\t${checked.line}`;
  }

  /** Whether an earlier batch loaded facts (zone maps answer it on DuckDB). */
  async #earlierFacts(tx: Warehouse): Promise<boolean> {
    const [row] = await tx.query<{ earlier: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM dwh.fact_transactions WHERE batch_id < ${this.#id}) AS earlier`,
    );
    return row?.earlier !== false;
  }

  /** Checks the staged transactions against the warehouse, quarantines the refused and publishes the rest. */
  async #publishStaged(): Promise<void> {
    const tx = this.#work;
    const aside = this.#aside;
    const stage = STAGE.transactions;
    const staged = stagedRowsOf(stage, this.#checked);
    await this.#workDialect.analyze(tx, stage);
    const duckdb = tx.engine === "duckdb";
    // The semi-join builds on the staged ids as written: the planner counts the batch's loaded ids as none and
    // built on them, 33M at full scale by the last group (the matches took 0 to 4.6 s a group, growing).
    // The loaded ids are read in slices of the batch's months so far, each a scan with a thread of its own (see
    // slicedScan): they are the batch's own rows.
    const matchDays = () =>
      traced("publish: id hash matches", async () => {
        const months = (
          await tx.query<{ month: number }>(
            `SELECT DISTINCT date_key ${duckdb ? "//" : "/"} 100 AS month FROM dwh_stage.touched_days ORDER BY 1`,
          )
        ).map((m) => Number(m.month));
        const loadedIds = slicedScan(
          tx.engine,
          qualified(LOADED_IDS_TABLE),
          "date_key",
          monthSlices(months, ID_SLICES, "date_key"),
        );
        return this.#workDialect.withWrittenJoinSides(tx, async () =>
          (await tx.query<{ date_key: number }>(hashMatchDaysSql(staged, loadedIds))).map((d) =>
            Number(d.date_key),
          ),
        );
      });
    const loaded = aside
      ? await traced("publish: loaded ids from PostgreSQL", async () =>
          aside.loadedSql(this.#tx, this.#id, staged, await matchDays()),
        )
      : duckdb
        ? loadedInBatchSql(staged, this.#id, await matchDays(), await this.#earlierFacts(tx))
        : undefined;
    const counterparties = duckdb ? counterpartyVersions(staged) : undefined;
    await traced("publish: verdicts", () => tx.exec(verdictsSql(staged, loaded, counterparties)));
    await traced("publish: verdict rejects", () => this.#quarantineVerdicts());
    await traced("publish: touched days", () =>
      tx.exec(`
      INSERT INTO dwh_stage.touched_days (date_key)
      SELECT DISTINCT s.date_key FROM ${staged} AS s ${UNREFUSED}`),
    );
    await traced("publish: facts", () =>
      aside
        ? aside.shipFacts(this.#tx, this.#id, staged, {
            copy: (work) => this.#step("fact_copy", work),
            index: (work) => this.#step("index", work),
          })
        : publishFacts(tx, this.#id, stage, this.#checked),
    );
    if (duckdb) await traced("publish: loaded ids", () => tx.exec(loadedIdsSql(staged)));
    await tx.exec(`TRUNCATE ${qualified(stage)}; TRUNCATE dwh_stage.transaction_verdicts`);
    for (const path of this.#checked.splice(0)) rmSync(path, { force: true });
    if (aside)
      await traced("publish: rejects and days to PostgreSQL", () => aside.shipRejectsAndDays(this.#tx));
    if (duckdb)
      await traceEngineMemory("publish", () =>
        tx.query<{ tag: string; mb: number }>(
          "SELECT tag, memory_usage_bytes / 1e6 AS mb FROM duckdb_memory() WHERE memory_usage_bytes > 1e6 ORDER BY 2 DESC",
        ),
      );
  }

  /** Copies the staged rows refused by a set-based check to etl_rejects, their raw records read again from the files. */
  async #quarantineVerdicts(): Promise<void> {
    const refused = await this.#work.query<{
      source_file: string;
      line_number: number;
      field: string | null;
      reason: string;
      message: string;
    }>(verdictRejectsSql(stagedRowsOf(STAGE.transactions, this.#checked)));
    if (refused.length === 0) return;
    const byFile = new Map<string, typeof refused>();
    for (const r of refused) {
      const list = byFile.get(r.source_file);
      if (list) list.push(r);
      else byFile.set(r.source_file, [r]);
    }
    for (const [name, rows] of byFile) {
      const file = this.#input.files.find((f) => f.name === name);
      if (file === undefined) throw new Error(`staged rows name ${name}, which is not a file of this input`);
      const raw = await rawRecords(
        file,
        rows.map((r) => Number(r.line_number)),
      );
      this.#rejects.addAll(
        rows.map((r) => ({
          file: name,
          line: Number(r.line_number),
          kind: "transaction" as const,
          field: r.field,
          reason: r.reason,
          message: r.message,
          raw: raw.get(Number(r.line_number)) as string,
        })),
      );
    }
    await this.#rejects.flush(this.#work, this.#id);
  }

  /** Counts from what was written, and a refusal to commit when they do not add up. */
  async #reconcile(versions: number, repointed: number, days: number) {
    const tx = this.#tx;
    const rows = await tx.query<{ record_kind: string; reason: string; n: number }>(
      `SELECT record_kind, reason, COUNT(*) AS n FROM dwh_audit.etl_rejects WHERE batch_id = $1 GROUP BY record_kind, reason`,
      [this.#id],
    );
    const rejects: Record<string, number> = {};
    const rejected = { transaction: 0, client: 0, client_change: 0 };
    for (const r of rows) {
      rejects[`${r.record_kind}:${r.reason}`] = Number(r.n);
      rejected[r.record_kind as keyof typeof rejected] += Number(r.n);
    }
    const [loaded] = await tx.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM dwh.fact_transactions WHERE batch_id = $1",
      [this.#id],
    );
    const read = this.#read;
    const factRows = Number(loaded?.n ?? 0);
    if (factRows !== read.transaction - rejected.transaction) {
      throw new Error(
        `reconciliation failed: ${read.transaction} transactions read, ${rejected.transaction} rejected, but ${factRows} loaded; nothing was committed`,
      );
    }
    const counts: BatchCounts = {
      rows_in: read.transaction,
      rows_loaded: factRows,
      rows_rejected: rejected.transaction,
      clients_in: read.client,
      clients_loaded: read.client - rejected.client,
      clients_rejected: rejected.client,
      changes_in: read.client_change,
      changes_loaded: read.client_change - rejected.client_change,
      changes_rejected: rejected.client_change,
      client_versions_written: versions,
      facts_repointed: repointed,
      summary_days_rebuilt: days,
    };
    return { counts, rejects };
  }
}

/** Characters a value of the tab-separated staging text cannot hold (no escapes: DuckDB reads it with none). */
const UNSAFE_TEXT = /[\\\t\n\r]/;

/** A row as one line of staging text (NULL as \\N), or null when a value holds a character the text cannot carry. */
function stageLine(values: readonly SqlValue[]): string | null {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let text: string;
    if (v === null || v === undefined) text = "\\N";
    else if (typeof v === "string") {
      if (UNSAFE_TEXT.test(v)) return null;
      text = v;
    } else if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") text = String(v);
    else return null;
    line += i === 0 ? text : `\t${text}`;
  }
  return `${line}\n`;
}

/** Throws for the first of `files` (plain CSV files, read by SQL) whose header is not `expected`. */
function checkHeaders(files: readonly InputFile[], expected: readonly string[]): void {
  for (const file of files) {
    const problem = headerProblem(splitCsv(firstLine(file.path)), expected);
    if (problem) throw new Error(`${file.name}: unexpected header: ${problem}`);
  }
}

/** The first line of a text file (its header), read without the rest of it. */
function firstLine(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const text = buffer.toString("utf8", 0, readSync(fd, buffer, 0, buffer.length, 0));
    const end = text.indexOf("\n");
    return end < 0 ? text : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}

function sum(files: readonly InputFile[]): number {
  return files.reduce((total, f) => total + f.bytes, 0);
}

/** Row numbers of the i-th transaction file of a batch start after (i + 1) × this: load order across files. */
const FILE_ROW_SPAN = 2 ** 32;

/** Input bytes staged together: whole months, grouped until about this much, so memory stays bounded. */
const STAGE_GROUP_BYTES = 512 * 1024 ** 2;

/**
 * The checks CheckAhead runs for a batch: which of its jobs checks the clients and the changes, and for each
 * group the job of its plain files and those files (null: none, or no job).
 */
interface Ahead {
  readonly checks: CheckAhead;
  readonly clients: number | null;
  readonly changes: number | null;
  readonly groups: readonly ({ readonly job: number; readonly files: readonly InputFile[] } | null)[];
}

interface StageGroup {
  readonly files: readonly InputFile[];
  /** Where the row numbers of a file of the group start: load order across the batch's files. */
  readonly rowBase: (file: InputFile) => number;
}

/** Transaction files in load order, cut into groups of whole months of about `groupBytes`. */
function stageGroups(files: readonly InputFile[], groupBytes: number): StageGroup[] {
  const groups: InputFile[][] = [];
  let group: InputFile[] = [];
  let bytes = 0;
  let month = "";
  for (const file of files) {
    const fileMonth = dirname(file.name);
    if (fileMonth !== month && bytes >= groupBytes) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    month = fileMonth;
    group.push(file);
    bytes += file.bytes;
  }
  if (group.length) groups.push(group);
  const ordinal = new Map(files.map((f, i) => [f, i]));
  const rowBase = (file: InputFile) => ((ordinal.get(file) as number) + 1) * FILE_ROW_SPAN;
  return groups.map((g) => ({ files: g, rowBase }));
}
