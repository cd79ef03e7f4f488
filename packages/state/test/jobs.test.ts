import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, Plan } from '@euca2nova/model';
import { InventorySchema, planFingerprint } from '@euca2nova/model';
import {
  PgJobStore,
  StateConflictError,
  StateKeyError,
  loadStateKey,
  type StateKey,
} from '../src/index.ts';
import { createTestDatabase } from '../src/testing.ts';

const SECRET = 'Zx9SuperSecretKeyThatMustNeverLeak0123456';
const ADMIN_SECRET = 'AdminSecretValue-9f8e7d6c5b4a';

function inventory(): Inventory {
  return InventorySchema.parse({
    metadata: {
      inventoryId: '5b0c4a52-3f4e-4a8a-9a55-0b9c0e6f7a11',
      discoveredAt: '2026-11-25T00:00:00.000Z',
      source: {
        endpoint: 'http://clc:8773/services/Eucalyptus',
        version: '2.0.3',
        majorVersion: 2,
      },
    },
    users: [
      {
        userName: 'alice',
        admin: false,
        enabled: true,
        accessKeys: [{ accessKeyId: 'AKIAALICE', secretKey: SECRET, active: true }],
      },
      {
        userName: 'bob',
        admin: false,
        enabled: true,
        accessKeys: [{ accessKeyId: 'AKIABOB', active: true }],
      },
    ],
    images: [],
    volumes: [],
    snapshots: [],
    addresses: [],
    securityGroups: [],
    keyPairs: [],
    instances: [],
    availabilityZones: [],
    network: { mode: 'SYSTEM', source: 'manual', vnet: {} },
    findings: [],
  });
}

