import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  type Finding,
  type Inventory,
  type NetworkMode,
  type PlanMappings,
  type PlanSelection,
} from '@euca2nova/model';
import { demoInventory, demoMappings } from '@euca2nova/nova/testing';
import { PREFLIGHT_RULES, plan, type TargetSnapshot } from '../src/index.ts';
import { bexarTarget } from './plan-fixtures.ts';

interface Case {
  inventory?: Inventory;
  mode?: NetworkMode;
  mappings?: Partial<PlanMappings>;
  selection?: PlanSelection;
  target?: TargetSnapshot;
}

function run(c: Case = {}): ReturnType<typeof plan> {
  const mode = c.mode ?? 'MANAGED';
  return plan(
    c.inventory ?? demoInventory(mode),
    c.selection ?? {},
    demoMappings(c.mappings ?? {}, mode),
    c.target ?? bexarTarget(),
  );
}

function findings(ruleId: string, c: Case = {}): Finding[] {
  return run(c).findings.filter((f) => f.ruleId === ruleId);
}

/** The demo cloud without the ids that need widening: a clean input for most rules. */
function smallIds(mode: NetworkMode = 'MANAGED'): Inventory {
  const inv = demoInventory(mode);
  return {
    ...inv,
    instances: inv.instances.filter((i) => i.instanceId !== 'i-9A3B1C2D'),
    volumes: inv.volumes.filter((v) => v.volumeId !== 'vol-8ABCDEF0'),
  };
}

function item(r: ReturnType<typeof plan>, sourceId: string) {
  return r.items.find((i) => i.sourceId === sourceId);
}

describe('preflight rules are data', () => {
  it('has unique dotted ids, a severity and a title each', () => {
    const ids = PREFLIGHT_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of PREFLIGHT_RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/);
      expect(['error', 'warning', 'info']).toContain(r.severity);
      expect(r.title.length).toBeGreaterThan(5);
    }
  });

  it('raises nothing for the clean STATIC demo but the ended instance', () => {
    const r = run({ mode: 'STATIC', inventory: smallIds('STATIC') });
    expect(r.findings.map((f) => `${f.severity} ${f.ruleId}`)).toEqual(['info item.not-migrated']);
  });
});

describe('target.schema-mismatch', () => {
  it('is an error naming the problem when the target is not a writable Bexar database', () => {
    const target = bexarTarget({
      schema: {
        ...bexarTarget().schema,
        status: 'other-version',
        schemaVersion: 14,
        problem: "The Nova database is at schema version 14, not Bexar's 2.",
      },
      classified: false,
    });
    const [f, ...rest] = findings('target.schema-mismatch', { target });
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/schema version 14/);
    expect(f?.remedy).toMatch(/Bexar/);
  });

  it('is silent on a writable Bexar database', () => {
    expect(findings('target.schema-mismatch')).toEqual([]);
  });
});

describe('target.snapshot-stale', () => {
  const basis = (over: Partial<PlanMappings> = {}) => ({
    inventoryId: demoInventory('MANAGED').metadata.inventoryId,
    mappings: canonicalJson(demoMappings(over, 'MANAGED')),
  });

  it('is an error when the snapshot was read with other mappings or another inventory', () => {
    const other = bexarTarget({ basis: basis({ imageIdPrefix: 'rewrite' }) });
    const [f] = findings('target.snapshot-stale', { target: other });
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/mappings have changed/);
    const inv = demoInventory('MANAGED');
    const moved = {
      ...inv,
      metadata: { ...inv.metadata, inventoryId: '11111111-2222-4333-8444-555555555555' },
    };
    expect(
      findings('target.snapshot-stale', {
        inventory: moved,
        target: bexarTarget({ basis: basis() }),
      })[0]?.message,
    ).toMatch(/read for inventory/);
  });

  it('is silent when the snapshot matches the plan (or says nothing about its basis)', () => {
    expect(findings('target.snapshot-stale', { target: bexarTarget({ basis: basis() }) })).toEqual(
      [],
    );
    expect(findings('target.snapshot-stale')).toEqual([]);
  });
});

