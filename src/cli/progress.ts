import cliProgress from "cli-progress";

export interface ProgressBar {
  update(label: string, value: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr with rows/s and ETA; silent when stderr is not a terminal or `quiet`. */
export function progressBar(quiet = false): ProgressBar {
  if (quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "{label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}",
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
    update(next, value, total) {
      if (next !== label) {
        if (label) bar.stop();
        label = next;
        started = value;
        startedAt = performance.now();
        bar.start(total, value, { label, rate: "-" });
      }
      const seconds = (performance.now() - startedAt) / 1000;
      const rate = seconds > 0 ? Math.round((value - started) / seconds).toLocaleString("en-US") : "-";
      bar.setTotal(Math.max(total, value));
      bar.update(value, { label, rate });
    },
    stop() {
      if (label) bar.stop();
    },
  };
}
