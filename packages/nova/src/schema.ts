import schemaJson from './nova-bexar-schema.json' with { type: 'json' };

/**
 * Nova Bexar's schema as `nova-bexar-schema.json` describes it (a copy of
 * /work/shared/reference/nova-bexar-schema.json, checked equal by a test). Everything here is
 * derived from that file, never hand-written, so init-db and inspection cannot drift from it.
 */

export type BexarColumnType = 'INTEGER' | 'VARCHAR' | 'TEXT' | 'TIMESTAMP' | 'BOOLEAN';

export interface BexarColumn {
  readonly name: string;
  readonly type: BexarColumnType;
  readonly length: number | null;
  readonly nullable: boolean;
  readonly primary_key: boolean;
  /** `table.column` */
  readonly foreign_key: string | null;
  readonly default: string | null;
}

export interface BexarTable {
  readonly columns: readonly BexarColumn[];
  readonly unique: readonly (readonly string[])[];
}

export interface BexarSchema {
  readonly migrate_version: number;
  readonly release: string;
  readonly fk_safe_create_order: readonly string[];
  readonly tables: Readonly<Record<string, BexarTable>>;
}

export const BEXAR_SCHEMA: BexarSchema = schemaJson as BexarSchema;
export const BEXAR_MIGRATE_VERSION = BEXAR_SCHEMA.migrate_version;
export const BEXAR_TABLES: readonly string[] = BEXAR_SCHEMA.fk_safe_create_order;
/** sqlalchemy-migrate's repository id for Nova (`migrate.cfg`). */
export const NOVA_REPOSITORY_ID = 'nova';
/** What an Ubuntu-packaged Bexar would have as `repository_path` (informational only). */
export const DEFAULT_REPOSITORY_PATH =
  '/usr/lib/pymodules/python2.6/nova/db/sqlalchemy/migrate_repo';

export function bexarTable(name: string): BexarTable {
  const t = BEXAR_SCHEMA.tables[name];
  if (t === undefined) throw new Error(`not a Bexar table: ${name}`);
  return t;
}

/** SQL identifiers in this schema are plain lower-case words; quote them anyway (`binary`). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe SQL identifier ${name}`);
  return `"${name}"`;
}

export function isSerial(table: BexarTable, col: BexarColumn): boolean {
  const pk = table.columns.filter((c) => c.primary_key);
  return col.primary_key && pk.length === 1 && col.type === 'INTEGER';
}

/** PostgreSQL's name for a column type of the reference schema, as information_schema shows it. */
export function columnSqlType(col: BexarColumn): string {
  switch (col.type) {
    case 'INTEGER':
      return 'integer';
    case 'VARCHAR':
      return `character varying(${String(col.length ?? 255)})`;
    case 'TEXT':
      return 'text';
    case 'TIMESTAMP':
      return 'timestamp without time zone';
    case 'BOOLEAN':
      return 'boolean';
  }
}

/**
 * `CREATE TABLE` statements in the FK-safe order, as SQLAlchemy 0.6 would render them on
 * PostgreSQL (SERIAL single-column integer keys, unnamed inline FKs; the two FK columns of
 * `user_project_role_association` form one composite FK, nova-bexar.md §1.3).
 */
export function renderBexarDdl(): string[] {
  const out: string[] = [];
  for (const name of BEXAR_TABLES) {
    const table = bexarTable(name);
    const lines: string[] = [];
    for (const col of table.columns) {
      const type = isSerial(table, col) ? 'serial' : columnSqlType(col);
      lines.push(`${ident(col.name)} ${type}${col.nullable ? '' : ' NOT NULL'}`);
    }
    const pk = table.columns.filter((c) => c.primary_key).map((c) => ident(c.name));
    lines.push(`PRIMARY KEY (${pk.join(', ')})`);
    const byTarget = new Map<string, { from: string[]; to: string[] }>();
    for (const col of table.columns) {
      if (col.foreign_key === null) continue;
      const [target, targetCol] = col.foreign_key.split('.') as [string, string];
      const entry = byTarget.get(target) ?? { from: [], to: [] };
      entry.from.push(ident(col.name));
      entry.to.push(ident(targetCol));
      byTarget.set(target, entry);
    }
    for (const [target, fk] of byTarget) {
      // Only user_project_role_association has two FK columns to one table, and they are one
      // composite constraint; other tables with two FKs to one table (security_group_rules)
      // reference the same column twice and stay separate.
      const composite = new Set(fk.to).size === fk.to.length && fk.to.length > 1;
      if (composite) {
        lines.push(
          `FOREIGN KEY (${fk.from.join(', ')}) REFERENCES ${ident(target)} (${fk.to.join(', ')})`,
        );
      } else {
        fk.from.forEach((f, i) => {
          lines.push(`FOREIGN KEY (${f}) REFERENCES ${ident(target)} (${fk.to[i] ?? ''})`);
        });
      }
    }
    for (const u of table.unique) {
      lines.push(`UNIQUE (${u.map(ident).join(', ')})`);
    }
    out.push(`CREATE TABLE ${ident(name)} (\n  ${lines.join(',\n  ')}\n)`);
  }
  return out;
}

/** SERIAL tables: the ones whose sequences must be moved past preserved ids. */
export function serialTables(): string[] {
  return BEXAR_TABLES.filter((name) => {
    const t = bexarTable(name);
    return t.columns.some((c) => isSerial(t, c));
  });
}

/** Columns that hold an id of `table.column` by foreign key (the DDL's FKs). */
export function referencingColumns(
  table: string,
  column = 'id',
): { table: string; column: string }[] {
  const target = `${table}.${column}`;
  const out: { table: string; column: string }[] = [];
  for (const name of BEXAR_TABLES) {
    for (const col of bexarTable(name).columns) {
      if (col.foreign_key === target) out.push({ table: name, column: col.name });
    }
  }
  return out;
}
