import { statfs } from 'node:fs/promises';
import type pg from 'pg';
import { NovaTargetError, withClient } from './db.ts';
import {
  BEXAR_MIGRATE_VERSION,
  BEXAR_TABLES,
  NOVA_REPOSITORY_ID,
  bexarTable,
  ident,
  type BexarColumn,
} from './schema.ts';

export interface ColumnDifference {
  readonly table: string;
  readonly column: string;
  readonly problem: 'missing' | 'type' | 'nullability' | 'extra';
  readonly expected: string;
  readonly actual: string;
}

export interface TargetState {
  /** `empty`: no Bexar table at all; `bexar`: version 2 with the expected columns. */
  readonly status: 'empty' | 'bexar' | 'other-version' | 'not-nova' | 'incomplete';
  /** `migrate_version.version` for repository `nova`, if any. */
  readonly schemaVersion: number | null;
  readonly missingTables: readonly string[];
  /** Tables present that Bexar does not have (other applications, later Nova releases). */
  readonly extraTables: readonly string[];
  readonly columnDifferences: readonly ColumnDifference[];
  /** Integer id columns already widened to bigint (an accepted difference). */
  readonly widenedColumns: readonly string[];
  /** Non-deleted rows per Bexar table present. */
  readonly rowCounts: Readonly<Record<string, number>>;
  /** Whether the connected role may insert into every Bexar table present. */
  readonly writable: boolean;
  readonly transactionReadOnly: boolean;
  readonly imagesPath?: {
    readonly path: string;
    readonly exists: boolean;
    readonly freeBytes: number | null;
  };
}

function expectedType(col: BexarColumn): string {
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

interface InfoColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  is_nullable: 'YES' | 'NO';
}

function actualType(c: InfoColumn): string {
  return c.data_type === 'character varying'
    ? `character varying(${String(c.character_maximum_length)})`
    : c.data_type;
}

/** Inspect a client's database (public schema). */
export async function inspectWithClient(client: pg.Client | pg.PoolClient): Promise<TargetState> {
  const tablesRes = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const present = new Set(tablesRes.rows.map((r) => r.table_name));
  const missingTables = BEXAR_TABLES.filter((t) => !present.has(t));
  const extraTables = [...present].filter((t) => !BEXAR_TABLES.includes(t)).sort();
  const colsRes = await client.query<InfoColumn>(
    `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable
       FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  const byTable = new Map<string, Map<string, InfoColumn>>();
  for (const c of colsRes.rows) {
    const m = byTable.get(c.table_name) ?? new Map<string, InfoColumn>();
    m.set(c.column_name, c);
    byTable.set(c.table_name, m);
  }
  const columnDifferences: ColumnDifference[] = [];
  const widenedColumns: string[] = [];
  for (const table of BEXAR_TABLES) {
    const actual = byTable.get(table);
    if (actual === undefined) continue;
    const def = bexarTable(table);
    for (const col of def.columns) {
      const a = actual.get(col.name);
      const exp = expectedType(col);
      if (a === undefined) {
        columnDifferences.push({
          table,
          column: col.name,
          problem: 'missing',
          expected: exp,
          actual: '(absent)',
        });
        continue;
      }
      const at = actualType(a);
      if (at !== exp) {
        if (exp === 'integer' && at === 'bigint') widenedColumns.push(`${table}.${col.name}`);
        else
          columnDifferences.push({
            table,
            column: col.name,
            problem: 'type',
            expected: exp,
            actual: at,
          });
      }
      if ((a.is_nullable === 'YES') !== col.nullable) {
        columnDifferences.push({
          table,
          column: col.name,
          problem: 'nullability',
          expected: col.nullable ? 'NULL' : 'NOT NULL',
          actual: a.is_nullable === 'YES' ? 'NULL' : 'NOT NULL',
        });
      }
    }
    for (const name of actual.keys()) {
      if (!def.columns.some((c) => c.name === name)) {
        columnDifferences.push({
          table,
          column: name,
          problem: 'extra',
          expected: '(absent)',
          actual: actualType(actual.get(name) as InfoColumn),
        });
      }
    }
  }
  let schemaVersion: number | null = null;
  if (present.has('migrate_version')) {
    const v = await client.query<{ version: number | null }>(
      'SELECT version FROM migrate_version WHERE repository_id = $1',
      [NOVA_REPOSITORY_ID],
    );
    schemaVersion = v.rows[0]?.version ?? null;
  }
  const rowCounts: Record<string, number> = {};
  let writable = true;
  for (const table of BEXAR_TABLES) {
    if (!present.has(table)) continue;
    const hasDeleted = bexarTable(table).columns.some((c) => c.name === 'deleted');
    const cnt = await client.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${ident(table)}${hasDeleted ? ' WHERE deleted IS NOT TRUE' : ''}`,
    );
    rowCounts[table] = Number(cnt.rows[0]?.n ?? 0);
    const priv = await client.query<{ ok: boolean }>(
      `SELECT has_table_privilege(current_user, $1, 'INSERT') AND has_table_privilege(current_user, $1, 'SELECT') AS ok`,
      [ident(table)],
    );
    if (priv.rows[0]?.ok !== true) writable = false;
  }
  const ro = await client.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
  const transactionReadOnly = ro.rows[0]?.transaction_read_only === 'on';
  if (present.size === 0) {
    // An empty database: we can create the schema if we may create tables.
    const can = await client.query<{ ok: boolean }>(
      `SELECT has_schema_privilege(current_user, current_schema(), 'CREATE') AS ok`,
    );
    writable = can.rows[0]?.ok === true;
  }
  const bexarPresent = BEXAR_TABLES.filter((t) => present.has(t));
  let status: TargetState['status'];
  if (bexarPresent.length === 0) status = present.size === 0 ? 'empty' : 'not-nova';
  else if (schemaVersion !== null && schemaVersion !== BEXAR_MIGRATE_VERSION)
    status = 'other-version';
  else if (bexarPresent.length < 3 && schemaVersion === null) status = 'not-nova';
  else if (missingTables.length > 0 || columnDifferences.length > 0 || schemaVersion === null)
    status = 'incomplete';
  else status = 'bexar';
  return {
    status,
    schemaVersion,
    missingTables: bexarPresent.length === 0 ? [] : missingTables,
    extraTables,
    columnDifferences,
    widenedColumns,
    rowCounts,
    writable: writable && !transactionReadOnly,
    transactionReadOnly,
  };
}

