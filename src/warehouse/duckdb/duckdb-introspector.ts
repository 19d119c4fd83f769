import type { CatalogInfo, IndexInfo, TableInfo, Warehouse } from "../warehouse.ts";
import { qualified } from "../warehouse.ts";

interface RelationRow {
  schema: string;
  name: string;
  kind: "table" | "view";
  comment: string | null;
}

export async function duckdbCatalog(wh: Warehouse, schemas: readonly string[]): Promise<CatalogInfo> {
  const relations = await wh.query<RelationRow>(
    `SELECT schema_name AS schema, table_name AS name, 'table' AS kind, comment
       FROM duckdb_tables() WHERE database_name = current_database() AND list_contains(string_split($1, ','), schema_name)
     UNION ALL
     SELECT schema_name, view_name, 'view', comment
       FROM duckdb_views() WHERE database_name = current_database() AND list_contains(string_split($1, ','), schema_name)
     ORDER BY kind, name`,
    [schemas.join(",")],
  );
  const [{ block_size: blockSize = 262_144 } = {}] = await wh.query<{ block_size: number }>(
    "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()",
  );
  const tables: TableInfo[] = [];
  for (const relation of relations) {
    const ref = { schema: relation.schema, table: relation.name };
    const [count] = await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${qualified(ref)}`);
    let sizeBytes: number | null = null;
    if (relation.kind === "table") {
      const [blocks] = await wh.query<{ n: number }>(
        `SELECT count(DISTINCT block_id) AS n FROM pragma_storage_info('${relation.schema}.${relation.name}')
          WHERE persistent AND block_id >= 0`,
      );
      sizeBytes = (blocks?.n ?? 0) * blockSize;
    }
    tables.push({ ...relation, rowCount: count?.n ?? 0, sizeBytes });
  }
  const indexes = await wh.query<IndexInfo>(
    `SELECT schema_name AS schema, table_name AS "table", index_name AS name, "sql" AS definition
       FROM duckdb_indexes() WHERE list_contains(string_split($1, ','), schema_name)
     UNION ALL
     SELECT schema_name, table_name, constraint_name, constraint_text
       FROM duckdb_constraints()
      WHERE list_contains(string_split($1, ','), schema_name) AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
     ORDER BY 2, 3`,
    [schemas.join(",")],
  );
  const [size] = await wh.query<{ bytes: number }>(
    "SELECT total_blocks * block_size AS bytes FROM pragma_database_size() WHERE database_name = current_database()",
  );
  return { tables, indexes, databaseSizeBytes: size?.bytes ?? 0 };
}
