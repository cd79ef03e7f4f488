import {
  NOVA_BEXAR_INSTANCE_TYPES,
  canonicalJson,
  type Finding,
  type Inventory,
  type PlanItem,
  type PlanMappings,
  type PlanSelection,
  type Severity,
} from '@euca2nova/model';
import {
  DEFAULT_INSTANCE_TYPE_MAP,
  buildInstanceRows,
  buildKeyPairRows,
  buildSecurityGroupRows,
  buildUserRows,
  buildVolumeRows,
  novaImageId,
  planIdWidening,
  type NovaWriteInput,
} from '@euca2nova/nova';
import type { InventoryIndex, ResourceRef } from './resources.ts';
import type { TargetItemState, TargetSnapshot } from './target.ts';

/** A resource of the selection closure with the item the plan made of it. */
export interface PlannedResource {
  readonly ref: ResourceRef;
  readonly item: PlanItem;
}

/** Everything a rule may look at. Built by `analysePlan`; rules only read it. */
export interface RuleContext {
  readonly inventory: Inventory;
  readonly selection: PlanSelection;
  readonly mappings: PlanMappings;
  readonly target: TargetSnapshot;
  readonly index: InventoryIndex;
  /** Closure resources (not networks), sorted. */
  readonly planned: readonly PlannedResource[];
  /** Every plan item, networks included, sorted. */
  readonly items: readonly PlanItem[];
  /** What is already in Nova, per item key (rows and image store together). */
  readonly targetStates: ReadonlyMap<string, TargetItemState>;
  /** The inventory the run writes (`selectedInventory`). */
  readonly kept: Inventory;
  /** The writers' input over `kept`: id plan and network plan. */
  readonly input: NovaWriteInput;
}

/** One finding a rule raises; the rule supplies its id, and its severity unless given here. */
export interface RuleHit {
  readonly affectedIds: readonly string[];
  readonly message: string;
  readonly remedy: string;
  readonly severity?: Severity;
}

/** A preflight rule as data: what it is called, how bad it is, how it is checked. */
export interface PreflightRule {
  readonly id: string;
  /** The usual severity; a hit may say otherwise (e.g. info once nothing is left to do). */
  readonly severity: Severity;
  readonly title: string;
  readonly check: (ctx: RuleContext) => readonly RuleHit[];
}

/** Findings other code already raised, passed on with their own rule ids. */
export interface FindingSource {
  readonly id: string;
  readonly title: string;
  readonly collect: (ctx: RuleContext) => readonly Finding[];
}

const KIND_LABEL: Readonly<Record<PlanItem['kind'], string>> = {
  user: 'user',
  keyPair: 'key pair',
  securityGroup: 'security group',
  network: 'network',
  address: 'elastic IP',
  image: 'image',
  volume: 'volume',
  snapshot: 'snapshot',
  instance: 'instance',
};

