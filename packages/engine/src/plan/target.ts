import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  canonicalJson,
  ipv4ToNumber,
  type Inventory,
  type PlanMappings,
  type ResourceKind,
} from '@euca2nova/model';
import {
  inspectNovaTarget,
  describeTargetProblem,
  planIdWidening,
  prepareWriteInput,
  withClient,
  writeFloatingIps,
  writeInstances,
  writeKeyPairs,
  writeNetworks,
  writeSecurityGroups,
  writeUsers,
  writeVolumes,
  type ColumnDifference,
  type NovaWriteInput,
  type RowOutcome,
  type TargetState,
  type WriteOptions,
} from '@euca2nova/nova';
import { InventoryIndex } from './resources.ts';

/**
 * What is already in the target, as plain data: `plan()` stays pure and tests can hand-make one.
 * Read by `readTargetSnapshot`.
 */
export interface TargetSnapshot {
  readonly readAt: string;
  /**
   * What the rows were classified for. A plan made from another inventory or other mappings
   * (ids, prefixes, instance types, network all change the rows) must not trust it. Absent in
   * hand-made snapshots.
   */
  readonly basis?: TargetBasis;
  readonly schema: TargetSchemaSnapshot;
  /**
   * Whether rows were classified. False when the schema is not a writable Bexar one: then every
   * item reads as absent and the schema finding blocks the plan.
   */
  readonly classified: boolean;
  /** Items with at least one row already in Nova; absent items are not listed. */
  readonly items: readonly TargetItemState[];
  /** Conflicting rows no plan item owns (default groups, pool addresses, iSCSI targets …). */
  readonly otherConflicts: readonly TargetRowConflict[];
  /** Absent when no images_path was given. */
  readonly imageStore?: TargetImageStore;
}

export interface TargetBasis {
  readonly inventoryId: string;
  /** `canonicalJson` of the mappings. */
  readonly mappings: string;
}

export interface TargetSchemaSnapshot {
  readonly status: TargetState['status'];
  readonly schemaVersion: number | null;
  readonly missingTables: readonly string[];
  readonly columnDifferences: readonly ColumnDifference[];
  /** `table.column` already widened to bigint. */
  readonly widenedColumns: readonly string[];
  readonly writable: boolean;
  /** Whether the role owns the tables the id widening alters (ALTER TABLE needs ownership). */
  readonly canAlterIdColumns: boolean;
  /** `describeTargetProblem`: why the target cannot be written, null when it can. */
  readonly problem: string | null;
}

export interface TargetFieldDifference {
  /** The writer's row kind (`user`, `project`, `instance`, `fixedIp` …). */
  readonly row: string;
  readonly field: string;
  readonly existing: string | null;
  readonly wanted: string | null;
}

export interface TargetItemState {
  readonly kind: ResourceKind;
  readonly sourceId: string;
  /** `partial`: some of its rows are there (identical), others are missing. */
  readonly state: 'identical' | 'partial' | 'conflict';
  readonly differences: readonly TargetFieldDifference[];
}

export interface TargetRowConflict {
  readonly row: string;
  readonly id: string;
  readonly differences: readonly TargetFieldDifference[];
}

export interface TargetImage {
  /** The directory name: the Nova image id. */
  readonly imageId: string;
  /** Parsed `info.json`, null when missing or unreadable. */
  readonly info: Readonly<Record<string, unknown>> | null;
  /** Size of the `image` file, null when missing. */
  readonly bytes: number | null;
}

export interface TargetImageStore {
  readonly path: string;
  readonly exists: boolean;
  readonly freeBytes: number | null;
  readonly images: readonly TargetImage[];
}

export interface ReadTargetOptions {
  readonly novaDb: string;
  readonly imagesPath?: string;
  /** The inventory the plan will be made from (its selection is applied later, by `plan`). */
  readonly inventory: Inventory;
  readonly mappings: PlanMappings;
  readonly hosts: NovaWriteInput['hosts'];
  readonly signal?: AbortSignal;
  readonly now?: Date;
}

/**
 * Inspect the Nova database and image store and classify every row the writers would write,
 * with the writers themselves in dry-run mode, so "identical" means exactly what a run would
 * skip. Reads only.
 */
