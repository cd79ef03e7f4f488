import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkMode } from '@euca2nova/model';
import { createTestDatabase } from '@euca2nova/state/testing';
import {
  buildImageInfo,
  compareWithInventory,
  initNovaSchema,
  planIdWidening,
  prepareWriteInput,
  readBack,
  viewForUser,
  widenIdColumns,
  writeAllRows,
  writeImage,
  writeKeyPairs,
  writeQuotas,
  writeUsers,
  NovaConflictError,
  type KindWriteResult,
  type RowOutcome,
} from '../src/index.ts';
import { DEMO_HOSTS, demoInventory, demoMappings, scaleInventory } from './fixtures/index.ts';

async function q<T extends object>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

const totals = (r: Record<string, KindWriteResult>) => ({
  inserted: Object.values(r).reduce((n, x) => n + x.inserted, 0),
  skipped: Object.values(r).reduce((n, x) => n + x.skipped, 0),
  conflicts: Object.values(r).flatMap((x) => x.conflicts),
});

describe('a demo cloud migrated in MANAGED mode (VlanManager, widened ids)', async () => {
  const db = await createTestDatabase();
  const inventory = demoInventory('MANAGED');
  const mappings = demoMappings({}, 'MANAGED');
  const input = prepareWriteInput(inventory, mappings, DEMO_HOSTS);
  let images: string;
  let first: Record<string, KindWriteResult>;

  beforeAll(async () => {
    images = await mkdtemp(join(tmpdir(), 'nova-images-'));
    await initNovaSchema(db.url);
    expect(input.ids.needsWidening).toBe(true);
    await widenIdColumns(db.url, planIdWidening(), { confirmed: true });
    first = await writeAllRows(db.url, input);
    for (const im of inventory.images) {
      const info = buildImageInfo(im, inventory, mappings.imageIdPrefix);
      await writeImage(images, info, Readable.from([Buffer.from(`payload of ${im.imageId}`)]));
    }
  });
  afterAll(async () => {
    await rm(images, { recursive: true, force: true });
  });

  it('writes every kind without conflicts', () => {
    const t = totals(first);
    expect(t.conflicts).toEqual([]);
    expect(t.inserted).toBeGreaterThan(100);
  });

  it('gives users, projects, memberships and roles as Nova needs them', async () => {
    const users = await q<{
      id: string;
      is_admin: boolean;
      deleted: boolean;
      created_at: Date | null;
    }>(db.url, 'SELECT id, is_admin, deleted, created_at FROM users ORDER BY id');
    expect(users.map((u) => [u.id, u.is_admin, u.deleted])).toEqual([
      ['admin', true, false],
      ['alice', false, false],
      ['bob', false, false],
    ]);
    expect(users.every((u) => u.created_at !== null)).toBe(true);
    const projects = await q<{ id: string; project_manager: string }>(
      db.url,
      'SELECT id, project_manager FROM projects ORDER BY id',
    );
    expect(projects).toEqual([
      { id: 'admin', project_manager: 'admin' },
      { id: 'alice', project_manager: 'alice' },
      { id: 'bob', project_manager: 'bob' },
    ]);
    const global = await q<{ role: string }>(
      db.url,
      "SELECT role FROM user_role_association WHERE user_id = 'admin' ORDER BY role",
    );
    expect(global.map((r) => r.role)).toEqual(['cloudadmin', 'developer', 'netadmin', 'sysadmin']);
    const proj = await q<{ n: string }>(
      db.url,
      "SELECT count(*)::text AS n FROM user_project_role_association WHERE user_id = 'bob' AND project_id = 'bob'",
    );
    expect(proj[0]?.n).toBe('3');
  });

  it('keeps instance ids (one above 0x7FFFFFFF, on bigint columns) and moves the sequences past them', async () => {
    const ids = await q<{ id: string }>(
      db.url,
      'SELECT id::text FROM instances ORDER BY instances.id',
    );
    expect(ids.map((r) => Number(r.id).toString(16))).toEqual([
      'c0ffee',
      '1a2b3c4d',
      '7fffffff',
      '9a3b1c2d',
    ]);
    const seq = await q<{ last_value: string }>(
      db.url,
      'SELECT last_value::text FROM instances_id_seq',
    );
    expect(seq[0]?.last_value).toBe(String(0x9a3b1c2d));
    const bad = await q<{ n: string }>(
      db.url,
      'SELECT count(*)::text AS n FROM instances WHERE user_data IS NULL OR locked IS NULL OR deleted IS NULL OR kernel_id IS NULL',
    );
    expect(bad[0]?.n).toBe('0');
  });

  it('writes one VLAN network per project with its complete fixed-IP range', async () => {
    const nets = await q<{ cidr: string; vlan: number; bridge: string; project_id: string | null }>(
      db.url,
      'SELECT cidr, vlan, bridge, project_id FROM networks ORDER BY vlan',
    );
    expect(nets).toEqual([
      { cidr: '10.1.0.0/27', vlan: 2, bridge: 'br2', project_id: 'alice' },
      { cidr: '10.1.0.32/27', vlan: 3, bridge: 'br3', project_id: null },
      { cidr: '10.1.0.64/27', vlan: 4, bridge: 'br4', project_id: 'bob' },
      { cidr: '10.1.0.96/27', vlan: 5, bridge: 'br5', project_id: 'admin' },
    ]);
    const fixed = await q<{ n: string; reserved: string }>(
      db.url,
      'SELECT count(*)::text AS n, count(*) FILTER (WHERE reserved)::text AS reserved FROM fixed_ips',
    );
    expect(fixed[0]).toEqual({ n: '128', reserved: '12' });
    const held = await q<{ address: string; instance_id: string; allocated: boolean }>(
      db.url,
      'SELECT address, instance_id::text, allocated FROM fixed_ips WHERE instance_id IS NOT NULL ORDER BY address',
    );
    expect(held.map((h) => h.address)).toEqual(['10.1.0.10', '10.1.0.3', '10.1.0.67', '10.1.0.99']);
    expect(held.every((h) => h.allocated)).toBe(true);
    const moved = input.network.perInstance.find((p) => p.instanceId === 'i-9A3B1C2D');
    expect(moved).toMatchObject({ status: 'changed', sourceIp: '10.1.0.40', novaIp: '10.1.0.3' });
  });

  it('writes volumes with iSCSI targets 1..100 for the volume host', async () => {
    const vols = await q<{ id: string; status: string; instance_id: string | null }>(
      db.url,
      'SELECT id::text, status, instance_id::text FROM volumes ORDER BY volumes.id',
    );
    expect(vols.map((v) => [Number(v.id).toString(16), v.status])).toEqual([
      ['abc', 'in-use'],
      ['1234abcd', 'in-use'],
      ['8abcdef0', 'available'],
    ]);
    const t = await q<{ n: string; used: string }>(
      db.url,
      'SELECT count(*)::text AS n, count(volume_id)::text AS used FROM iscsi_targets',
    );
    expect(t[0]).toEqual({ n: '100', used: '3' });
  });

  it('reads back what the EC2 API would show, equal to the source', async () => {
    const view = await readBack(db.url, images);
    const diffs = compareWithInventory(inventory, view, input);
    expect(diffs).toEqual([]);
    expect(view.instances.find((i) => i.instanceId === 'i-1a2b3c4d')).toMatchObject({
      imageId: 'emi-AB12CD34',
      publicDnsName: '203.0.113.10',
      groups: ['default'],
      placement: 'cluster1',
      state: { code: 1, name: 'running' },
    });
    expect(view.images.map((i) => i.imageId)).toEqual([
      'eki-11112222',
      'emi-55556666',
      'emi-AB12CD34',
      'eri-33334444',
    ]);
  });

  it('shows each user only what the EC2 API would show them', async () => {
    const view = await readBack(db.url, images);
    const bob = viewForUser(view, 'bob');
    expect(bob.instances.map((i) => i.instanceId)).toEqual(['i-00c0ffee']);
    expect(bob.keyPairs.map((k) => k.keyName)).toEqual(['bob-key']);
    expect(bob.images.map((i) => i.imageId)).toEqual([
      'eki-11112222',
      'emi-55556666',
      'eri-33334444',
    ]);
    expect(bob.addresses.map((a) => a.publicIp)).toEqual(['203.0.113.11']);
    expect(viewForUser(view, 'admin').instances).toHaveLength(4);
  });

  it('writes nothing on a second run', async () => {
    const again = await writeAllRows(db.url, input);
    const t = totals(again);
    expect(t.inserted).toBe(0);
    expect(t.conflicts).toEqual([]);
    expect(t.skipped).toBe(totals(first).inserted);
  });

  it('reports a conflict for a row present with different data and overwrites nothing', async () => {
    await q(db.url, "UPDATE users SET secret_key = 'changed' WHERE id = 'alice'");
    await q(db.url, "UPDATE key_pairs SET fingerprint = 'aa:bb' WHERE name = 'bob-key'");
    const r = await writeUsers(db.url, inventory);
    expect(r.conflicts).toEqual([
      {
        kind: 'user',
        id: 'alice',
        fields: [
          {
            field: 'secret_key',
            existing: 'changed',
            wanted: 'secret-alice-0123456789abcdef0123456789abcdef',
          },
        ],
      },
    ]);
    expect(r.inserted).toBe(0);
    const k = await writeKeyPairs(db.url, inventory);
    expect(k.conflicts.map((c) => [c.id, c.fields.map((f) => f.field)])).toEqual([
      ['bob/bob-key', ['fingerprint']],
    ]);
    expect(
      (
        await q<{ secret_key: string }>(db.url, "SELECT secret_key FROM users WHERE id = 'alice'")
      )[0]?.secret_key,
    ).toBe('changed');
  });

  it('with failOnConflict, refuses a batch holding a different row and writes none of it', async () => {
    const more = {
      ...inventory,
      users: [
        ...inventory.users,
        {
          userName: 'carol',
          admin: false,
          enabled: true,
          accessKeys: [{ accessKeyId: 'AKCAROL', secretKey: 'x'.repeat(40), active: true }],
        },
      ],
    };
    const err = await writeUsers(db.url, more, { failOnConflict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NovaConflictError);
    expect((err as NovaConflictError).message).toMatch(
      /user alice \(secret_key: Nova has changed, source secret-alice/,
    );
    expect(await q(db.url, "SELECT id FROM users WHERE id = 'carol'")).toEqual([]);
  });

  it('classifies without writing in a dry run', async () => {
    const more = {
      ...inventory,
      users: [
        ...inventory.users,
        { userName: 'dave', admin: false, enabled: true, accessKeys: [] },
      ],
    };
    const r = await writeUsers(db.url, more, { dryRun: true });
    expect(r.inserted).toBe(9); // dave: user, project, membership, 3 global and 3 project roles
    expect(r.conflicts.map((c) => c.id)).toEqual(['alice']);
    expect(await q(db.url, "SELECT id FROM users WHERE id = 'dave'")).toEqual([]);
  });

  it('leaves the sequences alone in a dry run', async () => {
    await q(
      db.url,
      "INSERT INTO key_pairs (id, user_id, name, fingerprint, public_key, deleted) VALUES (900, 'nobody', 'stray', 'aa', 'ssh-rsa AAAA', false)",
    );
    const seq = 'SELECT last_value::text AS v FROM key_pairs_id_seq';
    const before = await q(db.url, seq);
    await writeKeyPairs(db.url, inventory, { dryRun: true });
    expect(await q(db.url, seq)).toEqual(before);
    await q(db.url, 'DELETE FROM key_pairs WHERE id = 900');
  });

  it('tells a dry run how each row was classified', async () => {
    const more = {
      ...inventory,
      users: [
        ...inventory.users,
        { userName: 'dave', admin: false, enabled: true, accessKeys: [] },
      ],
    };
    const outcomes: RowOutcome[] = [];
    await writeUsers(db.url, more, { dryRun: true, onRow: (o) => outcomes.push(o) });
    const users = outcomes.filter((o) => o.kind === 'user');
    expect(users.map((o) => [o.id, o.outcome])).toEqual([
      ['admin', 'skip'],
      ['alice', 'conflict'],
      ['bob', 'skip'],
      ['dave', 'insert'],
    ]);
    expect(users[1]?.fields.map((f) => f.field)).toEqual(['secret_key']);
    expect(users[3]?.row.id).toBe('dave');
  });

  it('writes quotas where the source had limits', async () => {
    const r = await writeQuotas(db.url, [{ projectId: 'bob', instances: 5, gigabytes: 50 }]);
    expect(r.inserted).toBe(1);
    expect(
      (await writeQuotas(db.url, [{ projectId: 'bob', instances: 5, gigabytes: 50 }])).skipped,
    ).toBe(1);
    expect(
      (await writeQuotas(db.url, [{ projectId: 'bob', instances: 6 }])).conflicts,
    ).toHaveLength(1);
  });

  it('stops before writing when aborted', async () => {
    const c = new AbortController();
    c.abort(new Error('operator cancelled'));
    await expect(writeUsers(db.url, inventory, { signal: c.signal })).rejects.toThrow(
      'operator cancelled',
    );
  });
});

describe('serial ids after a lost batch', async () => {
  const db = await createTestDatabase();
  it('follows the highest row, not the sequence, so a replayed run writes the same ids', async () => {
    await initNovaSchema(db.url);
    const inventory = demoInventory('MANAGED');
    // A batch that took ids from the sequence and was rolled back (a crash mid-transaction).
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      for (let i = 0; i < 5; i++) await c.query("SELECT nextval('key_pairs_id_seq')");
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    await writeUsers(db.url, inventory);
    await writeKeyPairs(db.url, inventory);
    const ids = (await q<{ id: number }>(db.url, 'SELECT id FROM key_pairs ORDER BY id')).map(
      (r) => r.id,
    );
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    // The sequence is moved past them, so Nova's own next key pair does not collide.
    const next = await q<{ n: number }>(db.url, "SELECT nextval('key_pairs_id_seq')::int AS n");
    expect(next[0]?.n).toBeGreaterThan(ids.length);
  });
});

describe('renumbering instead of widening', async () => {
  const db = await createTestDatabase();
  it('refuses ids above 0x7FFFFFFF on unwidened columns with a clear error, writing no instance', async () => {
    await initNovaSchema(db.url);
    const inventory = demoInventory('MANAGED');
    const input = prepareWriteInput(inventory, demoMappings(), DEMO_HOSTS);
    await expect(writeAllRows(db.url, input)).rejects.toThrow(
      /instances\.id is a 32-bit integer.*widening/,
    );
    expect(await q(db.url, 'SELECT id FROM instances')).toEqual([]);
  });

  it('gives new ids to ids above 0x7FFFFFFF, records them, and reads back consistently', async () => {
    const inventory = demoInventory('MANAGED');
    const input = prepareWriteInput(
      inventory,
      demoMappings({ largeIdStrategy: 'renumber' }),
      DEMO_HOSTS,
    );
    expect(input.ids.needsWidening).toBe(false);
    expect(input.ids.instances.get('i-9A3B1C2D')).toMatchObject({
      how: 'renumbered',
      novaId: 1,
      novaEc2Id: 'i-00000001',
    });
    expect(input.ids.findings.map((f) => f.affectedIds)).toEqual([
      ['i-9A3B1C2D'],
      ['vol-8ABCDEF0'],
    ]);
    const r = totals(await writeAllRows(db.url, input));
    expect(r.conflicts).toEqual([]);
    expect(compareWithInventory(inventory, await readBack(db.url), input)).toEqual([]);
  });
});

describe.each<NetworkMode>(['STATIC', 'MANAGED-NOVLAN', 'SYSTEM'])(
  'network mode %s',
  async (mode) => {
    const db = await createTestDatabase();
    it('writes the rows its manager needs and reads back equal', async () => {
      await initNovaSchema(db.url);
      const inventory = demoInventory(mode);
      const input = prepareWriteInput(inventory, demoMappings({}, mode), DEMO_HOSTS);
      await widenIdColumns(db.url, planIdWidening(), { confirmed: true });
      const r = totals(await writeAllRows(db.url, input));
      expect(r.conflicts).toEqual([]);
      const nets = await q<{ cidr: string; bridge: string; vlan: number | null }>(
        db.url,
        'SELECT cidr, bridge, vlan FROM networks',
      );
      const fixed = await q<{ n: string }>(db.url, 'SELECT count(*)::text AS n FROM fixed_ips');
      if (mode === 'SYSTEM') {
        expect(nets).toEqual([]);
        expect(fixed[0]?.n).toBe('0');
        expect(input.network.perInstance.every((p) => p.status === 'external')).toBe(true);
        expect(
          input.network.findings.filter((f) => f.severity === 'error').map((f) => f.affectedIds),
        ).toEqual([['203.0.113.10']]);
      } else if (mode === 'STATIC') {
        expect(nets).toEqual([{ cidr: '192.168.1.0/24', bridge: 'br0', vlan: null }]);
        expect(fixed[0]?.n).toBe('256');
        expect(input.network.perInstance.map((p) => p.status)).toEqual([
          'kept',
          'kept',
          'kept',
          'kept',
        ]);
      } else {
        expect(nets).toEqual([{ cidr: '10.1.0.0/16', bridge: 'br0', vlan: null }]);
        expect(fixed[0]?.n).toBe('65536');
        expect(input.network.perInstance.every((p) => p.status === 'kept')).toBe(true);
      }
      expect(compareWithInventory(inventory, await readBack(db.url), input)).toEqual([]);
      expect(totals(await writeAllRows(db.url, input)).inserted).toBe(0);
    });
  },
);

describe('keys repeated within one batch', async () => {
  const db = await createTestDatabase();
  it('are compared with their first occurrence, on an empty table as on a filled one', async () => {
    await initNovaSchema(db.url);
    const r = await writeQuotas(db.url, [
      { projectId: 'p1', instances: 1 },
      { projectId: 'p1', instances: 1 },
      { projectId: 'p1', instances: 2 },
    ]);
    expect([r.inserted, r.skipped]).toEqual([1, 1]);
    expect(r.conflicts).toEqual([
      { kind: 'quota', id: 'p1', fields: [{ field: 'instances', existing: '1', wanted: '2' }] },
    ]);
    expect(await q(db.url, 'SELECT project_id, instances FROM quotas')).toEqual([
      { project_id: 'p1', instances: 1 },
    ]);
  });
});

describe('keys repeated within one batch on a filled table', async () => {
  const db = await createTestDatabase();
  it('are inserted once', async () => {
    await initNovaSchema(db.url);
    await writeQuotas(db.url, [{ projectId: 'p0', instances: 1 }]);
    const r = await writeQuotas(db.url, [
      { projectId: 'p2', cores: 4 },
      { projectId: 'p2', cores: 4 },
    ]);
    expect([r.inserted, r.skipped, r.conflicts.length]).toEqual([1, 1, 0]);
  });
});

describe('a scale:200 cloud', async () => {
  const db = await createTestDatabase();
  it('is written, read back equal, and written again as nothing', async () => {
    await initNovaSchema(db.url);
    await widenIdColumns(db.url, planIdWidening(), { confirmed: true });
    const inventory = scaleInventory(200);
    const input = prepareWriteInput(inventory, demoMappings({}, 'MANAGED-NOVLAN'), DEMO_HOSTS);
    const first = totals(await writeAllRows(db.url, input));
    expect(first.conflicts).toEqual([]);
    expect(compareWithInventory(inventory, await readBack(db.url), input)).toEqual([]);
    const again = totals(await writeAllRows(db.url, input));
    expect([again.inserted, again.skipped, again.conflicts.length]).toEqual([0, first.inserted, 0]);
  });

  it('refuses an invalid inventory before writing', () => {
    const bad = {
      ...scaleInventory(10),
      instances: [{ ...scaleInventory(10).instances[0], instanceId: 'i-../../x' }],
    };
    expect(() => prepareWriteInput(bad as never, demoMappings(), DEMO_HOSTS)).toThrow(
      /inventory is not valid: instances\.0\.instanceId/,
    );
  });
});
