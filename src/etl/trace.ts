import { readFileSync } from "node:fs";

/**
 * With MOMO_ETL_TRACE=1, the ETL prints the seconds, CPU seconds (every thread) and memory of its inner
 * steps on stderr, for profiling: the RSS at the end of the step and the highest RSS sampled (every 50 ms)
 * since the previous trace line, so a peak that happens inside a step is placed in it; on Linux also the
 * bytes the step read from and wrote to storage (/proc/self/io: DuckDB's database file and spills).
 */
const ON = process.env.MOMO_ETL_TRACE === "1";

const GB = 1024 ** 3;
let sampledPeak = 0;
let sampling = false;

function sample(): void {
  const rss = process.memoryUsage.rss();
  if (rss > sampledPeak) sampledPeak = rss;
}

/** Bytes this process has read from and written to storage so far, or null where /proc/self/io is missing. */
function storageBytes(): { read: number; write: number } | null {
  try {
    const text = readFileSync("/proc/self/io", "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    return { read: field("read_bytes"), write: field("write_bytes") };
  } catch {
    return null;
  }
}

export async function traced<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!ON) return work();
  if (!sampling) {
    sampling = true;
    setInterval(sample, 50).unref();
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const io0 = storageBytes();
  try {
    return await work();
  } finally {
    sample();
    const cpu = process.cpuUsage(cpu0);
    const io1 = storageBytes();
    const io =
      io0 && io1
        ? `, read ${((io1.read - io0.read) / GB).toFixed(2)} GB, written ${((io1.write - io0.write) / GB).toFixed(2)} GB`
        : "";
    process.stderr.write(
      `[etl] ${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s` +
        ` (rss ${(process.memoryUsage.rss() / GB).toFixed(2)} GB, peak since last line ${(sampledPeak / GB).toFixed(2)} GB${io})\n`,
    );
    sampledPeak = 0;
  }
}

/** With MOMO_ETL_TRACE=1 on DuckDB, prints what DuckDB's memory holds (duckdb_memory(), tags over 1 MB) after `label`. */
export async function traceEngineMemory(
  label: string,
  query: () => Promise<{ tag: string; mb: number }[]>,
): Promise<void> {
  if (!ON) return;
  const tags = (await query()).map((t) => `${t.tag} ${Math.round(Number(t.mb))} MB`).join(", ");
  process.stderr.write(`[etl] ${label}: duckdb memory ${tags}\n`);
}