/** `a, b, c and 12 more`: messages stay readable (and under the schema's 4000 characters). */
export function listOf(values: readonly string[], max = 12): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown} and ${String(values.length - max)} more` : shown;
}

const ids = (refs: readonly PlannedResource[]): string[] => refs.map((r) => r.item.sourceId);

const isKept = (p: PlannedResource): boolean =>
  p.item.action === 'create' || p.item.action === 'skip-identical';

function keptOf<K extends ResourceRef['kind']>(
  ctx: RuleContext,
  kind: K,
): (PlannedResource & { ref: ResourceRef & { resource: { kind: K } } })[] {
  return ctx.planned.filter(
    (p): p is PlannedResource & { ref: ResourceRef & { resource: { kind: K } } } =>
      p.ref.kind === kind && isKept(p),
  );
}

function plannedOf(ctx: RuleContext, kind: ResourceRef['kind']): PlannedResource[] {
  return ctx.planned.filter((p) => p.ref.kind === kind);
}

function pluralise(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** `is` or `are` to go with `pluralise(n, …)`. */
function be(n: number): string {
  return n === 1 ? 'is' : 'are';
}

/** `has` or `have`. */
function have(n: number): string {
  return n === 1 ? 'has' : 'have';
}

const SCHEMA_REMEDY: Readonly<Record<TargetSnapshot['schema']['status'], string>> = {
  empty:
    'Create the Bexar schema first ("euca2nova nova init-db", or nova-manage db sync on a Bexar install), then plan again.',
  'not-nova':
    'Check the Nova database URL: it points at a database that is not Nova. Give the URL of the Bexar nova database.',
  'other-version':
    'euca2nova writes only Nova 2011.1 (Bexar) databases: point it at a Bexar database, or migrate into a fresh Bexar install.',
  incomplete:
    'Repair the schema with Bexar\'s "nova-manage db sync", or start from an empty database created by "euca2nova nova init-db", then plan again.',
  bexar:
    'Connect as the role that owns the Nova tables, on the primary server (not a read-only role or replica), then plan again.',
};

function schemaMismatch(ctx: RuleContext): RuleHit[] {
  const s = ctx.target.schema;
  if (s.problem === null) return [];
  return [
    {
      affectedIds: [`nova-database:${s.status}`],
      message: `${s.problem} Until this is fixed nothing can be written, and every item reads as "create" because the existing rows could not be compared.`,
      remedy: SCHEMA_REMEDY[s.status],
    },
  ];
}

function staleSnapshot(ctx: RuleContext): RuleHit[] {
  const basis = ctx.target.basis;
  if (basis === undefined) return [];
  const why: string[] = [];
  if (basis.inventoryId !== ctx.inventory.metadata.inventoryId)
    why.push(
      `it was read for inventory ${basis.inventoryId}, not ${ctx.inventory.metadata.inventoryId}`,
    );
  if (basis.mappings !== canonicalJson(ctx.mappings))
    why.push(
      'the mappings have changed since (ids, image prefixes, instance types and networks decide which rows are identical)',
    );
  if (why.length === 0) return [];
  return [
    {
      affectedIds: [`target-snapshot:${ctx.target.readAt}`],
      message: `The target snapshot of ${ctx.target.readAt} does not describe this plan: ${why.join('; ')}. Its create / skip / conflict decisions cannot be trusted.`,
      remedy: 'Read the target again with this inventory and these mappings, then plan again.',
    },
  ];
}

function rowConflicts(ctx: RuleContext): RuleHit[] {
  return ctx.items
    .filter((i) => i.action === 'conflict')
    .map((item) => {
      const st = ctx.targetStates.get(`${item.kind}\u0000${item.sourceId.toLowerCase()}`);
      const diffs = (st?.differences ?? [])
        .slice(0, 8)
        .map(
          (d) =>
            `${d.row}.${d.field}: Nova has ${d.existing ?? 'NULL'}, the source ${d.wanted ?? 'NULL'}`,
        );
      return {
        affectedIds: [item.sourceId],
        message: `${KIND_LABEL[item.kind]} ${item.sourceId} is already in Nova${item.targetId !== undefined ? ` as ${item.targetId}` : ''} with different data (${diffs.length > 0 ? diffs.join('; ') : 'see the target snapshot'}). euca2nova never changes an existing Nova row, so this item cannot be migrated as it is.`,
        remedy:
          'If the Nova row is left over from an earlier attempt or another tool, remove it from the Nova database (or image store) and plan again; otherwise deselect this item and what needs it.',
      };
    });
}

function otherConflicts(ctx: RuleContext): RuleHit[] {
  const c = ctx.target.otherConflicts;
  if (c.length === 0) return [];
  return [
    {
      affectedIds: c.map((x) => `${x.row}:${x.id}`),
      message: `Rows the run would also write are already in Nova with different data and belong to no plan item (${pluralise(c.length, 'row')}): ${listOf(
        c.map(
          (x) =>
            `${x.row} ${x.id} (${x.differences.map((d) => `${d.field}: Nova has ${d.existing ?? 'NULL'}, wanted ${d.wanted ?? 'NULL'}`).join('; ')})`,
        ),
        8,
      )}. They are left as they are.`,
      remedy:
        'Check these rows before running (a default security group with another description, a floating IP already given to a project, an iSCSI target already pointing at a volume, a compute service in another zone); remove them if they are left over.',
    },
  ];
}

function idsOverInt32(kind: 'instance' | 'volume'): PreflightRule {
  const table = kind === 'instance' ? 'instances' : 'volumes';
  return {
    id: `${kind}.id-over-int32`,
    severity: 'warning',
    title: `${kind} ids above 2^31-1`,
    check: (ctx) => {
      const assignments = [
        ...(kind === 'instance' ? ctx.input.ids.instances : ctx.input.ids.volumes).values(),
      ].sort((a, b) => a.sourceId.localeCompare(b.sourceId));
      const hits: RuleHit[] = [];
      const renumbered = assignments.filter((a) => a.how === 'renumbered');
      const widened = assignments.filter((a) => a.how === 'widened');
      const strategy = ctx.mappings.largeIdStrategy;
      if (renumbered.length > 0) {
        hits.push({
          affectedIds: renumbered.map((a) => a.sourceId),
          message: `New ids for ${pluralise(renumbered.length, `${kind} id`)} that Nova's integer keys cannot hold ${strategy === 'renumber' ? '(largeIdStrategy "renumber")' : '(17-digit ids cannot be kept: Bexar shows ids as 8 hex digits)'}: ${listOf(renumbered.map((a) => `${a.sourceId} -> ${a.novaEc2Id}`))}. Their owners will see the new ids; the report's id map records every change.`,
          remedy:
            strategy === 'renumber'
              ? 'Tell the owners their new ids, or choose "widen-to-bigint" to keep 8-digit ids above 7fffffff.'
              : 'Tell the owners their new ids.',
        });
      }
      if (widened.length > 0) {
        const columns = planIdWidening([table]).columns;
        const done = columns.every((c) => ctx.target.schema.widenedColumns.includes(c));
        const list = listOf(widened.map((a) => a.sourceId));
        if (done) {
          hits.push({
            severity: 'info',
            affectedIds: widened.map((a) => a.sourceId),
            message: `${pluralise(widened.length, `${kind} id`)} above 2147483647 (${list}) ${be(widened.length)} kept: the Nova id columns are already bigint.`,
            remedy: 'Nothing to do.',
          });
        } else if (ctx.target.schema.status === 'bexar' && !ctx.target.schema.canAlterIdColumns) {
          hits.push({
            severity: 'error',
            affectedIds: widened.map((a) => a.sourceId),
            message: `${pluralise(widened.length, `${kind} id`)} above 2147483647 (${list}) ${be(widened.length)} to be kept with largeIdStrategy "widen-to-bigint", which alters ${columns.join(', ')} to bigint, but the database role does not own these tables and cannot alter them.`,
            remedy:
              'Connect as the owner of the Nova tables, or choose largeIdStrategy "renumber" (the items get new ids).',
          });
        } else {
          hits.push({
            affectedIds: widened.map((a) => a.sourceId),
            message: `${pluralise(widened.length, `${kind} id`)} above 2147483647 (${list}) ${be(widened.length)} kept with largeIdStrategy "widen-to-bigint": before writing, ${pluralise(columns.length, 'Nova column')} (${columns.join(', ')}) ${be(columns.length)} altered from integer to bigint. This changes the Nova schema.`,
            remedy:
              'Acknowledge the schema change, or choose largeIdStrategy "renumber" to leave the schema alone and give these items new ids.',
          });
        }
      }
      return hits;
    },
  };
}

function networkCannotCarry(ctx: RuleContext): RuleHit[] {
  const manager = ctx.mappings.network.manager;
  const mode = ctx.inventory.network.mode;
  const hits: RuleHit[] = [];
  const addresses = keptOf(ctx, 'address').filter(
    (p) => p.ref.resource.value.state !== 'unallocated',
  );
  if (manager === 'FlatManager' && addresses.length > 0) {
    hits.push({
      affectedIds: ids(addresses),
      message: `${pluralise(addresses.length, 'elastic IP')} (${listOf(ids(addresses))}) ${be(addresses.length)} written as floating IPs, but Bexar's FlatManager is meant for networks Nova does not manage (bridge, routing and metadata forwarding are set up by hand), so their NAT on the nova-network host is not something this migration can vouch for.`,
      remedy:
        'Check after the migration that the addresses reach their instances (set up NAT on the nova-network host by hand if not), or choose FlatDHCPManager or VlanManager.',
    });
  }
  const groups = keptOf(ctx, 'securityGroup');
  if (mode === 'MANAGED' && manager !== 'VlanManager' && manager !== 'none' && groups.length > 0) {
    hits.push({
      affectedIds: ids(groups),
      message: `Eucalyptus MANAGED mode put each security group on its own VLAN; under ${manager} every instance shares one bridge, so ${pluralise(groups.length, 'security group')} keep only their firewall rules, not their network isolation.`,
      remedy:
        'Choose VlanManager to keep isolation per project, or acknowledge the flatter network.',
    });
  }
  if (mode === 'MANAGED' && manager === 'VlanManager') {
    const extra = groups.filter((g) => g.ref.resource.value.groupName !== 'default');
    if (extra.length > 0) {
      hits.push({
        severity: 'info',
        affectedIds: ids(extra),
        message: `Eucalyptus gave each security group its own VLAN; Nova's VlanManager gives each project one. The groups ${listOf(ids(extra))} share their project's VLAN and keep their firewall rules.`,
        remedy: 'Nothing to do unless the VLAN separation between groups of one user mattered.',
      });
    }
  }
  const vlans = ctx.input.network.networks
    .map((n) => n.vlan)
    .filter((v): v is number => v !== null);
  if (manager === 'VlanManager' && vlans.length > 0) {
    const start = ctx.mappings.network.overrides.vlan_start ?? 2;
    const range = `${String(Math.min(...vlans))}-${String(Math.max(...vlans))}`;
    if (mode !== 'MANAGED') {
      hits.push({
        affectedIds: ctx.input.network.networks.map((n) => n.cidr),
        message: `Eucalyptus ${mode} mode tagged no VLANs, but VlanManager puts each project's network on its own VLAN (tags ${range}): the switches between the Nova hosts must trunk these tags.`,
        remedy: `Configure the switch ports of the compute and network hosts to carry VLANs ${range}, or choose ${mode === 'STATIC' ? 'FlatManager' : 'FlatDHCPManager'}.`,
      });
    } else if (start !== 2) {
      hits.push({
        affectedIds: ctx.input.network.networks.map((n) => n.cidr),
        message: `With vlan_start ${String(start)} each Nova network's VLAN tag differs by ${String(start - 2)} from the tag Eucalyptus used for the same subnet (Nova uses ${range}); guests keep their addresses but their traffic is tagged differently.`,
        remedy:
          'Trunk the new tags on the switches, or leave vlan_start at 2 so the tags stay as they were.',
      });
    }
  }
  const vpc = groups.filter(
    (g) =>
      g.ref.resource.value.vpcId !== undefined ||
      (g.ref.resource.value.egressRules ?? []).length > 0,
  );
  if (vpc.length > 0) {
    hits.push({
      affectedIds: ids(vpc),
      message: `Security groups in a VPC or with egress rules (${listOf(ids(vpc))}): Bexar has neither VPCs nor egress filtering, so only their ingress rules are migrated.`,
      remedy: 'Recreate the outbound restrictions outside Nova (host firewall) if they matter.',
    });
  }
  return hits;
}

