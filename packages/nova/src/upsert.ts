import pg from 'pg';
import { NovaTargetError, inTransaction, mapPgError, throwIfAborted, type Db } from './db.ts';
import { bexarTable, ident, isSerial, type BexarColumn } from './schema.ts';

export type CellValue = string | number | boolean | null;
export type Row = Readonly<Record<string, CellValue>>;

export interface FieldConflict {
  readonly field: string;
  readonly existing: string | null;
  readonly wanted: string | null;
}

export interface Conflict {
  readonly kind: string;
  readonly id: string;
  readonly fields: readonly FieldConflict[];
}

export interface WriteResult {
  readonly inserted: number;
  readonly skipped: number;
  readonly conflicts: readonly Conflict[];
}

export interface WriteOptions {
  readonly signal?: AbortSignal;
  /** Rows per transaction. */
  readonly batchSize?: number;
  /** `created_at` of new rows (naive UTC); defaults to now. */
  readonly now?: Date;
  /**
   * Throw a NovaConflictError at the first batch with a conflict, rolling that batch back, instead
   * of reporting conflicts and writing the rest.
   */
  readonly failOnConflict?: boolean;
  /** Classify rows (insert / skip / conflict) without writing: every batch is rolled back. */
  readonly dryRun?: boolean;
  /**
   * Told how each row was classified, before its batch is inserted: the counts alone cannot say
   * which source item is new, identical or in conflict (the planner needs that per item).
   */
  readonly onRow?: (outcome: RowOutcome) => void;
}

/** How one row compared with the target: `insert` (absent), `skip` (identical) or `conflict`. */
export interface RowOutcome {
  readonly kind: string;
  readonly id: string;
  readonly row: Row;
  readonly outcome: 'insert' | 'skip' | 'conflict';
  readonly fields: readonly FieldConflict[];
}

/** A row is present with different data and the caller asked not to go on. */
export class NovaConflictError extends NovaTargetError {
  readonly conflicts: readonly Conflict[];
  constructor(conflicts: readonly Conflict[]) {
    const first = conflicts[0];
    super(
      'conflict',
      `${String(conflicts.length)} row(s) already in Nova differ from the source, nothing of this batch was written` +
        (first === undefined
          ? '.'
          : `: ${first.kind} ${first.id} (${first.fields.map((f) => `${f.field}: Nova has ${f.existing ?? 'NULL'}, source ${f.wanted ?? 'NULL'}`).join('; ')})${conflicts.length > 1 ? ' …' : ''}.`),
    );
    this.conflicts = conflicts;
  }
}

export interface TableSpec {
  readonly table: string;
  /** Resource kind named in conflicts. */
  readonly kind: string;
  /** Columns that identify a row (the natural key Nova looks rows up by). */
  readonly key: readonly string[];
  /** Columns compared with an existing row; `deleted` is always compared. */
  readonly compare: readonly string[];
  readonly idOf: (row: Row) => string;
}

export function emptyResult(): WriteResult {
  return { inserted: 0, skipped: 0, conflicts: [] };
}

export function addResults(...rs: readonly WriteResult[]): WriteResult {
  return {
    inserted: rs.reduce((n, r) => n + r.inserted, 0),
    skipped: rs.reduce((n, r) => n + r.skipped, 0),
    conflicts: rs.flatMap((r) => r.conflicts),
  };
}

function arrayType(col: BexarColumn): string {
  switch (col.type) {
    case 'INTEGER':
      return 'bigint[]';
    case 'BOOLEAN':
      return 'boolean[]';
    case 'TIMESTAMP':
      return 'timestamp[]';
    default:
      return 'text[]';
  }
}