describe('target.row-conflict', () => {
  const target = bexarTarget({
    items: [
      {
        kind: 'keyPair',
        sourceId: 'alice/alice-key',
        state: 'conflict',
        differences: [{ row: 'keyPair', field: 'fingerprint', existing: '00:11', wanted: 'aa:bb' }],
      },
      { kind: 'user', sourceId: 'alice', state: 'identical', differences: [] },
    ],
  });

  it('marks the item conflict and raises an error naming the field', () => {
    const r = run({ target });
    expect(item(r, 'alice/alice-key')).toMatchObject({
      action: 'conflict',
      targetId: 'alice/alice-key',
    });
    expect(item(r, 'alice/alice-key')?.reason).toMatch(/keyPair\.fingerprint/);
    expect(item(r, 'alice')?.action).toBe('skip-identical');
    const [f] = r.findings.filter((x) => x.ruleId === 'target.row-conflict');
    expect(f?.severity).toBe('error');
    expect(f?.affectedIds).toEqual(['alice/alice-key']);
    expect(f?.message).toMatch(/fingerprint: Nova has 00:11, the source aa:bb/);
  });

  it('is silent when nothing conflicts', () => {
    expect(findings('target.row-conflict')).toEqual([]);
  });
});

describe('target.other-row-conflict', () => {
  it('warns about conflicting rows no item owns', () => {
    const target = bexarTarget({
      otherConflicts: [
        {
          row: 'iscsiTarget',
          id: 'nova-volume#1',
          differences: [{ row: 'iscsiTarget', field: 'volume_id', existing: '7', wanted: '1' }],
        },
      ],
    });
    const [f] = findings('target.other-row-conflict', { target });
    expect(f?.severity).toBe('warning');
    expect(f?.affectedIds).toEqual(['iscsiTarget:nova-volume#1']);
    expect(f?.message).toMatch(/volume_id: Nova has 7, wanted 1/);
  });

  it('is silent without such rows', () => {
    expect(findings('target.other-row-conflict')).toEqual([]);
  });
});

describe('instance.id-over-int32 and volume.id-over-int32', () => {
  it('warns that widen-to-bigint alters the schema, naming the columns', () => {
    const [f] = findings('instance.id-over-int32');
    expect(f?.severity).toBe('warning');
    expect(f?.affectedIds).toEqual(['i-9A3B1C2D']);
    expect(f?.message).toMatch(/widen-to-bigint/);
    expect(f?.message).toMatch(/instances\.id/);
    expect(findings('volume.id-over-int32')[0]?.affectedIds).toEqual(['vol-8ABCDEF0']);
  });

  it('is only informative once the columns are bigint', () => {
    const widened = [
      'instances.id',
      'fixed_ips.instance_id',
      'security_group_instance_association.instance_id',
      'volumes.instance_id',
      'instance_actions.instance_id',
      'consoles.instance_id',
    ];
    const target = bexarTarget({ schema: { ...bexarTarget().schema, widenedColumns: widened } });
    expect(findings('instance.id-over-int32', { target })[0]?.severity).toBe('info');
  });

  it('is an error when the role cannot alter the columns', () => {
    const target = bexarTarget({
      schema: { ...bexarTarget().schema, canAlterIdColumns: false },
    });
    const [f] = findings('instance.id-over-int32', { target });
    expect(f?.severity).toBe('error');
    expect(f?.remedy).toMatch(/renumber/);
  });

  it('warns with the new ids when renumbering', () => {
    const [f] = findings('instance.id-over-int32', { mappings: { largeIdStrategy: 'renumber' } });
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/i-9A3B1C2D -> i-[0-9a-f]{8}/);
    // The id plan's own finding is the same news: reported once.
    expect(findings('instance.renumbered', { mappings: { largeIdStrategy: 'renumber' } })).toEqual(
      [],
    );
  });

  it('is silent when every id fits', () => {
    expect(findings('instance.id-over-int32', { inventory: smallIds() })).toEqual([]);
    expect(findings('volume.id-over-int32', { inventory: smallIds() })).toEqual([]);
  });
});