/** Inspect the target database and (optionally) the image store: never assumes an empty target. */
export async function inspectNovaTarget(url: string, imagesPath?: string): Promise<TargetState> {
  const state = await withClient(url, (c) => inspectWithClient(c));
  if (imagesPath === undefined) return state;
  let exists = true;
  let freeBytes: number | null = null;
  try {
    const s = await statfs(imagesPath);
    freeBytes = s.bavail * s.bsize;
  } catch {
    exists = false;
  }
  return { ...state, imagesPath: { path: imagesPath, exists, freeBytes } };
}

/** A one-paragraph explanation of why a target cannot be written, or null when it can. */
export function describeTargetProblem(state: TargetState): string | null {
  switch (state.status) {
    case 'empty':
      return 'The Nova database is empty: run "euca2nova nova init-db" first (or nova-manage db sync).';
    case 'not-nova':
      return `This is not a Nova database: no migrate_version row for "nova", ${String(Object.keys(state.rowCounts).length)} of Bexar's ${String(BEXAR_TABLES.length)} tables, and ${String(state.extraTables.length)} other table(s) (${state.extraTables.slice(0, 8).join(', ')}).`;
    case 'other-version':
      return `The Nova database is at schema version ${String(state.schemaVersion)}, not Bexar's ${String(BEXAR_MIGRATE_VERSION)}; euca2nova writes only Nova 2011.1 (Bexar) databases.`;
    case 'incomplete': {
      const parts: string[] = [];
      if (state.schemaVersion === null) parts.push('no migrate_version row for repository "nova"');
      if (state.missingTables.length > 0)
        parts.push(`missing tables: ${state.missingTables.join(', ')}`);
      for (const d of state.columnDifferences.slice(0, 20)) {
        parts.push(
          d.problem === 'missing'
            ? `missing column ${d.table}.${d.column} (${d.expected})`
            : d.problem === 'extra'
              ? `unexpected column ${d.table}.${d.column} (${d.actual})`
              : `column ${d.table}.${d.column} is ${d.actual}, expected ${d.expected}`,
        );
      }
      if (state.columnDifferences.length > 20)
        parts.push(`and ${String(state.columnDifferences.length - 20)} more column difference(s)`);
      return `The Nova database does not match the Bexar schema: ${parts.join('; ')}.`;
    }
    case 'bexar':
      return state.writable
        ? null
        : 'The Nova database role may not insert into the Nova tables (read-only role or read-only transaction).';
  }
}

/** Throw a NovaTargetError unless the target is a writable Bexar database. */
export function assertWritableBexar(state: TargetState): void {
  const problem = describeTargetProblem(state);
  if (problem !== null) throw new NovaTargetError(`target-${state.status}`, problem);
}
