import { NovaTargetError, inTransaction, withClient } from './db.ts';
import { assertWritableBexar, inspectWithClient } from './inspect.ts';
import { ident, referencingColumns } from './schema.ts';

/** A schema change shown to the operator before it is applied (never applied unconfirmed). */
export interface WideningPlan {
  /** `table.column` altered from integer to bigint. */
  readonly columns: readonly string[];
  /** Sequences altered `AS bigint`. */
  readonly sequences: readonly string[];
  /** The exact SQL, for display. */
  readonly sql: readonly string[];
}

/**
 * instances.id and volumes.id with every column that holds them: the DDL's foreign keys plus
 * `consoles.instance_id`, which holds an instance id without a foreign key.
 */
export function planIdWidening(
  kinds: readonly ('instances' | 'volumes')[] = ['instances', 'volumes'],
): WideningPlan {
  const cols: string[] = [];
  for (const table of kinds) {
    cols.push(`${table}.id`);
    for (const r of referencingColumns(table)) cols.push(`${r.table}.${r.column}`);
    if (table === 'instances') cols.push('consoles.instance_id');
  }
  const columns = [...new Set(cols)];
  const sequences = kinds.map((t) => `${t}_id_seq`);
  const byTable = new Map<string, string[]>();
  for (const c of columns) {
    const [t, col] = c.split('.') as [string, string];
    byTable.set(t, [...(byTable.get(t) ?? []), col]);
  }
  const sql = [
    ...[...byTable.entries()].map(
      ([t, cs]) =>
        `ALTER TABLE ${ident(t)} ${cs.map((c) => `ALTER COLUMN ${ident(c)} TYPE bigint`).join(', ')}`,
    ),
    ...sequences.map((s) => `ALTER SEQUENCE ${ident(s)} AS bigint MAXVALUE 9223372036854775807`),
  ];
  return { columns, sequences, sql };
}

/** Apply a confirmed widening plan in one transaction. Idempotent (already bigint: no-op). */
export async function widenIdColumns(
  url: string,
  plan: WideningPlan,
  confirmed: { confirmed: boolean },
): Promise<{ applied: boolean }> {
  if (!confirmed.confirmed) {
    throw new NovaTargetError(
      'not-confirmed',
      "Widening the id columns changes the Nova schema: it needs the operator's confirmation.",
    );
  }
  return withClient(url, async (client) => {
    const state = await inspectWithClient(client);
    assertWritableBexar(state);
    if (plan.columns.every((c) => state.widenedColumns.includes(c))) return { applied: false };
    await inTransaction(client, async () => {
      for (const s of plan.sql) await client.query(s);
    });
    return { applied: true };
  });
}
