import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openDuckDb } from "../warehouse/duckdb/duckdb-warehouse.ts";
import { AUDIT_SCHEMA, applySchema, WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import { missingComments, readDictionary } from "./read-dictionary.ts";
import { renderDataDictionary } from "./render-dictionary.ts";

/** The committed data dictionary, in the repository's docs/. */
export const DATA_DICTIONARY_PATH = fileURLToPath(new URL("../../docs/data_dictionary.md", import.meta.url));

export class UndocumentedSchemaError extends Error {
  override readonly name = "UndocumentedSchemaError";
}

/**
 * Builds the data dictionary from a fresh in-memory DuckDB warehouse, so it documents the schema as
 * `momo init` creates it. Refuses when a table or a table column has no comment.
 */
export async function buildDataDictionary(): Promise<string> {
  const wh = await openDuckDb({ path: ":memory:" });
  try {
    await applySchema(wh);
    const relations = await readDictionary(wh, [WAREHOUSE_SCHEMA, AUDIT_SCHEMA]);
    const missing = missingComments(relations);
    if (missing.length > 0)
      throw new UndocumentedSchemaError(
        `no comment on ${missing.join(", ")}: add COMMENT ON … to src/warehouse/sql/comments.sql, then run \`momo docs\``,
      );
    return renderDataDictionary(relations);
  } finally {
    await wh.close();
  }
}

export interface DocsResult {
  readonly path: string;
  /** The file on disk differed from the generated dictionary (or was missing). */
  readonly changed: boolean;
}

/** Writes the dictionary to `path` (unless `check`), saying whether the file was out of date. */
export async function writeDataDictionary(
  path: string = DATA_DICTIONARY_PATH,
  { check = false }: { check?: boolean } = {},
): Promise<DocsResult> {
  const generated = await buildDataDictionary();
  const changed = readIfExists(path) !== generated;
  if (changed && !check) writeFileSync(path, generated);
  return { path, changed };
}

function readIfExists(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