function addressesWithoutNetwork(ctx: RuleContext): RuleHit[] {
  if (ctx.mappings.network.manager !== 'none') return [];
  const addresses = plannedOf(ctx, 'address');
  if (addresses.length === 0) return [];
  return [
    {
      affectedIds: ids(addresses),
      message: `${pluralise(addresses.length, 'elastic IP')} (${listOf(ids(addresses))}) cannot be migrated: with no Nova network manager ("none", for Eucalyptus SYSTEM mode) Bexar has no floating IPs.`,
      remedy:
        'Release the addresses in Eucalyptus (or deselect them), or choose a Nova network manager.',
    },
  ];
}

function fixedIpChanges(ctx: RuleContext): RuleHit[] {
  const changed = ctx.input.network.perInstance.filter((p) => p.status === 'changed');
  if (changed.length === 0) return [];
  return [
    {
      affectedIds: changed.map((c) => c.instanceId),
      message: `Fixed IPs that change in Nova (${pluralise(changed.length, 'instance')}): ${listOf(
        changed.map(
          (c) =>
            `${c.instanceId} ${c.sourceIp ?? '(none)'} -> ${c.novaIp ?? '(none)'} (${c.reason})`,
        ),
        8,
      )}.`,
      remedy:
        'Reconfigure these guests (or their DHCP reservations) after the migration, or adjust the fixed range / network size so their addresses fall inside the Nova networks.',
    },
  ];
}

