import {
  RESOURCE_KINDS,
  type Plan,
  type ResourceKind,
  type Verification,
  type VerificationDifference,
} from '@euca2nova/model';
import { compareWithInventory, readBack } from '@euca2nova/nova';
import type { JobContext } from './context.ts';

/** Users' view of the cloud-wide items nobody owns (e.g. unassociated public images). */
const CLOUD = '(cloud)';
const SECRET_FIELD = /secret|password|passwd|private|token|credential/i;

function text(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > 4096 ? `${s.slice(0, 4093)}...` : s;
}

/**
 * Read Nova back and compare it, field by field as the EC2 API would show it, with what the run
 * was to write; the differences are grouped by the Eucalyptus user who would see them.
 */
export async function verifyMigration(ctx: JobContext): Promise<Verification> {
  const view = await readBack(ctx.novaDb, ctx.spec.imagesPath);
  const diffs = compareWithInventory(ctx.inventory, view, {
    mappings: ctx.plan.mappings,
    ids: ctx.input.ids,
    network: ctx.input.network,
  });
  return groupByUser(ctx.plan, diffs);
}

export function groupByUser(
  plan: Plan,
  diffs: readonly { kind: string; id: string; field: string; expected: unknown; actual: unknown }[],
): Verification {
  const ownerOf = new Map<string, string>();
  const compared = new Map<string, number>();
  for (const item of plan.items) {
    if (item.action !== 'create' && item.action !== 'skip-identical') continue;
    const owner = item.kind === 'user' ? item.sourceId : (item.owner ?? CLOUD);
    ownerOf.set(`${item.kind}\u0000${item.sourceId.toLowerCase()}`, owner);
    compared.set(owner, (compared.get(owner) ?? 0) + 1);
  }
  const byUser = new Map<string, VerificationDifference[]>();
  for (const d of diffs) {
    const kind: ResourceKind = (RESOURCE_KINDS as readonly string[]).includes(d.kind)
      ? (d.kind as ResourceKind)
      : 'instance';
    const owner = ownerOf.get(`${kind}\u0000${d.id.toLowerCase()}`) ?? CLOUD;
    // A difference in a secret is named, never shown.
    const secret = SECRET_FIELD.test(d.field);
    const expected = secret ? undefined : text(d.expected);
    const actual = secret ? undefined : text(d.actual);
    const list = byUser.get(owner) ?? [];
    list.push({
      kind,
      sourceId: d.id.slice(0, 255) || '?',
      field: d.field.slice(0, 255) || '?',
      ...(expected === undefined ? {} : { expected }),
      ...(actual === undefined ? {} : { actual }),
    });
    byUser.set(owner, list);
    if (!compared.has(owner)) compared.set(owner, 0);
  }
  const users = [...compared.keys()].sort().map((user) => {
    const differences = byUser.get(user) ?? [];
    return {
      user,
      result: differences.length === 0 ? ('matching' as const) : ('differing' as const),
      itemsCompared: compared.get(user) ?? 0,
      differences,
    };
  });
  return {
    result: users.every((u) => u.result === 'matching') ? 'matching' : 'differing',
    at: new Date().toISOString(),
    users,
  };
}