describe('network.cannot-carry', () => {
  it('warns that MANAGED groups lose their VLAN isolation under a flat manager', () => {
    const [f] = findings('network.cannot-carry', {
      mappings: { network: { manager: 'FlatDHCPManager', overrides: {} } },
    });
    expect(f?.severity).toBe('warning');
    expect(f?.affectedIds).toEqual(['alice/default', 'alice/web', 'bob/default']);
  });

  it('warns that FlatManager does not set up elastic IPs', () => {
    const inv = demoInventory('STATIC');
    const withIp: Inventory = {
      ...inv,
      addresses: [{ publicIp: '198.51.100.7', state: 'allocated', owner: { userName: 'bob' } }],
    };
    const [f] = findings('network.cannot-carry', { mode: 'STATIC', inventory: withIp });
    expect(f?.affectedIds).toEqual(['198.51.100.7']);
    expect(f?.message).toMatch(/FlatManager/);
  });

  it('warns that VPC groups and egress rules are not carried', () => {
    const inv = demoInventory('MANAGED-NOVLAN');
    const vpc: Inventory = {
      ...inv,
      securityGroups: inv.securityGroups.map((g) =>
        g.groupName === 'web' ? { ...g, vpcId: 'vpc-1234abcd' } : g,
      ),
    };
    const [f] = findings('network.cannot-carry', { mode: 'MANAGED-NOVLAN', inventory: vpc });
    expect(f?.affectedIds).toEqual(['alice/web']);
    expect(f?.message).toMatch(/egress/);
  });

  it('warns when VLAN tags appear or change', () => {
    const [fresh] = findings('network.cannot-carry', {
      mode: 'MANAGED-NOVLAN',
      mappings: { network: { manager: 'VlanManager', overrides: {} } },
    });
    expect(fresh?.message).toMatch(/tagged no VLANs.*tags 2-/);
    const moved = findings('network.cannot-carry', {
      mappings: { network: { manager: 'VlanManager', overrides: { vlan_start: 100 } } },
    }).filter((f) => f.severity === 'warning');
    expect(moved).toHaveLength(1);
    expect(moved[0]?.message).toMatch(/vlan_start 100.*differs by 98/);
    expect(moved[0]?.affectedIds).toContain('10.1.0.0/27');
  });

  it('is silent when the manager matches the mode', () => {
    expect(findings('network.cannot-carry', { mode: 'MANAGED-NOVLAN' })).toEqual([]);
    expect(findings('network.cannot-carry', { mode: 'STATIC' })).toEqual([]);
  });
});

describe('address.unsupported-without-network', () => {
  it('is an error and marks the addresses unsupported when there is no Nova networking', () => {
    const r = run({ mode: 'SYSTEM' });
    const f = r.findings.filter((x) => x.ruleId === 'address.unsupported-without-network');
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('error');
    expect(f[0]?.affectedIds).toEqual(['203.0.113.10']);
    expect(item(r, '203.0.113.10')?.action).toBe('unsupported');
  });

  it('is silent with a network manager', () => {
    expect(findings('address.unsupported-without-network')).toEqual([]);
  });
});

describe('instance.fixed-ip-changes', () => {
  it('warns with old and new address for instances outside their mapped network', () => {
    const [f, ...rest] = findings('instance.fixed-ip-changes');
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('warning');
    expect(f?.affectedIds).toContain('i-9A3B1C2D');
    expect(f?.message).toMatch(/i-9A3B1C2D 10\.1\.0\.40 -> 10\.1\.0\.\d+/);
  });

  it('is silent when every fixed IP is kept', () => {
    expect(findings('instance.fixed-ip-changes', { mode: 'STATIC' })).toEqual([]);
  });
});

