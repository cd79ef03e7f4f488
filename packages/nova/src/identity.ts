import {
  NOVA_MAX_INTEGER_ID,
  parseEc2Id,
  toNovaImageId,
  type AccessKey,
  type Finding,
  type Inventory,
  type Owner,
  type PlanMappings,
  type User,
} from '@euca2nova/model';

/**
 * How Eucalyptus identities become Nova's: one project per user (id = user name, the user its
 * manager), i-/vol- hex -> integer keys, image ids kept or rewritten. Pure functions.
 */

export interface IdAssignment {
  readonly sourceId: string;
  readonly novaId: number;
  /** What Nova's EC2 API will show (`i-%08x`, lower case). */
  readonly novaEc2Id: string;
  /** `kept`: same hex; `widened`: same hex, above int4, needs bigint columns; `renumbered`. */
  readonly how: 'kept' | 'widened' | 'renumbered';
}

export interface IdPlan {
  readonly instances: ReadonlyMap<string, IdAssignment>;
  readonly volumes: ReadonlyMap<string, IdAssignment>;
  /** Some kept id is above 2147483647: the bigint widening must be applied before writing. */
  readonly needsWidening: boolean;
  readonly findings: readonly Finding[];
}

function hex8(prefix: string, n: number): string {
  return `${prefix}-${n.toString(16).padStart(8, '0')}`;
}

/**
 * Integer ids for every instance and volume. Ids up to 2^31-1 are kept. Larger 8-digit ids are
 * kept too with `widen-to-bigint` (up to 0xffffffff), or get new ids with `renumber`, above every
 * kept id and `renumberFrom`. 17-digit 4.x ids are always renumbered (Nova prints `%08x`).
 */
export function planIds(
  inventory: Pick<Inventory, 'instances' | 'volumes'>,
  strategy: PlanMappings['largeIdStrategy'],
  options: { renumberFrom?: number } = {},
): IdPlan {
  const findings: Finding[] = [];
  let needsWidening = false;
  const assign = (ids: readonly string[], prefix: 'i' | 'vol'): Map<string, IdAssignment> => {
    const out = new Map<string, IdAssignment>();
    const later: string[] = [];
    let max = options.renumberFrom ?? 0;
    for (const sourceId of ids) {
      const id = parseEc2Id(sourceId);
      if (id.width === 8 && id.value >= 1 && id.value <= NOVA_MAX_INTEGER_ID) {
        out.set(sourceId, {
          sourceId,
          novaId: id.value,
          novaEc2Id: hex8(prefix, id.value),
          how: 'kept',
        });
        max = Math.max(max, id.value);
      } else if (
        id.width === 8 &&
        id.value > NOVA_MAX_INTEGER_ID &&
        strategy === 'widen-to-bigint'
      ) {
        out.set(sourceId, {
          sourceId,
          novaId: id.value,
          novaEc2Id: hex8(prefix, id.value),
          how: 'widened',
        });
        needsWidening = true;
      } else {
        later.push(sourceId);
      }
    }
    const taken = new Set([...out.values()].map((a) => a.novaId));
    for (const sourceId of [...later].sort()) {
      // Above every kept id when there is room, else the lowest free id.
      let n = max + 1;
      if (n > NOVA_MAX_INTEGER_ID)
        n = options.renumberFrom !== undefined ? options.renumberFrom + 1 : 1;
      while (taken.has(n)) n++;
      if (n > NOVA_MAX_INTEGER_ID) throw new Error('no free Nova integer id left for renumbering');
      max = n;
      taken.add(n);
      out.set(sourceId, { sourceId, novaId: n, novaEc2Id: hex8(prefix, n), how: 'renumbered' });
    }
    if (later.length > 0) {
      findings.push({
        ruleId: `${prefix === 'i' ? 'instance' : 'volume'}.renumbered`,
        severity: 'warning',
        message: `${String(later.length)} ${prefix === 'i' ? 'instance' : 'volume'} id(s) do not fit Nova's integer keys and get new ids (recorded in the report's id map).`,
        affectedIds: later.slice(0, 10_000),
        remedy:
          'Tell the owners their new ids, or choose "widen-to-bigint" to keep 8-digit ids above 7fffffff.',
      });
    }
    return out;
  };
  const instances = assign(
    inventory.instances.map((i) => i.instanceId),
    'i',
  );
  const volumes = assign(
    inventory.volumes.map((v) => v.volumeId),
    'vol',
  );
  return { instances, volumes, needsWidening, findings };
}

/** The image id Nova will store: verbatim (`keep`) or ami/aki/ari with the same hex (`rewrite`). */
export function novaImageId(imageId: string, mode: PlanMappings['imageIdPrefix']): string {
  parseEc2Id(imageId, { prefixes: ['emi', 'eki', 'eri', 'ami', 'aki', 'ari'] });
  return mode === 'rewrite' ? toNovaImageId(imageId) : imageId;
}

/**
 * The Nova user (= project) id of an owner: its user name, or the only user of its account
 * (or the account's `admin` user) when only the account is known (3.x/4.x).
 */
