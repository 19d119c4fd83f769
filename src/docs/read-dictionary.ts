import type { Warehouse } from "../warehouse/warehouse.ts";

export interface DictionaryColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly comment: string | null;
}

export interface DictionaryRelation {
  readonly schema: string;
  readonly name: string;
  readonly kind: "table" | "view";
  readonly comment: string | null;
  readonly columns: readonly DictionaryColumn[];
}

interface ColumnRow {
  schema: string;
  relation: string;
  kind: "table" | "view";
  relation_comment: string | null;
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

/** Tables and views of `schemas` with their columns, types and comments, read from a DuckDB catalog. */
export async function readDictionary(
  wh: Warehouse,
  schemas: readonly string[],
): Promise<DictionaryRelation[]> {
  if (wh.engine !== "duckdb") throw new Error(`the data dictionary is read from DuckDB, not ${wh.engine}`);
  const rows = await wh.query<ColumnRow>(
    `WITH relations AS (
       SELECT schema_name, table_name AS relation, 'table' AS kind, comment
         FROM duckdb_tables() WHERE database_name = current_database()
       UNION ALL
       SELECT schema_name, view_name, 'view', comment
         FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
     )
     SELECT r.schema_name AS schema, r.relation, r.kind, r.comment AS relation_comment,
            c.column_name AS name, c.data_type AS type, c.is_nullable AS nullable, c.comment
       FROM relations r
       JOIN duckdb_columns() c
         ON c.database_name = current_database() AND c.schema_name = r.schema_name AND c.table_name = r.relation
      WHERE list_contains(string_split($1, ','), r.schema_name)
      ORDER BY r.schema_name, r.relation, c.column_index`,
    [schemas.join(",")],
  );
  const relations = new Map<string, DictionaryRelation & { columns: DictionaryColumn[] }>();
  for (const row of rows) {
    const id = `${row.schema}.${row.relation}`;
    let relation = relations.get(id);
    if (!relation) {
      relation = {
        schema: row.schema,
        name: row.relation,
        kind: row.kind,
        comment: row.relation_comment,
        columns: [],
      };
      relations.set(id, relation);
    }
    relation.columns.push({ name: row.name, type: row.type, nullable: row.nullable, comment: row.comment });
  }
  return [...relations.values()];
}

/** Tables without a comment, and table columns without one (views' columns carry none by design). */
export function missingComments(relations: readonly DictionaryRelation[]): string[] {
  const missing: string[] = [];
  for (const relation of relations) {
    const id = `${relation.schema}.${relation.name}`;
    if (!relation.comment) missing.push(id);
    if (relation.kind !== "table") continue;
    for (const column of relation.columns) if (!column.comment) missing.push(`${id}.${column.name}`);
  }
  return missing;
}