export async function readTargetSnapshot(options: ReadTargetOptions): Promise<TargetSnapshot> {
  const state = await inspectNovaTarget(options.novaDb, options.imagesPath);
  const problem = describeTargetProblem(state);
  const classified = problem === null;
  const canAlterIdColumns = classified ? await ownsWidenedTables(options.novaDb) : false;
  const schema: TargetSchemaSnapshot = {
    status: state.status,
    schemaVersion: state.schemaVersion,
    missingTables: state.missingTables,
    columnDifferences: state.columnDifferences,
    widenedColumns: state.widenedColumns,
    writable: state.writable,
    canAlterIdColumns,
    problem,
  };
  let items: TargetItemState[] = [];
  let otherConflicts: TargetRowConflict[] = [];
  if (classified) {
    const input = prepareWriteInput(options.inventory, options.mappings, options.hosts);
    const outcomes = await dryRun(options, state, input);
    ({ items, otherConflicts } = classifyOutcomes(options.inventory, input, outcomes));
  }
  const snapshot: TargetSnapshot = {
    readAt: (options.now ?? new Date()).toISOString(),
    basis: {
      inventoryId: options.inventory.metadata.inventoryId,
      mappings: canonicalJson(options.mappings),
    },
    schema,
    classified,
    items,
    otherConflicts,
  };
  if (options.imagesPath === undefined || state.imagesPath === undefined) return snapshot;
  return {
    ...snapshot,
    imageStore: {
      path: state.imagesPath.path,
      exists: state.imagesPath.exists,
      freeBytes: state.imagesPath.freeBytes,
      images: state.imagesPath.exists ? await listImages(options.imagesPath) : [],
    },
  };
}

async function ownsWidenedTables(url: string): Promise<boolean> {
  const tables = [...new Set(planIdWidening().columns.map((c) => c.split('.')[0] ?? c))];
  return withClient(url, async (client) => {
    const res = await client.query<{ ok: boolean | null }>(
      `SELECT bool_and(pg_has_role(current_user, c.relowner, 'USAGE')) AS ok
         FROM pg_class c
        WHERE c.relname = ANY($1) AND c.relnamespace = current_schema()::regnamespace`,
      [tables],
    );
    return res.rows[0]?.ok === true;
  });
}

async function dryRun(
  options: ReadTargetOptions,
  state: TargetState,
  input: NovaWriteInput,
): Promise<RowOutcome[]> {
  // Ids above 2^31-1 cannot be in unwidened columns, so those rows are absent: leave them out
  // rather than let the writers refuse the whole kind.
  const fits = (table: string, novaId: number): boolean =>
    novaId <= 2147483647 || state.widenedColumns.includes(`${table}.id`);
  const keepInstance = new Set(
    [...input.ids.instances.values()]
      .filter((a) => fits('instances', a.novaId))
      .map((a) => a.sourceId),
  );
  const keepVolume = new Set(
    [...input.ids.volumes.values()].filter((a) => fits('volumes', a.novaId)).map((a) => a.sourceId),
  );
  const fitting: NovaWriteInput = {
    ...input,
    inventory: {
      ...input.inventory,
      instances: input.inventory.instances.filter((i) => keepInstance.has(i.instanceId)),
      volumes: input.inventory.volumes.filter((v) => keepVolume.has(v.volumeId)),
    },
  };
  const outcomes: RowOutcome[] = [];
  const opts: WriteOptions = {
    dryRun: true,
    onRow: (o) => outcomes.push(o),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
  };
  await withClient(options.novaDb, async (db) => {
    await writeUsers(db, input.inventory, opts);
    await writeKeyPairs(db, input.inventory, opts);
    await writeSecurityGroups(db, input.inventory, opts);
    await writeNetworks(db, input.network, opts);
    await writeInstances(db, fitting, opts);
    await writeFloatingIps(db, fitting, opts);
    await writeVolumes(db, fitting, opts);
  });
  return outcomes;
}

type ItemRef = { kind: ResourceKind; sourceId: string };

