/**
 * With MOMO_ETL_TRACE=1, the ETL prints the seconds, CPU seconds (every thread) and memory of its inner
 * steps on stderr, for profiling: the RSS at the end of the step and the highest RSS sampled (every 50 ms)
 * since the previous trace line, so a peak that happens inside a step is placed in it.
 */
const ON = process.env.MOMO_ETL_TRACE === "1";

const GB = 1024 ** 3;
let sampledPeak = 0;
let sampling = false;

function sample(): void {
  const rss = process.memoryUsage.rss();
  if (rss > sampledPeak) sampledPeak = rss;
}

export async function traced<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!ON) return work();
  if (!sampling) {
    sampling = true;
    setInterval(sample, 50).unref();
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    return await work();
  } finally {
    sample();
    const cpu = process.cpuUsage(cpu0);
    process.stderr.write(
      `[etl] ${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s, cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s` +
        ` (rss ${(process.memoryUsage.rss() / GB).toFixed(2)} GB, peak since last line ${(sampledPeak / GB).toFixed(2)} GB)\n`,
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