function bootImagesNotSelected(ctx: RuleContext): RuleHit[] {
  const missing = new Map<string, { why: string; needers: string[] }>();
  const mode = ctx.mappings.imageIdPrefix;
  const inStore = new Set((ctx.target.imageStore?.images ?? []).map((i) => i.imageId));
  const plannedImages = new Map(
    ctx.planned.filter((p) => p.ref.kind === 'image').map((p) => [p.ref, p]),
  );
  const check = (imageId: string, role: string, needer: string): void => {
    const ref = ctx.index.get('image', imageId);
    const planned = ref === undefined ? undefined : plannedImages.get(ref);
    if (planned !== undefined && isKept(planned)) return;
    let why: string;
    if (planned !== undefined) {
      why = `its ${role} ${imageId} is not migrated (${planned.item.action}${planned.item.reason !== undefined ? `: ${planned.item.reason}` : ''})`;
    } else if (ref !== undefined) {
      why = `its ${role} ${imageId} is not selected`;
    } else {
      let novaId = imageId;
      try {
        novaId = novaImageId(imageId, mode);
      } catch {
        // A malformed id cannot be in the image store either.
      }
      if (inStore.has(novaId)) return;
      why = `its ${role} ${imageId} is neither in the inventory (deregistered, or unreadable during discovery) nor in the Nova image store`;
    }
    const entry = missing.get(imageId) ?? { why, needers: [] };
    entry.needers.push(needer);
    missing.set(imageId, entry);
  };
  for (const p of keptOf(ctx, 'instance')) {
    const i = p.ref.resource.value;
    check(i.imageId, 'image', i.instanceId);
    if (i.kernelId !== undefined) check(i.kernelId, 'kernel', i.instanceId);
    if (i.ramdiskId !== undefined) check(i.ramdiskId, 'ramdisk', i.instanceId);
  }
  for (const p of keptOf(ctx, 'image')) {
    const im = p.ref.resource.value;
    if (im.kernelId !== undefined) check(im.kernelId, 'kernel', im.imageId);
    if (im.ramdiskId !== undefined) check(im.ramdiskId, 'ramdisk', im.imageId);
  }
  return [...missing.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([imageId, m]) => ({
      affectedIds: [imageId, ...m.needers],
      message: `${listOf(m.needers)} cannot boot in Nova: ${m.why}.`,
      remedy: `Make ${imageId} part of the migration (re-register it in Eucalyptus and discover again, or copy it into the Nova image store by hand), or deselect what needs it.`,
    }));
}