/** Naive UTC text for a `timestamp without time zone` column. */
export function naiveUtc(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Idempotent batched insert: rows whose key exists are compared column by column in SQL
 * (`IS DISTINCT FROM`); identical -> skipped, different -> a conflict, absent -> inserted with
 * `created_at`, `deleted = false`. Nothing existing is ever updated. One transaction per batch,
 * the table locked against concurrent writers (readers are not blocked).
 */
export async function writeRows(
  db: Db,
  spec: TableSpec,
  rows: readonly Row[],
  options: WriteOptions = {},
): Promise<WriteResult> {
  const table = bexarTable(spec.table);
  const colByName = new Map(table.columns.map((c) => [c.name, c]));
  const now = naiveUtc(options.now ?? new Date());
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) names.add(k);
  for (const k of [...spec.key, ...spec.compare]) names.add(k);
  names.add('created_at');
  names.add('deleted');
  const cols = [...names].filter((n) => colByName.has(n));
  for (const n of names) if (!colByName.has(n)) throw new Error(`${spec.table} has no column ${n}`);
  const compare = [...new Set([...spec.compare, 'deleted'])].filter((c) => !spec.key.includes(c));
  // Serial ids are given here, after the highest present, instead of by nextval(): a batch rolled
  // back (a crash, a conflict) leaves no gap, so a resumed run writes the very ids an
  // uninterrupted one would. The writers move the sequences past them afterwards.
  const idCol = table.columns.find((c) => c.name === 'id' && isSerial(table, c));
  const giveIds = idCol !== undefined && !names.has('id');
  const batchSize = options.batchSize ?? 5000;
  let inserted = 0;
  let skipped = 0;
  const conflicts: Conflict[] = [];
  const t = ident(spec.table);
  const unnestCols = (offset: number): string =>
    cols
      .map((c, i) => `$${String(i + offset)}::${arrayType(colByName.get(c) as BexarColumn)}`)
      .join(', ');
  const aliasList = cols.map(ident).join(', ');

  for (let start = 0; start < rows.length; start += batchSize) {
    throwIfAborted(options.signal);
    const batch = rows.slice(start, start + batchSize).map((r) => ({
      ...r,
      created_at: r.created_at ?? now,
      deleted: false,
    }));
    const arrays = cols.map((c) => batch.map((r) => (r as Row)[c] ?? null));
    await inTransaction(db, async () => {
      await db.query(`LOCK TABLE ${t} IN SHARE ROW EXCLUSIVE MODE`);
      // Nova's tables have no index but the primary key and the planner cannot size unnest():
      // without this it may pick a nested loop, quadratic in the batch size.
      await db.query('SET LOCAL enable_nestloop = off');
      const keyJoin = spec.key
        .map((k) => {
          // `=` lets PostgreSQL hash-join; IS NOT DISTINCT FROM only where this batch has NULL keys.
          const nullable = batch.some((r) => (r as Row)[k] === null || (r as Row)[k] === undefined);
          return nullable
            ? `t.${ident(k)} IS NOT DISTINCT FROM k.${ident(k)}`
            : `t.${ident(k)} = k.${ident(k)}`;
        })
        .join(' AND ');
      const idx = batch.map((_, i) => i);
      // An empty table (common on a first run) needs no lookup, only a check for keys repeated
      // within the batch, which are compared with their first occurrence instead.
      const empty = await db.query(`SELECT 1 FROM ${t} LIMIT 1`);
      const found =
        empty.rowCount === 0
          ? { rows: duplicateKeyRows(batch, spec, compare) }
          : await db.query<Record<string, string | boolean | null>>(
              `SELECT k.__i AS i, ${compare
                .map(
                  (c, j) =>
                    `(t.${ident(c)} IS DISTINCT FROM k.${ident(c)}) AS d${String(j)}, t.${ident(c)}::text AS e${String(j)}`,
                )
                .join(', ')}
           FROM ${t} t
           JOIN unnest($1::int[], ${unnestCols(2)}) AS k(__i, ${aliasList}) ON ${keyJoin}`,
              [idx, ...arrays],
            );
      const present = new Set<number>();
      const conflicted = new Map<number, FieldConflict[]>();
      // Keys absent from the table but repeated in the batch: compare with their first occurrence.
      const inTable = new Set(found.rows.map((f) => Number(f.i)));
      const repeated =
        empty.rowCount === 0
          ? []
          : duplicateKeyRows(batch, spec, compare).filter((f) => !inTable.has(Number(f.i)));
      for (const f of [...found.rows, ...repeated]) {
        const i = Number(f.i);
        if (present.has(i)) continue;
        present.add(i);
        const fields: FieldConflict[] = [];
        compare.forEach((c, j) => {
          if (f[`d${String(j)}`] === true) {
            const wanted = (batch[i] as Row)[c];
            fields.push({
              field: c,
              existing: (f[`e${String(j)}`] as string | null) ?? null,
              wanted: wanted === null || wanted === undefined ? null : String(wanted),
            });
          }
        });
        if (fields.length > 0) {
          conflicted.set(i, fields);
          conflicts.push({ kind: spec.kind, id: spec.idOf(batch[i] as Row), fields });
        }
      }
      if (options.onRow !== undefined) {
        for (const i of idx) {
          const row = batch[i] as Row;
          const fields = conflicted.get(i);
          options.onRow({
            kind: spec.kind,
            id: spec.idOf(row),
            row,
            outcome: fields !== undefined ? 'conflict' : present.has(i) ? 'skip' : 'insert',
            fields: fields ?? [],
          });
        }
      }
      if (options.failOnConflict === true && conflicted.size > 0) {
        throw new NovaConflictError(conflicts.slice(-conflicted.size));
      }
      skipped += present.size - conflicted.size;
      const absent = idx.filter((i) => !present.has(i));
      if (absent.length === 0) return;
      if (options.dryRun === true) {
        inserted += absent.length;
        return;
      }
      const sub: unknown[][] = arrays.map((a) => absent.map((i) => a[i]));
      let insertCols = aliasList;
      let insertArrays = unnestCols(1);
      if (giveIds) {
        const max = await db.query<{ m: string }>(
          `SELECT coalesce(max(id), 0)::text AS m FROM ${t}`,
        );
        const base = BigInt(max.rows[0]?.m ?? '0');
        sub.push(absent.map((_, j) => String(base + BigInt(j + 1))));
        insertCols = `${aliasList}, id`;
        insertArrays = `${unnestCols(1)}, $${String(cols.length + 1)}::bigint[]`;
      }
      const res = await db.query(
        `INSERT INTO ${t} (${insertCols}) SELECT ${insertCols} FROM unnest(${insertArrays}) AS k(${insertCols})`,
        sub,
      );
      inserted += res.rowCount ?? 0;
    });
  }
  return { inserted, skipped, conflicts };
}