describe('instance.boot-image-not-selected', () => {
  const noKernel = (): Inventory => {
    const inv = demoInventory('MANAGED');
    return {
      ...inv,
      images: inv.images
        .filter((i) => i.imageId !== 'eki-11112222')
        .map(({ kernelId: _k, ...i }) => i),
    };
  };

  it('is an error when a kernel is neither in the plan nor in Nova', () => {
    const f = findings('instance.boot-image-not-selected', { inventory: noKernel() });
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('error');
    expect(f[0]?.affectedIds).toEqual([
      'eki-11112222',
      'i-00C0FFEE',
      'i-1A2B3C4D',
      'i-7FFFFFFF',
      'i-9A3B1C2D',
    ]);
  });

  it('is an error when the kernel is in the plan but not migrated', () => {
    const inv = demoInventory('MANAGED');
    const gone: Inventory = {
      ...inv,
      images: inv.images.map((i) =>
        i.imageId === 'eri-33334444' ? { ...i, imageState: 'deregistered' } : i,
      ),
    };
    const [f] = findings('instance.boot-image-not-selected', { inventory: gone });
    expect(f?.message).toMatch(/ramdisk eri-33334444 is not migrated \(unsupported/);
  });

  it('is silent when the missing kernel is already in the Nova image store', () => {
    const target = bexarTarget({
      imageStore: {
        path: '/images',
        exists: true,
        freeBytes: 1e12,
        images: [{ imageId: 'eki-11112222', info: { imageId: 'eki-11112222' }, bytes: 10 }],
      },
    });
    expect(findings('instance.boot-image-not-selected', { inventory: noKernel(), target })).toEqual(
      [],
    );
  });

  it('is silent when kernels come along (pulled in: said as info)', () => {
    const r = run({ selection: { kinds: ['instance'] } });
    expect(r.findings.filter((f) => f.ruleId === 'instance.boot-image-not-selected')).toEqual([]);
    expect(item(r, 'eki-11112222')?.pulledInBy?.relation).toBe('kernel');
  });
});

describe('user.secret-key-missing', () => {
  const noSecret = (): Inventory => {
    const inv = demoInventory('MANAGED');
    return {
      ...inv,
      users: inv.users.map((u) =>
        u.userName === 'bob'
          ? { ...u, accessKeys: u.accessKeys.map(({ secretKey: _s, ...k }) => k) }
          : u,
      ),
      findings: [
        {
          ruleId: 'user.secret-key-missing',
          severity: 'warning',
          message: 'discovery: bob has no secret key',
          affectedIds: ['bob'],
          remedy: 'x',
        },
      ],
    };
  };

  it('warns once (not again from discovery or the writers) and still creates the user', () => {
    const r = run({ inventory: noSecret() });
    const f = r.findings.filter((x) => x.ruleId === 'user.secret-key-missing');
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('warning');
    expect(f[0]?.affectedIds).toEqual(['bob']);
    expect(f[0]?.message).toMatch(/new credentials|old EC2 credentials/);
    expect(item(r, 'bob')?.action).toBe('create');
  });

  it('is silent when every user has a secret key', () => {
    expect(findings('user.secret-key-missing')).toEqual([]);
  });
});

describe('keypair.public-key-missing', () => {
  it('warns and reports the key pair unsupported; its instance still goes', () => {
    const inv = demoInventory('MANAGED');
    const noKey: Inventory = {
      ...inv,
      keyPairs: inv.keyPairs.map(({ publicKey: _p, ...k }) =>
        k.keyName === 'bob-key' ? k : { ...k, publicKey: _p },
      ),
    };
    const r = run({ inventory: noKey });
    const f = r.findings.filter((x) => x.ruleId === 'keypair.public-key-missing');
    expect(f).toHaveLength(1);
    expect(f[0]?.affectedIds).toEqual(['bob/bob-key']);
    expect(item(r, 'bob/bob-key')?.action).toBe('unsupported');
    expect(item(r, 'i-00C0FFEE')?.action).toBe('create');
  });

  it('is silent when every key pair has its public key', () => {
    expect(findings('keypair.public-key-missing')).toEqual([]);
  });
});

describe('instance.type-unmapped', () => {
  it('is an error per VM type without a mapping, suggesting a Bexar type', () => {
    const inv = demoInventory('MANAGED');
    const custom: Inventory = {
      ...inv,
      instances: inv.instances.map((i) =>
        i.instanceId === 'i-7FFFFFFF' ? { ...i, instanceType: 'm3.huge' } : i,
      ),
      availabilityZones: inv.availabilityZones.map((z) => ({
        ...z,
        vmTypes: [{ name: 'm3.huge', cpu: 4, memoryMiB: 6144, diskGiB: 60 }],
      })),
    };
    const [f, ...rest] = findings('instance.type-unmapped', { inventory: custom });
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('error');
    expect(f?.affectedIds).toEqual(['m3.huge', 'i-7FFFFFFF']);
    expect(f?.remedy).toMatch(/"m3\.huge": "m1\.large"/);
    // The plan's own mapping settles it.
    expect(
      findings('instance.type-unmapped', {
        inventory: custom,
        mappings: { instanceTypes: { 'm3.huge': 'm1.large' } },
      }),
    ).toEqual([]);
  });

  it('is silent when every type maps (by the plan or the default table)', () => {
    expect(findings('instance.type-unmapped', { mappings: { instanceTypes: {} } })).toEqual([]);
  });
});

describe('snapshot.unsupported', () => {
  it('warns "reported, not migrated" and marks the snapshot unsupported', () => {
    const inv = demoInventory('MANAGED');
    const withSnap: Inventory = {
      ...inv,
      snapshots: [
        {
          snapshotId: 'snap-1A2B3C4D',
          volumeId: 'vol-1234ABCD',
          owner: { userName: 'alice' },
          status: 'completed',
          startTime: '2011-01-25T10:00:00.000Z',
          progress: '100%',
          volumeSizeGiB: 10,
        },
      ],
    };
    const r = run({ inventory: withSnap });
    const [f] = r.findings.filter((x) => x.ruleId === 'snapshot.unsupported');
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/reported, not migrated/);
    expect(item(r, 'snap-1A2B3C4D')).toMatchObject({ action: 'unsupported', owner: 'alice' });
    expect(item(r, 'snap-1A2B3C4D')?.targetId).toBeUndefined();
    expect(r.findings.filter((x) => x.ruleId === 'item.not-migrated')).toHaveLength(1); // only the ended instance
  });

  it('is silent without snapshots', () => {
    expect(findings('snapshot.unsupported')).toEqual([]);
  });
});