/** Which plan item a writer's row belongs to, from the row's own columns. */
function classifyOutcomes(
  inventory: Inventory,
  input: NovaWriteInput,
  outcomes: readonly RowOutcome[],
): { items: TargetItemState[]; otherConflicts: TargetRowConflict[] } {
  const index = new InventoryIndex(inventory);
  const instanceByNovaId = new Map(
    [...input.ids.instances.values()].map((a) => [String(a.novaId), a.sourceId]),
  );
  const volumeByNovaId = new Map(
    [...input.ids.volumes.values()].map((a) => [String(a.novaId), a.sourceId]),
  );
  const networks = input.network.networks.map((n) => {
    const [ip, len] = n.cidr.split('/') as [string, string];
    return { cidr: n.cidr, base: ipv4ToNumber(ip), size: 2 ** (32 - Number(len)) };
  });
  const str = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  const user = (novaUserId: unknown): ItemRef | undefined => {
    const ref = index.userByNovaUserId(str(novaUserId));
    return ref === undefined ? undefined : { kind: 'user', sourceId: ref.sourceId };
  };
  const refOf = (o: RowOutcome): ItemRef | undefined => {
    const r = o.row;
    switch (o.kind) {
      case 'user':
        return user(r.id);
      case 'project':
        return user(r.project_manager);
      case 'membership':
      case 'global-role':
      case 'project-role':
        return user(r.user_id);
      case 'keyPair': {
        const ref = index.keyPair(str(r.user_id), str(r.name));
        return ref === undefined ? undefined : { kind: 'keyPair', sourceId: ref.sourceId };
      }
      case 'securityGroup': {
        const ref = index.securityGroup(str(r.project_id), str(r.name));
        return ref === undefined ? undefined : { kind: 'securityGroup', sourceId: ref.sourceId };
      }
      case 'network':
        return { kind: 'network', sourceId: str(r.cidr) };
      case 'fixedIp': {
        const n = ipv4ToNumber(str(r.address));
        const net = networks.find((x) => n >= x.base && n < x.base + x.size);
        return net === undefined ? undefined : { kind: 'network', sourceId: net.cidr };
      }
      case 'instance':
      case 'instanceGroup': {
        const id = instanceByNovaId.get(str(o.kind === 'instance' ? r.id : r.instance_id));
        return id === undefined ? undefined : { kind: 'instance', sourceId: id };
      }
      case 'address': {
        const ref = index.get('address', str(r.address));
        return ref === undefined ? undefined : { kind: 'address', sourceId: ref.sourceId };
      }
      case 'volume': {
        const id = volumeByNovaId.get(str(r.id));
        return id === undefined ? undefined : { kind: 'volume', sourceId: id };
      }
      default:
        return undefined;
    }
  };
  const byItem = new Map<string, { ref: ItemRef; outcomes: RowOutcome[] }>();
  const otherConflicts: TargetRowConflict[] = [];
  const diffs = (o: RowOutcome): TargetFieldDifference[] =>
    o.fields.map((f) => ({
      row: o.kind,
      field: f.field,
      existing: shown(f.field, f.existing),
      wanted: shown(f.field, f.wanted),
    }));
  for (const o of outcomes) {
    const ref = refOf(o);
    if (ref === undefined) {
      if (o.outcome === 'conflict')
        otherConflicts.push({ row: o.kind, id: o.id, differences: diffs(o) });
      continue;
    }
    const key = `${ref.kind}\u0000${ref.sourceId}`;
    const entry = byItem.get(key) ?? { ref, outcomes: [] };
    entry.outcomes.push(o);
    byItem.set(key, entry);
  }
  const items: TargetItemState[] = [];
  for (const { ref, outcomes: os } of byItem.values()) {
    if (os.every((o) => o.outcome === 'insert')) continue;
    const conflicts = os.filter((o) => o.outcome === 'conflict');
    items.push({
      kind: ref.kind,
      sourceId: ref.sourceId,
      state:
        conflicts.length > 0
          ? 'conflict'
          : os.every((o) => o.outcome === 'skip')
            ? 'identical'
            : 'partial',
      differences: conflicts.flatMap(diffs),
    });
  }
  items.sort((a, b) =>
    a.kind === b.kind ? a.sourceId.localeCompare(b.sourceId) : a.kind.localeCompare(b.kind),
  );
  return { items, otherConflicts };
}

/**
 * A snapshot is shown, logged and stored with the plan: a secret key (Nova's or the source's)
 * must not travel with it, only the fact that it differs.
 */
function shown(field: string, value: string | null): string | null {
  if (value === null) return null;
  if (/secret|password/i.test(field)) return '(hidden)';
  return value.length > 120 ? `${value.slice(0, 117)}...` : value;
}

/** What nova-objectstore would list: every `<id>/info.json` (unreadable ones kept as null). */
async function listImages(imagesPath: string): Promise<TargetImage[]> {
  const entries = await readdir(imagesPath, { withFileTypes: true }).catch(() => []);
  const out: TargetImage[] = [];
  for (const e of entries) {
    // Hidden directories are writeImage's unfinished temporary copies.
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    let info: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(
        await readFile(join(imagesPath, e.name, 'info.json'), 'utf8'),
      );
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        info = parsed as Record<string, unknown>;
    } catch {
      info = null;
    }
    const s = await stat(join(imagesPath, e.name, 'image')).catch(() => undefined);
    out.push({ imageId: e.name, info, bytes: s?.size ?? null });
  }
  return out.sort((a, b) => a.imageId.localeCompare(b.imageId));
}
