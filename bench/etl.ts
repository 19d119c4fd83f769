import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/momo.js", import.meta.url));
const FULL_ROWS = 36_000_000;
const FULL_TARGET_SECONDS = 300;
const RAW_COPY_TARGET = 0.8;
const PG_DB = "momo_bench_etl";
const PG_URL = `postgres://postgres@127.0.0.1:5432/${PG_DB}`;
const STAGES = ["checksum", "clients", "changes", "transactions", "summary"] as const;
const STEPS = ["read_and_check", "bulk_load", "publish", "fact_copy", "index"] as const;

interface EtlRun {
  seconds: number;
  stageSeconds: Partial<Record<(typeof STAGES)[number], number>>;
  /** Inside the transactions stage (generated input). */
  stepSeconds?: Partial<Record<(typeof STEPS)[number], number>>;
  cpuSeconds?: number;
  counts: { rows_in: number; rows_loaded: number; rows_rejected: number };
  peakRssBytes: number;
  /** 1-minute load average before and after the run (the machine has other jobs). */
  load: [number, number];
}

type Row = [figure: string, value: string, target: string];
const n = (x: number) => Math.round(x).toLocaleString("en-US");

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(command, args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr || r.error}`);
  // The ETL's step trace (MOMO_ETL_TRACE=1) goes to stderr.
  if (process.env.MOMO_ETL_TRACE === "1" && r.stderr) process.stderr.write(r.stderr);
  return r.stdout;
}

const PSQL = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-At"];
const psql = (db: string, command: string) => run("psql", [...PSQL, "-d", db, "-c", command]);

/** The generated input of `scale`, cached in $TMPDIR/momo-bench-etl-<scale>/ (manifest.json is written last). */
function generatedInput(scale: string): { dir: string; rows: number } {
  const dir = join(tmpdir(), `momo-bench-etl-${scale}`);
  const manifest = join(dir, "manifest.json");
  if (existsSync(manifest)) console.log(`input: reusing ${dir}`);
  else {
    console.log(`input: generating --scale ${scale} into ${dir} ...`);
    run(process.execPath, [BIN, "generate", "--scale", scale, "--out", dir, "--json"]);
  }
  return { dir, rows: JSON.parse(readFileSync(manifest, "utf8")).counts.transactionFileRows };
}

const load1 = () => loadavg()[0] ?? Number.NaN;

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** utime + stime (and, with `reaped`, those of its reaped children) of a process, in clock ticks. */
function processTicks(pid: number, reaped: boolean): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  // Fields 14-17 of /proc/PID/stat (utime, stime, cutime, cstime); `fields` starts at field 3.
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return utime + stime + (reaped ? cutime + cstime : 0);
}

/**
 * CPU seconds used so far by the PostgreSQL server on this machine: the postmaster, its live processes and
 * those it has reaped (backends, parallel workers). Null when the server is not local. Other databases'
 * work on the same server counts too.
 */
function serverCpuSeconds(): number | null {
  try {
    const pid = Number(
      psql("postgres", "SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)").trim(),
    );
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
    let ticks = processTicks(pid, true);
    for (const child of children.filter(Boolean)) ticks += processTicks(Number(child), false);
    return ticks / CLOCK_TICKS;
  } catch {
    return null;
  }
}

const cpuText = (seconds: number | null) =>
  seconds === null ? "n/a (server not local)" : `${seconds.toFixed(1)} s`;

function etl(engine: string, input: string, env: NodeJS.ProcessEnv): EtlRun {
  const before = load1();
  const r = JSON.parse(
    run(process.execPath, [BIN, "etl", "run", "--input", input, "--engine", engine, "--json"], env),
  );
  return { ...r, load: [before, load1()] };
}

const loadText = (load: readonly number[]) => `load average ${load.map((l) => l.toFixed(2)).join(" -> ")}`;

/** Prints one engine's figures and returns them as summary rows. */
function report(engine: string, scale: string, r: EtlRun): Row[] {
  const rate = r.counts.rows_in / r.seconds;
  const gb = r.peakRssBytes / 1024 ** 3;
  const full: [string, string] =
    scale === "full"
      ? [`full-scale time (measured)`, `${r.seconds.toFixed(0)} s`]
      : [
          `full-scale time (EXTRAPOLATED linearly to ${n(FULL_ROWS)} rows)`,
          `${(FULL_ROWS / rate).toFixed(0)} s`,
        ];
  const stages = STAGES.map((s) => `${s} ${(r.stageSeconds[s] ?? 0).toFixed(1)}`).join(", ");
  const steps = STEPS.map((s) => `${s} ${(r.stepSeconds?.[s] ?? 0).toFixed(1)}`).join(", ");
  console.log(`\n${engine}: etl run --scale ${scale}`);
  console.log(
    `  rows               ${n(r.counts.rows_in)} in, ${n(r.counts.rows_loaded)} loaded, ${n(r.counts.rows_rejected)} rejected`,
  );
  console.log(`  wall time          ${r.seconds.toFixed(1)} s   (${loadText(r.load)}, 2 cores)`);
  console.log(
    `  CPU time           ${(r.cpuSeconds ?? Number.NaN).toFixed(1)} s (momo process, all threads)`,
  );
  console.log(`  rate               ${n(rate)} rows/s (rows_in / wall time)`);
  console.log(`  stage seconds      ${stages}`);
  console.log(`  transactions stage ${steps}`);
  console.log(`  peak RSS           ${gb.toFixed(2)} GB (momo process)   (target <= 2 GB)`);
  console.log(`  ${full[0]}   ${full[1]}   (target <= ${FULL_TARGET_SECONDS} s)`);
  return [
    [`${engine} ETL wall time`, `${r.seconds.toFixed(1)} s`, loadText(r.load)],
    [`${engine} ETL rows/s (end to end)`, n(rate), ""],
    [`${engine} peak RSS`, `${gb.toFixed(2)} GB`, "<= 2 GB"],
    [`${engine} ${full[0]}`, full[1], `<= ${FULL_TARGET_SECONDS} s`],
  ];
}

function benchDuckdb(scale: string, input: string): Row[] {
  const dir = mkdtempSync(join(tmpdir(), "momo-bench-etl-duckdb-"));
  try {
    return report("duckdb", scale, etl("duckdb", input, { MOMO_DUCKDB_PATH: join(dir, "bench.duckdb") }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchPostgres(scale: string, input: string): Row[] {
  try {
    psql("postgres", "SELECT 1");
  } catch (error) {
    console.log(`\npostgres: unreachable at 127.0.0.1:5432, skipped (${String(error).split("\n")[0]})`);
    return [["postgres", "skipped (server unreachable)", ""]];
  }
  const dropDb = () => psql("postgres", `DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
  const dir = mkdtempSync(join(tmpdir(), "momo-bench-etl-pg-"));
  try {
    dropDb();
    psql("postgres", `CREATE DATABASE ${PG_DB}`);
    const server0 = serverCpuSeconds();
    const r = etl("postgres", input, { DATABASE_URL: PG_URL });
    const server1 = serverCpuSeconds();
    const etlServerCpu = server0 === null || server1 === null ? null : server1 - server0;
    const rows = report("postgres", scale, r);
    console.log(
      `  server CPU time    ${cpuText(etlServerCpu)} (every process of the PostgreSQL server: other databases' work on it counts too)`,
    );

    // The physical limit: the loaded fact rows, re-loaded by a bare `\copy` into a plain table
    // (same columns and NOT NULLs; no indexes, checks, keys or partitions).
    const file = join(dir, "fact.tsv");
    psql(PG_DB, `\\copy (SELECT * FROM dwh.fact_transactions) TO '${file}'`);
    psql(PG_DB, "CREATE TABLE bench_bare (LIKE dwh.fact_transactions)");
    const loadBefore = load1();
    const copyCpu0 = serverCpuSeconds();
    const t0 = performance.now();
    const out = psql(PG_DB, `\\copy bench_bare FROM '${file}'`);
    const copySeconds = (performance.now() - t0) / 1000;
    const copyCpu1 = serverCpuSeconds();
    const copyServerCpu = copyCpu0 === null || copyCpu1 === null ? null : copyCpu1 - copyCpu0;
    const copyLoad = [loadBefore, load1()];
    const copied = Number(/COPY (\d+)/.exec(out)?.[1] ?? Number.NaN);
    const raw = copied / copySeconds;
    const etlRate = r.counts.rows_in / r.seconds;
    // The load: the COPY of the finished fact rows (checked and keyed aside, see TransformAside) into the
    // month tables, before their indexes and foreign keys; then with the indexes, foreign keys and ANALYZE
    // that follow it; then the whole transactions stage (reading, checks, keys, load, indexes).
    const step = (s: (typeof STEPS)[number]) => r.stepSeconds?.[s] ?? 0;
    const copySecondsEtl = step("fact_copy");
    const indexSeconds = step("index");
    const stageSeconds = STEPS.reduce((total, s) => total + step(s), 0);
    const rateOf = (seconds: number) => r.counts.rows_loaded / seconds;
    const ratio = (x: number) => `${(x / raw).toFixed(2)} x raw COPY`;
    const line = (label: string, seconds: number, what: string) =>
      console.log(
        `  ${label.padEnd(26)} ${seconds.toFixed(1)} s = ${n(rateOf(seconds))} rows/s = ${ratio(rateOf(seconds))}   (${what})`,
      );
    console.log(`\npostgres: raw \\copy of the ${n(copied)} loaded fact rows into a bare table`);
    console.log(
      `  raw COPY                   ${copySeconds.toFixed(1)} s = ${n(raw)} rows/s (psql \\copy, text format; ${loadText(copyLoad)}); server CPU ${cpuText(copyServerCpu)}`,
    );
    line(
      "load (COPY of the facts)",
      copySecondsEtl,
      `target >= ${RAW_COPY_TARGET} x; into the month tables, indexes built after`,
    );
    line(
      "load + indexes, FKs",
      copySecondsEtl + indexSeconds,
      "with each month's indexes, foreign keys and ANALYZE",
    );
    line("transactions stage", stageSeconds, "reading, checks, keys, load, indexes");
    console.log(
      `  ETL end to end             ${n(etlRate)} rows/s = ${ratio(etlRate)}   (summary and dashboard aggregates included)`,
    );
    return [
      ...rows,
      ["postgres ETL server CPU (whole server, other users included)", cpuText(etlServerCpu), ""],
      ["postgres raw \\copy rows/s (loaded fact rows, bare table)", n(raw), loadText(copyLoad)],
      ["postgres raw \\copy server CPU", cpuText(copyServerCpu), ""],
      [
        "postgres load (COPY of the finished facts) / raw COPY",
        ratio(rateOf(copySecondsEtl)),
        `>= ${RAW_COPY_TARGET} x`,
      ],
      ["postgres load + indexes, FKs, ANALYZE / raw COPY", ratio(rateOf(copySecondsEtl + indexSeconds)), ""],
      ["postgres transactions stage / raw COPY", ratio(rateOf(stageSeconds)), ""],
      ["postgres ETL end to end / raw COPY", ratio(etlRate), ""],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    dropDb();
  }
}

/** `etl [--scale medium|full] [--engines duckdb,postgres]`: `momo etl run` per engine, against raw COPY on PostgreSQL. */
export async function benchEtl(args: string[]): Promise<void> {
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const scale = option("--scale") ?? "medium";
  const engines = (option("--engines") ?? "duckdb,postgres").split(",");
  const input = generatedInput(scale);
  console.log(`input: ${n(input.rows)} transaction file rows`);
  const rows: Row[] = [];
  if (engines.includes("duckdb")) rows.push(...benchDuckdb(scale, input.dir));
  if (engines.includes("postgres")) rows.push(...benchPostgres(scale, input.dir));
  const figureWidth = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  console.log(`\nsummary (--scale ${scale})`);
  for (const [figure, value, target] of rows)
    console.log(`  ${figure.padEnd(figureWidth)}  ${value.padStart(valueWidth)}  ${target}`.trimEnd());
}