describe('target.images-space', () => {
  const sized = (): Inventory => {
    const inv = demoInventory('MANAGED');
    return { ...inv, images: inv.images.map((i) => ({ ...i, sizeBytes: 2 * 1024 ** 3 })) };
  };
  const store = (freeBytes: number | null, exists = true): TargetSnapshot =>
    bexarTarget({ imageStore: { path: '/var/lib/nova/images', exists, freeBytes, images: [] } });

  it('is an error when the images need more than the free space', () => {
    const [f] = findings('target.images-space', {
      inventory: sized(),
      target: store(5 * 1024 ** 3),
    });
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/5\.00 GiB free.*need 8\.00 GiB/);
  });

  it('is an error when images_path does not exist, a warning when it was not given', () => {
    expect(findings('target.images-space', { target: store(null, false) })[0]?.severity).toBe(
      'error',
    );
    const { imageStore, ...noStore } = bexarTarget();
    expect(imageStore).toBeDefined();
    expect(findings('target.images-space', { target: noStore })[0]?.severity).toBe('warning');
  });

  it('is silent with room to spare, or when no image is to be copied', () => {
    expect(findings('target.images-space', { inventory: sized(), target: store(1e12) })).toEqual(
      [],
    );
    expect(
      findings('target.images-space', { selection: { kinds: ['keyPair'] }, target: store(0) }),
    ).toEqual([]);
  });
});

