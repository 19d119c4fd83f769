import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { openDuckDb } from "../warehouse/duckdb/duckdb-warehouse.ts";
import type { WrittenFile } from "./file-sink.ts";

/**
 * Rewrites each CSV as Parquet with every column as text, so the deliberately broken values survive
 * for the ETL to quarantine (a short line gets NULLs in its missing columns).
 */
export async function convertToParquet(
  outDir: string,
  files: readonly WrittenFile[],
  onFile: (done: number) => void,
): Promise<WrittenFile[]> {
  const db = await openDuckDb({ path: ":memory:" });
  try {
    await db.exec("SET threads = 1; SET preserve_insertion_order = true");
    const converted: WrittenFile[] = [];
    for (const file of files) {
      const csv = join(outDir, file.path);
      const path = file.path.replace(/\.csv$/, ".parquet");
      const target = join(outDir, path);
      await db.exec(
        `COPY (SELECT * FROM read_csv(${literal(csv)}, header = true, all_varchar = true, null_padding = true,
                                      auto_detect = true, hive_partitioning = false, quote = '"', escape = '"', delim = ','))
           TO ${literal(`${target}.partial`)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      renameSync(`${target}.partial`, target);
      rmSync(csv);
      const bytes = readFileSync(target);
      converted.push({
        path,
        rows: file.rows,
        bytes: statSync(target).size,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      });
      onFile(converted.length);
    }
    return converted;
  } finally {
    await db.close();
  }
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