/** The key choice of buildUserRows: the first active key with a secret, else the first active. */
function hasUsableSecret(user: Inventory['users'][number]): boolean {
  const key =
    user.accessKeys.find((k) => k.active && k.secretKey !== undefined) ??
    user.accessKeys.find((k) => k.active) ??
    user.accessKeys[0];
  return key?.secretKey !== undefined;
}

function usersWithoutSecret(ctx: RuleContext): RuleHit[] {
  const users = keptOf(ctx, 'user').filter((p) => !hasUsableSecret(p.ref.resource.value));
  if (users.length === 0) return [];
  return [
    {
      affectedIds: ids(users),
      message: `${pluralise(users.length, 'user')} (${listOf(ids(users))}) ${have(users.length)} no readable secret key. They are created in Nova, but their old EC2 credentials will not work there.`,
      remedy:
        'After the migration, give these users a new secret key in Nova ("nova-manage user modify") and send them fresh credentials ("nova-manage project zipfile").',
    },
  ];
}

function keyPairsWithoutPublicKey(ctx: RuleContext): RuleHit[] {
  const pairs = plannedOf(ctx, 'keyPair').filter(
    (p) => p.ref.resource.kind === 'keyPair' && p.ref.resource.value.publicKey === undefined,
  );
  if (pairs.length === 0) return [];
  return [
    {
      affectedIds: ids(pairs),
      message: `${pluralise(pairs.length, 'key pair')} (${listOf(ids(pairs))}) ${have(pairs.length)} no public key in the Eucalyptus database and are not migrated. Instances started with them keep working; Nova just does not list the key.`,
      remedy:
        'Tell the owners to create or import a key pair in Nova for new instances, or restore the public key in Eucalyptus and discover again.',
    },
  ];
}