describe('item.not-migrated', () => {
  it('reports ended instances as info, other unsupported items as a warning with the reason', () => {
    const inv = demoInventory('MANAGED');
    const broken: Inventory = {
      ...inv,
      volumes: inv.volumes.map((v) =>
        v.volumeId === 'vol-8ABCDEF0' ? { ...v, status: 'error' } : v,
      ),
    };
    const f = findings('item.not-migrated', { inventory: broken });
    expect(f.map((x) => [x.severity, x.affectedIds])).toEqual([
      ['warning', ['vol-8ABCDEF0']],
      ['info', ['i-0BADBEEF']],
    ]);
    expect(f[0]?.message).toMatch(/status error/);
  });

  it('is silent when everything selected can be migrated', () => {
    expect(findings('item.not-migrated', { selection: { kinds: ['keyPair'] } })).toEqual([]);
  });
});

describe('selection.duplicate-item', () => {
  it('warns when two inventory items land on the same plan item', () => {
    const inv = demoInventory('MANAGED');
    const dup: Inventory = {
      ...inv,
      keyPairs: [...inv.keyPairs, { ...(inv.keyPairs[0] as Inventory['keyPairs'][number]) }],
    };
    const r = run({ inventory: dup });
    const [f] = r.findings.filter((x) => x.ruleId === 'selection.duplicate-item');
    expect(f?.affectedIds).toEqual(['alice/alice-key']);
    expect(r.items.filter((i) => i.sourceId === 'alice/alice-key')).toHaveLength(1);
  });

  it('is silent without duplicates', () => {
    expect(findings('selection.duplicate-item')).toEqual([]);
  });
});

describe('selection.dependencies-pulled-in', () => {
  it('is info listing what came along', () => {
    const [f] = findings('selection.dependencies-pulled-in', { selection: { kinds: ['image'] } });
    expect(f?.severity).toBe('info');
    expect(f?.affectedIds).toEqual(['admin', 'alice', 'bob']);
  });

  it('is silent when everything is selected', () => {
    expect(findings('selection.dependencies-pulled-in')).toEqual([]);
  });
});

describe('passed-through findings', () => {
  it("keeps the inventory's discovery findings", () => {
    const inv = demoInventory('MANAGED');
    const found: Finding = {
      ruleId: 'network.mode-inferred',
      severity: 'info',
      message: 'The network mode was inferred.',
      affectedIds: ['MANAGED'],
      remedy: 'Check it.',
    };
    expect(findings('network.mode-inferred', { inventory: { ...inv, findings: [found] } })).toEqual(
      [found],
    );
  });

  it('passes on what the writers and the network plan would report, for the selected items', () => {
    const inv = demoInventory('MANAGED');
    const odd: Inventory = {
      ...inv,
      securityGroups: inv.securityGroups.map((g) =>
        g.groupName === 'web'
          ? {
              ...g,
              rules: [...g.rules, { ipProtocol: '-1', ipRanges: ['10.0.0.0/8'], groups: [] }],
            }
          : g,
      ),
    };
    expect(findings('securitygroup.protocol-unsupported', { inventory: odd })).toHaveLength(1);
    expect(
      findings('securitygroup.protocol-unsupported', {
        inventory: odd,
        selection: { users: ['bob'], kinds: ['keyPair'] },
      }),
    ).toEqual([]);
    expect(
      findings('network.manager-override', {
        mappings: { network: { manager: 'FlatDHCPManager', overrides: {} } },
      })[0]?.severity,
    ).toBe('warning');
  });
});