describe('the job store', () => {
  let url: string;
  let dir: string;
  let key: StateKey;
  let store: PgJobStore;
  beforeAll(async () => {
    url = (await createTestDatabase({ migrated: true })).url;
    dir = await mkdtemp(join(tmpdir(), 'state-key-'));
    key = await loadStateKey({ dataDir: dir });
    store = PgJobStore.connect(url, key);
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the key file once, 0600, and refuses one others can read', async () => {
    expect((await stat(join(dir, 'state.key'))).mode & 0o777).toBe(0o600);
    const again = await loadStateKey({ dataDir: dir });
    expect(again.unseal(key.seal('x'))).toBe('x');
    await chmod(join(dir, 'state.key'), 0o644);
    await expect(loadStateKey({ dataDir: dir })).rejects.toThrow(/chmod 600/);
    await chmod(join(dir, 'state.key'), 0o600);
    const other = await mkdtemp(join(tmpdir(), 'state-key-'));
    const wrong = await loadStateKey({ dataDir: other });
    expect(() => wrong.unseal(key.seal('x'))).toThrow(StateKeyError);
    await expect(loadStateKey({ dataDir: other, base64: 'c2hvcnQ=' })).rejects.toThrow(/32/);
    await rm(other, { recursive: true, force: true });
  });

  it('keeps secrets sealed: no plain column holds a secret key, yet the runner gets them back', async () => {
    const connId = await store.saveConnection(
      'eucalyptus',
      { ec2Url: 'http://clc:8773/services/Eucalyptus', accessKey: 'AKIAADMIN' },
      {
        ec2Url: 'http://clc:8773/services/Eucalyptus',
        accessKey: 'AKIAADMIN',
        secretKey: ADMIN_SECRET,
      },
    );
    await store.saveInventory(inventory(), connId);
    const plain = new pg.Client({ connectionString: url });
    await plain.connect();
    try {
      const dump = await plain.query<{ t: string }>(
        `SELECT string_agg(t, E'\\n') AS t FROM (
           SELECT public::text AS t FROM connections UNION ALL
           SELECT encode(sealed, 'escape') FROM connections UNION ALL
           SELECT body::text FROM inventories UNION ALL
           SELECT encode(sealed_secrets, 'escape') FROM inventories) x`,
      );
      expect(dump.rows[0]?.t).toContain('AKIAALICE');
      expect(dump.rows[0]?.t).not.toContain(SECRET);
      expect(dump.rows[0]?.t).not.toContain(ADMIN_SECRET);
    } finally {
      await plain.end();
    }
    const stripped = await store.loadInventory(inventory().metadata.inventoryId);
    expect(stripped.users[0]?.accessKeys[0]?.secretKey).toBeUndefined();
    const full = await store.loadInventory(inventory().metadata.inventoryId, { secrets: true });
    expect(full.users[0]?.accessKeys[0]?.secretKey).toBe(SECRET);
    expect(full.users[1]?.accessKeys[0]?.secretKey).toBeUndefined();
    expect(await store.openConnection(connId)).toMatchObject({ secretKey: ADMIN_SECRET });
    expect(JSON.stringify(await store.getConnection(connId))).not.toContain(ADMIN_SECRET);
  });

  it('confirms only the plan the operator saw', async () => {
    const base = {
      id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      inventoryId: inventory().metadata.inventoryId,
      createdAt: '2026-11-25T00:00:00.000Z',
      selection: {},
      mappings: {
        network: { manager: 'FlatManager', overrides: {} },
        imageIdPrefix: 'keep',
        largeIdStrategy: 'renumber',
        instanceTypes: {},
      },
      items: [],
      findings: [],
    } as unknown as Omit<Plan, 'fingerprint'>;
    const plan: Plan = { ...base, fingerprint: await planFingerprint(base) };
    await store.savePlan(plan);
    await expect(store.confirmPlan(plan.id, 'f'.repeat(64))).rejects.toBeInstanceOf(
      StateConflictError,
    );
    expect((await store.loadPlan(plan.id)).confirmedAt).toBeNull();
    await store.confirmPlan(plan.id, plan.fingerprint);
    expect((await store.loadPlan(plan.id)).confirmedAt).not.toBeNull();
  });

  it('numbers events without gaps or repeats when many writers append at once', async () => {
    const job = await store.createJob({ type: 'discover', spec: {} });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.appendEvents(job.id, [
          { type: 'log', level: 'info', message: `a${String(i)}` },
          { type: 'log', level: 'info', message: `b${String(i)}` },
        ]),
      ),
    );
    const events = await store.listEvents(job.id);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect((await store.getJob(job.id)).lastSeq).toBe(80);
    expect((await store.listEvents(job.id, 78)).map((e) => e.seq)).toEqual([79, 80]);
  });

  it('moves a job only along the allowed transitions, with an event for each move', async () => {
    const job = await store.createJob({ type: 'discover', spec: {} });
    expect(await store.transition(job.id, ['queued'], 'succeeded')).toBe(false);
    expect(await store.transition(job.id, ['queued'], 'running')).toBe(true);
    expect(await store.transition(job.id, ['queued'], 'running')).toBe(false);
    expect(
      await store.transition(job.id, ['running'], 'failed', {
        error: { code: 'x', message: 'broke' },
      }),
    ).toBe(true);
    const after = await store.getJob(job.id);
    expect(after).toMatchObject({ status: 'failed', error: { code: 'x' } });
    expect(after.finishedAt).not.toBeNull();
    const events = await store.listEvents(job.id);
    expect(
      events.map((e) => (e.type === 'job-status-changed' ? `${e.from ?? ''}>${e.to}` : e.type)),
    ).toEqual(['queued>running', 'running>failed']);
  });

  it('journals a step once and announces it once, however often it is replayed', async () => {
    const job = await store.createJob({ type: 'discover', spec: {} });
    const write = {
      phase: 'users',
      item: 'alice',
      status: 'done' as const,
      result: { targetId: 'alice', action: 'created' as const },
      events: [
        {
          type: 'item-done' as const,
          kind: 'user' as const,
          sourceId: 'alice',
          targetId: 'alice',
          action: 'created' as const,
        },
      ],
    };
    expect(await store.recordSteps(job.id, [write])).toHaveLength(1);
    expect(await store.recordSteps(job.id, [write])).toHaveLength(0);
    // A done step is never reopened by a late writer.
    expect(await store.recordSteps(job.id, [{ ...write, status: 'failed' }])).toHaveLength(0);
    expect((await store.steps(job.id))[0]).toMatchObject({ status: 'done', item: 'alice' });
    await store.recordSteps(job.id, [{ phase: 'images', item: 'emi-1', status: 'running' }]);
    await store.saveProgress(job.id, 'images', 'emi-1', 1234);
    await store.recordSteps(job.id, [
      {
        phase: 'images',
        item: 'emi-1',
        status: 'failed',
        result: { error: { code: 'x', message: 'y' } },
      },
      { phase: 'images', item: '', status: 'failed' },
    ]);
    expect(
      (await store.steps(job.id, 'images')).map((s) => [s.item, s.status, s.bytesDone]),
    ).toEqual([
      ['', 'failed', 0],
      ['emi-1', 'failed', 1234],
    ]);
    expect(await store.reopenFailedSteps(job.id)).toBe(2);
    expect(await store.steps(job.id, 'images')).toEqual([]);
    expect(await store.steps(job.id, 'users')).toHaveLength(1);
  });

  it('lets one session at a time hold an item', async () => {
    const release = await store.tryLockItem('j', 'emi-1');
    expect(release).not.toBeNull();
    expect(await store.tryLockItem('j', 'emi-1')).toBeNull();
    await release?.();
    const again = await store.tryLockItem('j', 'emi-1');
    expect(again).not.toBeNull();
    await again?.();
  });
});
