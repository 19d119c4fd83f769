import type { CatalogInfo, IndexInfo, TableInfo, Warehouse } from "../warehouse.ts";
import { qualified } from "../warehouse.ts";

interface RelationRow {
  schema: string;
  name: string;
  kind: "table" | "view";
  comment: string | null;
  size_bytes: number | null;
}

export async function postgresCatalog(wh: Warehouse, schemas: readonly string[]): Promise<CatalogInfo> {
  // Partitions are folded into their parent: its size sums the whole partition tree.
  const relations = await wh.query<RelationRow>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE WHEN c.relkind = 'v' THEN 'view' ELSE 'table' END AS kind,
            obj_description(c.oid, 'pg_class') AS comment,
            CASE c.relkind
              WHEN 'v' THEN NULL
              WHEN 'p' THEN (SELECT sum(pg_total_relation_size(t.relid))::bigint FROM pg_partition_tree(c.oid) t)
              ELSE pg_total_relation_size(c.oid)
            END AS size_bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
      ORDER BY kind, name`,
    [`{${schemas.join(",")}}`],
  );
  const tables: TableInfo[] = [];
  for (const { size_bytes, ...relation } of relations) {
    const [count] = await wh.query<{ n: number }>(
      `SELECT count(*) AS n FROM ${qualified({ schema: relation.schema, table: relation.name })}`,
    );
    tables.push({ ...relation, rowCount: count?.n ?? 0, sizeBytes: size_bytes });
  }
  const indexes = await wh.query<IndexInfo>(
    `SELECT i.schemaname AS schema, i.tablename AS "table", i.indexname AS name, i.indexdef AS definition
       FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
      WHERE i.schemaname = ANY($1::text[]) AND NOT c.relispartition
      ORDER BY 2, 3`,
    [`{${schemas.join(",")}}`],
  );
  const [size] = await wh.query<{ bytes: number }>("SELECT pg_database_size(current_database()) AS bytes");
  return { tables, indexes, databaseSizeBytes: size?.bytes ?? 0 };
}
