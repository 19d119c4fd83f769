import { DIMENSION_TABLES, FACT_TABLES, WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import { qualified, quoteIdent, type Warehouse } from "../warehouse/warehouse.ts";

/** How each table of `dwh` spreads over a Citus cluster. Every table must be listed: a new one needs a decision. */
export interface CitusLayout {
  /** Copied whole to every node: small, joined by everything. */
  readonly reference: readonly string[];
  /** Sharded by `column` and co-located: a client's rows of all these tables live on the same node. */
  readonly colocated: { readonly column: string; readonly tables: readonly string[] };
  /** Sharded by a column of their own, in a co-location group of their own. */
  readonly alone: readonly { readonly table: string; readonly column: string }[];
}

export const CITUS_LAYOUT: CitusLayout = {
  // Small tables the dashboards join freely: copied to every node.
  reference: [
    ...DIMENSION_TABLES,
    "ml_models",
    "agg_activity_calendar",
    "agg_segment_summary",
    "agg_segment_migration",
    "agg_client_registrations",
    "agg_active_groups",
    "agg_active_cohorts",
  ],
  // The durable client_id, not the SCD2 client_key, so that per-client windows across versions stay on one node.
  colocated: {
    column: "client_id",
    tables: [
      ...FACT_TABLES,
      "client_segments",
      "agg_client_days",
      "agg_client_monthly",
      "agg_active_members",
    ],
  },
  // They carry no client_id. Scores sharded by transaction: their joins to fact_transactions are
  // repartitioned. The KPI aggregates by day, the cohorts by month: the dashboards only join them to
  // reference dimensions.
  alone: [
    { table: "fact_fraud_scores", column: "transaction_id" },
    { table: "agg_daily_kpi", column: "date_key" },
    { table: "agg_monthly_kpi", column: "date_key" },
    { table: "agg_daily_scores", column: "date_key" },
    { table: "agg_monthly_scores", column: "date_key" },
    { table: "agg_cohort_monthly", column: "month_key" },
    { table: "agg_active_sets", column: "period_key" },
    { table: "agg_facet_leaders", column: "month_key" },
  ],
};

/** A primary key, unique constraint or unique index of a `dwh` table, columns in key order. */
export interface UniqueKey {
  readonly table: string;
  readonly name: string;
  readonly kind: "primary key" | "unique constraint" | "unique index";
  readonly columns: readonly string[];
}

export interface CitusCatalog {
  /** Top-level tables of `dwh` (partitions folded into their parent) and their columns. */
  readonly tables: ReadonlyMap<string, readonly string[]>;
  readonly uniqueKeys: readonly UniqueKey[];
  /** The `dwh` tables each table's foreign keys point at. */
  readonly references: ReadonlyMap<string, readonly string[]>;
  /** Tables Citus already distributes (reference or sharded): left as they are. */
  readonly distributed: ReadonlySet<string>;
}

export class CitusUnavailableError extends Error {
  override readonly name = "CitusUnavailableError";
}

/**
 * The statements that distribute the warehouse, in order: reference tables first (sharded tables have
 * foreign keys to them), then each sharded table's unique keys widened with its distribution column (Citus
 * enforces uniqueness per shard only), then the sharded tables, co-located with the first of their group.
 */
export function citusDistributionSql(catalog: CitusCatalog, layout: CitusLayout = CITUS_LAYOUT): string[] {
  const sharded = [
    ...layout.colocated.tables.map((table) => ({ table, column: layout.colocated.column })),
    ...layout.alone,
  ];
  checkLayout(catalog, layout, sharded);
  const pending = (table: string) => !catalog.distributed.has(table);
  const statements = referencedFirst(layout.reference, catalog.references)
    .filter(pending)
    .map((table) => `SELECT create_reference_table(${literal(ref(table))});`);
  for (const { table, column } of sharded.filter((s) => pending(s.table)))
    statements.push(...widenUniqueKeys(catalog.uniqueKeys, table, column));
  const [anchor] = layout.colocated.tables;
  for (const { table, column } of sharded.filter((s) => pending(s.table))) {
    const colocate = layout.alone.some((a) => a.table === table)
      ? "none"
      : table === anchor
        ? "default"
        : ref(anchor as string);
    statements.push(
      `SELECT create_distributed_table(${literal(ref(table))}, ${literal(column)}, colocate_with => ${literal(colocate)});`,
    );
  }
  return statements;
}

function checkLayout(
  catalog: CitusCatalog,
  layout: CitusLayout,
  sharded: readonly { table: string; column: string }[],
): void {
  const placed = new Set([...layout.reference, ...sharded.map((s) => s.table)]);
  const unplaced = [...catalog.tables.keys()].filter((t) => !placed.has(t));
  if (unplaced.length > 0)
    throw new Error(
      `no Citus distribution for ${unplaced.map(ref).join(", ")}: add it to CITUS_LAYOUT in src/init/citus.ts`,
    );
  for (const { table, column } of sharded) {
    const columns = catalog.tables.get(table);
    if (!columns) throw new Error(`${ref(table)} does not exist: run \`momo init\` first`);
    if (!columns.includes(column))
      throw new Error(
        `${ref(table)} has no column ${column} to distribute it by (CITUS_LAYOUT, src/init/citus.ts)`,
      );
  }
}

/** Reference tables ordered so that each comes after those its foreign keys point at (Citus requires it). */
function referencedFirst(
  tables: readonly string[],
  references: ReadonlyMap<string, readonly string[]>,
): string[] {
  const ordered: string[] = [];
  const visit = (table: string, path: readonly string[]) => {
    if (ordered.includes(table) || !tables.includes(table)) return;
    if (path.includes(table)) throw new Error(`foreign keys form a cycle: ${[...path, table].join(" → ")}`);
    for (const target of references.get(table) ?? []) if (target !== table) visit(target, [...path, table]);
    ordered.push(table);
  };
  for (const table of tables) visit(table, []);
  return ordered;
}

/** Drops and re-creates, under the same name, each unique key of `table` that lacks `column`, with it last. */
function widenUniqueKeys(keys: readonly UniqueKey[], table: string, column: string): string[] {
  return keys
    .filter((k) => k.table === table && !k.columns.includes(column))
    .map((k) => {
      if (k.kind === "unique index")
        throw new Error(
          `unique index ${k.name} on ${ref(table)} lacks the distribution column ${column}: make it a constraint or add ${column} to it`,
        );
      const columns = [...k.columns, column].map(quoteIdent).join(", ");
      const kind = k.kind === "primary key" ? "PRIMARY KEY" : "UNIQUE";
      return `ALTER TABLE ${ref(table)} DROP CONSTRAINT ${quoteIdent(k.name)}, ADD CONSTRAINT ${quoteIdent(k.name)} ${kind} (${columns});`;
    });
}

function ref(table: string): string {
  return qualified({ schema: WAREHOUSE_SCHEMA, table });
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Refuses unless the `citus` extension is created in the warehouse's database, saying what to do instead. */
export async function requireCitus(wh: Warehouse): Promise<string> {
  if (wh.engine !== "postgres")
    throw new CitusUnavailableError(
      `--citus needs the postgres engine, not ${wh.engine} (pass --engine postgres)`,
    );
  const [installed] = await wh.query<{ version: string }>(
    "SELECT extversion AS version FROM pg_extension WHERE extname = 'citus'",
  );
  if (installed) return installed.version;
  const [available] = await wh.query<{ name: string }>(
    "SELECT name FROM pg_available_extensions WHERE name = 'citus'",
  );
  throw new CitusUnavailableError(
    available
      ? "the citus extension is not created in this database: run CREATE EXTENSION citus (with citus in shared_preload_libraries), then momo init --citus"
      : "the citus extension is not installed on this PostgreSQL server: install Citus (docs/scale-out.md), add it to shared_preload_libraries, run CREATE EXTENSION citus, then momo init --citus",
  );
}

/** Reads what `citusDistributionSql` needs from a PostgreSQL warehouse. */
export async function readCitusCatalog(wh: Warehouse, withCitusMetadata: boolean): Promise<CitusCatalog> {
  const columns = await wh.query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname, a.attnum`,
    [WAREHOUSE_SCHEMA],
  );
  const tables = new Map<string, string[]>();
  for (const { table_name, column_name } of columns) {
    const list = tables.get(table_name) ?? [];
    list.push(column_name);
    tables.set(table_name, list);
  }
  const keys = await wh.query<{ table_name: string; name: string; kind: UniqueKey["kind"]; columns: string }>(
    `SELECT t.relname AS table_name, i.relname AS name,
            CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique constraint' ELSE 'unique index' END AS kind,
            (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
               FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_constraint con ON con.conindid = x.indexrelid AND con.contype IN ('p', 'u')
      WHERE n.nspname = $1 AND x.indisunique AND NOT t.relispartition
      ORDER BY t.relname, i.relname`,
    [WAREHOUSE_SCHEMA],
  );
  const foreignKeys = await wh.query<{ table_name: string; target: string }>(
    `SELECT DISTINCT t.relname AS table_name, r.relname AS target
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class r ON r.oid = con.confrelid
      WHERE con.contype = 'f' AND n.nspname = $1 AND NOT t.relispartition
      ORDER BY 1, 2`,
    [WAREHOUSE_SCHEMA],
  );
  const references = new Map<string, string[]>();
  for (const { table_name, target } of foreignKeys)
    references.set(table_name, [...(references.get(table_name) ?? []), target]);
  const distributed = withCitusMetadata
    ? await wh.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_dist_partition p
           JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1`,
        [WAREHOUSE_SCHEMA],
      )
    : [];
  return {
    tables,
    uniqueKeys: keys.map((k) => ({
      table: k.table_name,
      name: k.name,
      kind: k.kind,
      columns: k.columns.split(","),
    })),
    references,
    distributed: new Set(distributed.map((d) => d.name)),
  };
}

/**
 * Distributes an initialised PostgreSQL warehouse over Citus and returns the statements run. Each commits on
 * its own (Citus moves a table's rows to its shards as it distributes it); running it again finishes what a
 * failure left, since tables already distributed, and keys already widened, are skipped.
 */
export async function distributeWithCitus(wh: Warehouse): Promise<string[]> {
  await requireCitus(wh);
  const statements = citusDistributionSql(await readCitusCatalog(wh, true));
  for (const statement of statements) await wh.exec(statement);
  return statements;
}
