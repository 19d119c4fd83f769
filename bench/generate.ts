import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../bin/momo.js", import.meta.url));
/** PaySim, the public Java mobile-money simulator, on this machine class (figure given in the project's issue 3). */
const PAYSIM_ROWS_PER_SECOND = 235_000;

/** `generate [--scale medium|full]`: wall time, rows/s and peak RSS of `momo generate`, output deleted afterwards. */
export async function benchGenerate(args: string[]): Promise<void> {
  const scaleIndex = args.indexOf("--scale");
  const scales = scaleIndex >= 0 ? [args[scaleIndex + 1] ?? "medium"] : ["medium"];
  for (const scale of scales) {
    const out = mkdtempSync(join(tmpdir(), `momo-bench-${scale}-`));
    try {
      const run = spawnSync(process.execPath, [BIN, "generate", "--scale", scale, "--out", out, "--json"], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      if (run.status !== 0) throw new Error(`momo generate failed: ${run.stderr}`);
      const result = JSON.parse(run.stdout);
      const rows = result.counts.transactionFileRows as number;
      const rate = rows / result.seconds;
      const gb = result.peakRssBytes / 1024 ** 3;
      console.log(`generate --scale ${scale}`);
      console.log(`  clients            ${result.counts.clients.toLocaleString("en-US")}`);
      console.log(
        `  transaction rows   ${rows.toLocaleString("en-US")} (${result.counts.fraudTransactions.toLocaleString("en-US")} fraud, ${result.counts.dirtyRows.toLocaleString("en-US")} dirty)`,
      );
      console.log(`  wall time          ${result.seconds.toFixed(1)} s   (target at full scale: <= 180 s)`);
      console.log(
        `  rate               ${Math.round(rate).toLocaleString("en-US")} rows/s = ${(rate / PAYSIM_ROWS_PER_SECOND).toFixed(2)} x PaySim's ${PAYSIM_ROWS_PER_SECOND.toLocaleString("en-US")} rows/s   (target >= 1.5 x)`,
      );
      console.log(`  peak RSS           ${gb.toFixed(2)} GB   (target <= 2 GB)`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}
