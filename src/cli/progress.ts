import cliProgress from "cli-progress";

export interface ProgressBar {
  /** `value` of `total` drives the bar; the rate counts `items` (rows) when given, else `value`. */
  update(label: string, value: number, total: number, items?: number): void;
  stop(): void;
}

/** A progress bar on stderr with rows/s and ETA; silent when stderr is not a terminal or `quiet`. */
export function progressBar(quiet = false): ProgressBar {
  if (quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "{label} [{bar}] {percentage}% | {count} | {rate}/s | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let label = "";
  let started = 0;
  let startedAt = performance.now();
  return {
    update(next, value, total, items) {
      const counted = items ?? value;
      const count = items === undefined ? `${value}/${total}` : `${items.toLocaleString("en-US")} rows`;
      if (next !== label) {
        if (label) bar.stop();
        label = next;
        started = counted;
        startedAt = performance.now();
        bar.start(total, value, { label, rate: "-", count });
      }
      const seconds = (performance.now() - startedAt) / 1000;
      const rate = seconds > 0 ? Math.round((counted - started) / seconds).toLocaleString("en-US") : "-";
      bar.setTotal(Math.max(total, value));
      bar.update(value, { label, rate: items === undefined ? rate : `${rate} rows`, count });
    },
    stop() {
      if (label) bar.stop();
    },
  };
}