/** The smallest Bexar type at least as large as the Eucalyptus one, when its size is known. */
function suggestType(ctx: RuleContext, vmType: string): string | undefined {
  const spec = ctx.inventory.availabilityZones
    .flatMap((z) => z.vmTypes)
    .find((t) => t.name === vmType);
  if (spec === undefined) return undefined;
  return Object.entries(NOVA_BEXAR_INSTANCE_TYPES).find(
    ([, t]) => t.memoryMb >= spec.memoryMiB && t.vcpus >= spec.cpu && t.localGb >= spec.diskGiB,
  )?.[0];
}

function unmappedInstanceTypes(ctx: RuleContext): RuleHit[] {
  const byType = new Map<string, string[]>();
  for (const p of keptOf(ctx, 'instance')) {
    const t = p.ref.resource.value.instanceType;
    if (ctx.mappings.instanceTypes[t] !== undefined || DEFAULT_INSTANCE_TYPE_MAP[t] !== undefined)
      continue;
    byType.set(t, [...(byType.get(t) ?? []), p.item.sourceId]);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, instances]) => {
      const suggestion = suggestType(ctx, t);
      return {
        affectedIds: [t, ...instances],
        message: `VM type ${t} has no Nova Bexar equivalent and no mapping in the plan; ${pluralise(instances.length, 'instance')} use it (${listOf(instances)}). Bexar knows only m1.tiny, m1.small, m1.medium, m1.large and m1.xlarge.`,
        remedy: `Map it in the plan's instance types (e.g. "${t}": "${suggestion ?? 'm1.small'}"${suggestion !== undefined ? ', the smallest Bexar type at least as large' : ''}).`,
      };
    });
}

function snapshots(ctx: RuleContext): RuleHit[] {
  const s = plannedOf(ctx, 'snapshot');
  if (s.length === 0) return [];
  return [
    {
      affectedIds: ids(s),
      message: `${pluralise(s.length, 'volume snapshot')} (${listOf(ids(s))}) ${be(s.length)} reported, not migrated: Bexar has no snapshots table.`,
      remedy:
        'Keep the snapshots in Eucalyptus until they are no longer needed, or restore them to volumes there and migrate the volumes.',
    },
  ];
}

const MIB = 1_048_576;

function imageSpace(ctx: RuleContext): RuleHit[] {
  const images = plannedOf(ctx, 'image').filter((p) => p.item.action === 'create');
  if (images.length === 0) return [];
  const store = ctx.target.imageStore;
  const affected = ids(images);
  if (store === undefined) {
    return [
      {
        severity: 'warning',
        affectedIds: affected,
        message: `${pluralise(images.length, 'image')} ${be(images.length)} to be copied, but no images_path was given, so the free space of the Nova image store was not checked.`,
        remedy: 'Plan again with the Nova images_path.',
      },
    ];
  }
  if (!store.exists) {
    return [
      {
        affectedIds: affected,
        message: `The Nova image store ${store.path} does not exist or cannot be read; ${pluralise(images.length, 'image')} cannot be copied there.`,
        remedy: "Create the directory (nova-objectstore's --images_path) or give the right path.",
      },
    ];
  }
  const sizes = images.map((p) => {
    const im = p.ref.resource.kind === 'image' ? p.ref.resource.value : undefined;
    return im?.sizeBytes ?? im?.bundledSizeBytes;
  });
  const known = sizes.filter((s): s is number => s !== undefined);
  const unknown = sizes.length - known.length;
  // writeImage wants 1 MiB to spare beyond each image (info.json, directory, rounding).
  const needed = known.reduce((a, b) => a + b, 0) + images.length * MIB;
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (store.freeBytes === null) {
    return [
      {
        severity: 'warning',
        affectedIds: affected,
        message: `The free space under ${store.path} could not be measured; the images need about ${gib(needed)}.`,
        remedy: 'Check the free space by hand before running.',
      },
    ];
  }
  if (store.freeBytes >= needed) return [];
  return [
    {
      affectedIds: affected,
      message: `The Nova image store ${store.path} has ${gib(store.freeBytes)} free, but the ${pluralise(images.length, 'image')} to copy need ${gib(needed)}${unknown > 0 ? ` (not counting ${String(unknown)} of unknown size)` : ''}.`,
      remedy: 'Free space or enlarge the file system under images_path, or deselect some images.',
    },
  ];
}