/**
 * The Nova user a Eucalyptus user becomes.
 *
 * 2.0 has no accounts: the user name, and a project of the same name (the 2010 specification's
 * "one project per user").
 *
 * 3.x owns resources by account, and its EC2 API shows the 12-digit account number as `ownerId`.
 * Nova shows `projects.id` there, so an account becomes one project whose id is the account number.
 * Bexar puts an access key with no `:project` suffix into the project named like the user
 * (nova-bexar.md §3.2), so the account's `admin` gets that same id: its unmodified credentials
 * reach the account's resources. Every other user of the account is `<account number>-<name>`, a
 * member of the account's project, reached with `EC2_ACCESS_KEY=<key>:<account number>` (a finding
 * says so).
 */
export function novaUserIdOf(user: Pick<User, 'userName' | 'accountNumber'>): string {
  if (user.accountNumber === undefined) return user.userName;
  return user.userName === 'admin' ? user.accountNumber : `${user.accountNumber}-${user.userName}`;
}

/**
 * The one access key Nova keeps of a Eucalyptus user (Euare allows several): the first active one
 * whose secret key was read, else the first active one, else the first.
 */
export function novaAccessKeyOf<K extends Pick<AccessKey, 'active' | 'secretKey'>>(user: {
  readonly accessKeys: readonly K[];
}): K | undefined {
  return (
    user.accessKeys.find((k) => k.active && k.secretKey !== undefined) ??
    user.accessKeys.find((k) => k.active) ??
    user.accessKeys[0]
  );
}

/** The Nova project a Eucalyptus user works in: its own (2.0) or its account's (3.x). */
export function novaProjectIdOf(user: Pick<User, 'userName' | 'accountNumber'>): string {
  return user.accountNumber ?? user.userName;
}

/**
 * The Nova project that owns a resource: the owning account's (3.x, by number or name) or the
 * owning user's (2.0). Undefined when the owner is not among the inventory's users. In both
 * versions it is also the id of the Nova user the resource rows name (see `novaUserIdOf`).
 */
export function projectOfOwner(
  owner: Owner | undefined,
  inventory: Pick<Inventory, 'users'>,
): string | undefined {
  if (owner === undefined) return undefined;
  const accounts = accountIndex(inventory.users);
  const account =
    owner.accountNumber ??
    (owner.accountName !== undefined ? accounts.byName.get(owner.accountName) : undefined);
  if (account !== undefined) return accounts.numbers.has(account) ? account : undefined;
  return owner.userName;
}

interface AccountIndex {
  readonly numbers: ReadonlySet<string>;
  readonly byName: ReadonlyMap<string, string>;
}

/** Built once per user list: every resource of the cloud asks, so a scan each time is O(n·m). */
const accountIndexes = new WeakMap<readonly User[], AccountIndex>();

function accountIndex(users: readonly User[]): AccountIndex {
  let index = accountIndexes.get(users);
  if (index === undefined) {
    const numbers = new Set<string>();
    const byName = new Map<string, string>();
    for (const u of users) {
      if (u.accountNumber === undefined) continue;
      numbers.add(u.accountNumber);
      if (u.accountName !== undefined && !byName.has(u.accountName))
        byName.set(u.accountName, u.accountNumber);
    }
    index = { numbers, byName };
    accountIndexes.set(users, index);
  }
  return index;
}

/**
 * The project of a group grant's `userId`: an account number in 3.x, a user name in 2.0
 * (eucalyptus.md §0.4).
 */
export function projectOfGrantee(userId: string, inventory: Pick<Inventory, 'users'>): string {
  const owner: Owner = /^\d{12}$/.test(userId) ? { accountNumber: userId } : { userName: userId };
  return projectOfOwner(owner, inventory) ?? userId;
}

/** Eucalyptus VM type -> Bexar type when the plan has no mapping: by the closest name. */
export const DEFAULT_INSTANCE_TYPE_MAP: Readonly<Record<string, string>> = {
  't1.micro': 'm1.tiny',
  'm1.small': 'm1.small',
  'c1.medium': 'm1.medium',
  'm1.medium': 'm1.medium',
  'm1.large': 'm1.large',
  'm1.xlarge': 'm1.xlarge',
  'c1.xlarge': 'm1.xlarge',
  'm2.xlarge': 'm1.large',
};

export function mapInstanceType(
  vmType: string,
  mappings: Pick<PlanMappings, 'instanceTypes'>,
): string {
  return mappings.instanceTypes[vmType] ?? DEFAULT_INSTANCE_TYPE_MAP[vmType] ?? 'm1.small';
}

/** The VM type mapping as shown to the operator: one line per Eucalyptus type in use. */
export function describeInstanceTypeMapping(
  inventory: Pick<Inventory, 'instances'>,
  mappings: Pick<PlanMappings, 'instanceTypes'>,
): { eucalyptus: string; nova: string; instances: number; source: 'plan' | 'default' }[] {
  const counts = new Map<string, number>();
  for (const i of inventory.instances)
    counts.set(i.instanceType, (counts.get(i.instanceType) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, n]) => ({
      eucalyptus: t,
      nova: mapInstanceType(t, mappings),
      instances: n,
      source: mappings.instanceTypes[t] !== undefined ? 'plan' : 'default',
    }));
}
