/** With MOMO_ETL_TRACE=1, the ETL prints the seconds of its inner steps on stderr (for profiling). */
const ON = process.env.MOMO_ETL_TRACE === "1";

export async function traced<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!ON) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    const rss = (process.memoryUsage.rss() / 1024 ** 3).toFixed(2);
    process.stderr.write(
      `[etl] ${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s (rss ${rss} GB)\n`,
    );
  }
}