function pulledIn(ctx: RuleContext): RuleHit[] {
  const pulled = ctx.planned.filter((p) => p.item.pulledInBy !== undefined);
  if (pulled.length === 0) return [];
  return [
    {
      affectedIds: ids(pulled),
      message: `${pluralise(pulled.length, 'item')} ${pulled.length === 1 ? 'was' : 'were'} not selected but ${be(pulled.length)} needed by what was, so ${pulled.length === 1 ? 'it is' : 'they are'} part of the plan: ${listOf(
        pulled.map((p) => {
          const by = p.item.pulledInBy;
          return by === undefined
            ? p.item.sourceId
            : `${KIND_LABEL[p.item.kind]} ${p.item.sourceId} (${by.relation} of ${by.sourceId})`;
        }),
        10,
      )}.`,
      remedy: 'Nothing to do; deselect what needs them to leave them out.',
    },
  ];
}

function duplicates(ctx: RuleContext): RuleHit[] {
  const d = ctx.index.duplicates;
  if (d.length === 0) return [];
  return [
    {
      affectedIds: d.map((r) => r.sourceId),
      message: `${pluralise(d.length, 'item')} of the inventory would land on the same Nova item as another one (${listOf(d.map((r) => `${KIND_LABEL[r.kind]} ${r.sourceId}`))}); only the first of each is planned.`,
      remedy: 'Rename the duplicates in Eucalyptus and discover again if they matter.',
    },
  ];
}

/** Kinds whose unsupported items already have a rule of their own. */
function coveredElsewhere(p: PlannedResource, ctx: RuleContext): boolean {
  const r = p.ref.resource;
  return (
    r.kind === 'snapshot' ||
    (r.kind === 'keyPair' && r.value.publicKey === undefined) ||
    (r.kind === 'address' && ctx.mappings.network.manager === 'none')
  );
}

function notMigrated(ctx: RuleContext): RuleHit[] {
  const groups = new Map<string, { severity: Severity; kind: PlanItem['kind']; ids: string[] }>();
  for (const p of ctx.planned) {
    if (p.item.action !== 'unsupported' || coveredElsewhere(p, ctx)) continue;
    const reason = (p.item.reason ?? 'not supported')
      .replace(/^Not migrated: /, '')
      .replace(/\.$/, '');
    const ended =
      p.ref.resource.kind === 'instance' &&
      ['terminated', 'shutting-down'].includes(p.ref.resource.value.state.name);
    const key = `${p.item.kind}\u0000${reason}`;
    const g = groups.get(key) ?? {
      severity: ended ? 'info' : 'warning',
      kind: p.item.kind,
      ids: [],
    };
    g.ids.push(p.item.sourceId);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, g]) => ({
    severity: g.severity,
    affectedIds: g.ids,
    message: `${pluralise(g.ids.length, KIND_LABEL[g.kind])} (${listOf(g.ids)}) ${be(g.ids.length)} reported, not migrated: ${key.split('\u0000')[1] ?? ''}.`,
    remedy:
      g.severity === 'info'
        ? 'Nothing to do.'
        : 'Resolve it in Eucalyptus and discover again, or accept that these items stay behind.',
  }));
}