/**
 * For rows whose key already occurred earlier in the batch: the same shape of result the lookup
 * query gives (index, `d<j>` differs flags, `e<j>` existing values), against the first occurrence.
 */
function duplicateKeyRows(
  batch: readonly Row[],
  spec: TableSpec,
  compare: readonly string[],
): Record<string, string | boolean | null>[] {
  const first = new Map<string, Row>();
  const out: Record<string, string | boolean | null>[] = [];
  batch.forEach((row, i) => {
    const key = JSON.stringify(spec.key.map((k) => row[k] ?? null));
    const prev = first.get(key);
    if (prev === undefined) {
      first.set(key, row);
      return;
    }
    const r: Record<string, string | boolean | null> = { i: String(i) };
    compare.forEach((c, j) => {
      const a = prev[c] ?? null;
      const b = row[c] ?? null;
      r[`d${String(j)}`] = String(a) !== String(b);
      r[`e${String(j)}`] = a === null ? null : String(a);
    });
    out.push(r);
  });
  return out;
}

/** Move each SERIAL sequence past the ids present (nova-bexar.md §1.2), never backwards. */
export async function bumpSequences(db: Db, tables: readonly string[]): Promise<void> {
  for (const name of tables) {
    const seq = await db.query<{ last: string; called: boolean; max: string | null }>(
      `SELECT s.last_value::text AS last, s.is_called AS called, (SELECT max(id)::text FROM ${ident(name)}) AS max
         FROM ${ident(`${name}_id_seq`)} s`,
    );
    const row = seq.rows[0];
    if (row?.max == null) continue;
    const next = row.called ? BigInt(row.last) + 1n : BigInt(row.last);
    if (BigInt(row.max) >= next) {
      await db.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2::bigint)`, [
        name,
        row.max,
      ]);
    }
  }
}

/** Run `fn` with a client: the given one, or a new one on `target` (a URL). */
export async function withDb<T>(target: Db | string, fn: (db: Db) => Promise<T>): Promise<T> {
  if (typeof target !== 'string') return fn(target);
  const client = new pg.Client({ connectionString: target });
  await client.connect().catch((e: unknown) => {
    throw mapPgError(e);
  });
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Refuse ids above 2^31-1 unless `table.id` has been widened to bigint (clear error instead of
 * PostgreSQL's "integer out of range" halfway through).
 */
export async function assertIdsFit(db: Db, table: string, ids: readonly number[]): Promise<void> {
  const max = ids.reduce((m, v) => Math.max(m, v), 0);
  if (max <= 2147483647) return;
  const res = await db.query<{ data_type: string }>(
    `SELECT data_type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'`,
    [table],
  );
  if (res.rows[0]?.data_type !== 'bigint') {
    throw new NovaTargetError(
      'ids-need-widening',
      `${table}.id is a 32-bit integer but ids up to ${String(max)} must be kept: apply the id widening (widenIdColumns) first, or choose renumbering.`,
    );
  }
}