/** The preflight rules, in the order their findings are listed within a severity. */
export const PREFLIGHT_RULES: readonly PreflightRule[] = [
  {
    id: 'target.schema-mismatch',
    severity: 'error',
    title: 'The target is not a writable Nova Bexar database',
    check: schemaMismatch,
  },
  {
    id: 'target.snapshot-stale',
    severity: 'error',
    title: 'The target snapshot was read for another inventory or other mappings',
    check: staleSnapshot,
  },
  {
    id: 'target.row-conflict',
    severity: 'error',
    title: 'An item is already in Nova with different data',
    check: rowConflicts,
  },
  {
    id: 'target.other-row-conflict',
    severity: 'warning',
    title: 'Other rows the run writes are already in Nova with different data',
    check: otherConflicts,
  },
  idsOverInt32('instance'),
  idsOverInt32('volume'),
  {
    id: 'network.cannot-carry',
    severity: 'warning',
    title: 'The chosen network manager cannot carry everything',
    check: networkCannotCarry,
  },
  {
    id: 'address.unsupported-without-network',
    severity: 'error',
    title: 'Elastic IPs without Nova networking',
    check: addressesWithoutNetwork,
  },
  {
    id: 'instance.fixed-ip-changes',
    severity: 'warning',
    title: 'Instances whose fixed IP changes',
    check: fixedIpChanges,
  },
  {
    id: 'instance.boot-image-not-selected',
    severity: 'error',
    title: 'An instance or image needs an image, kernel or ramdisk that is not migrated',
    check: bootImagesNotSelected,
  },
  {
    id: 'user.secret-key-missing',
    severity: 'warning',
    title: 'Users without a secret key',
    check: usersWithoutSecret,
  },
  {
    id: 'keypair.public-key-missing',
    severity: 'warning',
    title: 'Key pairs without a public key',
    check: keyPairsWithoutPublicKey,
  },
  {
    id: 'instance.type-unmapped',
    severity: 'error',
    title: 'VM types without a Nova equivalent',
    check: unmappedInstanceTypes,
  },
  {
    id: 'snapshot.unsupported',
    severity: 'warning',
    title: 'Snapshots (Bexar has no snapshots table)',
    check: snapshots,
  },
  {
    id: 'target.images-space',
    severity: 'error',
    title: 'Free space under images_path',
    check: imageSpace,
  },
  {
    id: 'item.not-migrated',
    severity: 'warning',
    title: 'Items reported, not migrated',
    check: notMigrated,
  },
  {
    id: 'selection.duplicate-item',
    severity: 'warning',
    title: 'Inventory items that would land on the same Nova item',
    check: duplicates,
  },
  {
    id: 'selection.dependencies-pulled-in',
    severity: 'info',
    title: 'Dependencies pulled into the selection',
    check: pulledIn,
  },
];

/**
 * Ids whose findings the rules above raise, selection-aware, or replace: the same rule id from
 * discovery or the writers is dropped so nothing is reported twice.
 */
export const SUPERSEDED_RULE_IDS: ReadonlySet<string> = new Set([
  ...PREFLIGHT_RULES.map((r) => r.id),
  'instance.renumbered',
  'volume.renumbered',
  'keypair.owner-and-public-key-missing',
]);

export const FINDING_SOURCES: readonly FindingSource[] = [
  {
    id: 'inventory',
    title: "The inventory's own discovery findings",
    collect: (ctx) => ctx.inventory.findings,
  },
  {
    id: 'nova-writers',
    title: 'What the Nova writers and the network plan would report for the selected items',
    collect: (ctx) => [
      ...buildUserRows(ctx.kept).findings,
      ...buildKeyPairRows(ctx.kept).findings,
      ...buildSecurityGroupRows(ctx.kept).findings,
      ...buildInstanceRows(ctx.input).findings,
      ...buildVolumeRows(ctx.input).findings,
      ...ctx.input.network.findings,
      ...ctx.input.ids.findings,
    ],
  },
];

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function compareFindings(a: Finding, b: Finding): number {
  const s = SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
  if (s !== 0) return s;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  const x = a.affectedIds.join('\n');
  const y = b.affectedIds.join('\n');
  if (x !== y) return x < y ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Every rule and finding source over one context: deduplicated and sorted. */
export function runRules(ctx: RuleContext): Finding[] {
  const out = new Map<string, Finding>();
  const add = (f: Finding): void => {
    const finding: Finding = {
      ...f,
      message: f.message.length > 4000 ? `${f.message.slice(0, 3997)}...` : f.message,
      affectedIds: f.affectedIds.slice(0, 10_000).map((id) => id.slice(0, 255)),
    };
    out.set(`${f.ruleId}\u0000${finding.affectedIds.join('\n')}\u0000${f.message}`, finding);
  };
  for (const rule of PREFLIGHT_RULES) {
    for (const hit of rule.check(ctx)) {
      add({
        ruleId: rule.id,
        severity: hit.severity ?? rule.severity,
        message: hit.message,
        affectedIds: [...hit.affectedIds],
        remedy: hit.remedy,
      });
    }
  }
  for (const source of FINDING_SOURCES) {
    for (const f of source.collect(ctx)) if (!SUPERSEDED_RULE_IDS.has(f.ruleId)) add(f);
  }
  return [...out.values()].sort(compareFindings);
}
