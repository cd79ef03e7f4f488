import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImageInfo,
  initNovaSchema,
  planIdWidening,
  prepareWriteInput,
  widenIdColumns,
  withClient,
  writeAllRows,
  writeImage,
} from '@euca2nova/nova';
import { DEMO_HOSTS, demoInventory, demoMappings } from '@euca2nova/nova/testing';
import { createTestDatabase } from '@euca2nova/state/testing';
import { plan, readTargetSnapshot, type TargetSnapshot } from '../src/index.ts';

const inventory = demoInventory('MANAGED');
const mappings = demoMappings({}, 'MANAGED');

async function sql(url: string, text: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(text);
  });
}

describe('readTargetSnapshot against PostgreSQL', async () => {
  const db = await createTestDatabase();
  let images: string;
  const snapshot = (): Promise<TargetSnapshot> =>
    readTargetSnapshot({
      novaDb: db.url,
      imagesPath: images,
      inventory,
      mappings,
      hosts: DEMO_HOSTS,
      now: new Date('2011-02-11T10:00:00.000Z'),
    });

  beforeAll(async () => {
    images = await mkdtemp(join(tmpdir(), 'plan-images-'));
    await initNovaSchema(db.url);
  });
  afterAll(async () => {
    await rm(images, { recursive: true, force: true });
  });

  it('plans everything as create on an empty Bexar database', async () => {
    const target = await snapshot();
    expect(target.schema.status).toBe('bexar');
    expect(target.schema.problem).toBeNull();
    expect(target.schema.canAlterIdColumns).toBe(true);
    expect(target.classified).toBe(true);
    expect(target.items).toEqual([]);
    expect(target.otherConflicts).toEqual([]);
    expect(target.imageStore).toMatchObject({ exists: true, images: [] });
    expect(target.imageStore?.freeBytes).toBeGreaterThan(0);
    expect(target.basis?.inventoryId).toBe(inventory.metadata.inventoryId);
    // Plain data: it survives JSON unchanged.
    expect(JSON.parse(JSON.stringify(target))).toEqual(target);

    const r = plan(inventory, {}, mappings, target);
    const actions = new Set(
      r.items.filter((i) => i.sourceId !== 'i-0BADBEEF').map((i) => i.action),
    );
    expect([...actions]).toEqual(['create']);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('plans everything as skip-identical once the writers have written it', async () => {
    await widenIdColumns(db.url, planIdWidening(), { confirmed: true });
    const written = await writeAllRows(db.url, prepareWriteInput(inventory, mappings, DEMO_HOSTS));
    expect(Object.values(written).flatMap((w) => w.conflicts)).toEqual([]);
    for (const im of inventory.images) {
      const info = buildImageInfo(im, inventory, mappings.imageIdPrefix);
      await writeImage(images, info, Readable.from([Buffer.from(`payload of ${im.imageId}`)]));
    }
    const target = await snapshot();
    expect(target.otherConflicts).toEqual([]);
    expect(target.items.every((i) => i.state === 'identical')).toBe(true);
    expect(target.imageStore?.images.map((i) => i.imageId)).toEqual([
      'eki-11112222',
      'emi-55556666',
      'emi-AB12CD34',
      'eri-33334444',
    ]);

    const r = plan(inventory, {}, mappings, target);
    const notSkipped = r.items.filter((i) => i.action !== 'skip-identical');
    expect(notSkipped.map((i) => [i.sourceId, i.action])).toEqual([['i-0BADBEEF', 'unsupported']]);
    // The columns are bigint now: keeping the large ids is no longer news.
    expect(r.findings.find((f) => f.ruleId === 'instance.id-over-int32')?.severity).toBe('info');
  });

  it('marks an item whose Nova row was changed as a conflict, naming the field', async () => {
    await sql(
      db.url,
      "UPDATE key_pairs SET fingerprint = '00:00:00:00' WHERE user_id = 'bob' AND name = 'bob-key'",
    );
    await sql(db.url, "UPDATE users SET secret_key = 'changed' WHERE id = 'alice'");
    const target = await snapshot();
    const r = plan(inventory, {}, mappings, target);
    const kp = r.items.find((i) => i.sourceId === 'bob/bob-key');
    expect(kp?.action).toBe('conflict');
    expect(kp?.reason).toMatch(/keyPair\.fingerprint/);
    const f = r.findings.filter((x) => x.ruleId === 'target.row-conflict');
    expect(f.map((x) => x.affectedIds)).toEqual([['alice'], ['bob/bob-key']]);
    expect(f[1]?.severity).toBe('error');
    expect(f[1]?.message).toMatch(/fingerprint: Nova has 00:00:00:00/);
    // A secret key never travels with the snapshot or the plan, only the fact that it differs.
    expect(JSON.stringify(target)).not.toMatch(/secret-alice|changed/);
    expect(f[0]?.message).toMatch(/secret_key: Nova has \(hidden\)/);
  });

  it('marks an image whose info.json differs as a conflict', async () => {
    await writeFile(
      join(images, 'emi-55556666', 'info.json'),
      JSON.stringify({ imageId: 'emi-55556666', isPublic: false }),
    );
    const r = plan(inventory, {}, mappings, await snapshot());
    const img = r.items.find((i) => i.sourceId === 'emi-55556666');
    expect(img?.action).toBe('conflict');
    expect(img?.reason).toMatch(/info\.json isPublic/);
  });
});

describe('readTargetSnapshot on a database that is not Bexar', async () => {
  const db = await createTestDatabase();

  it('does not classify and lets the schema rule block the plan', async () => {
    await sql(db.url, 'CREATE TABLE invoices (id serial PRIMARY KEY, total numeric)');
    const target = await readTargetSnapshot({
      novaDb: db.url,
      inventory,
      mappings,
      hosts: DEMO_HOSTS,
    });
    expect(target.schema.status).toBe('not-nova');
    expect(target.classified).toBe(false);
    expect(target.imageStore).toBeUndefined();
    const r = plan(inventory, {}, mappings, target);
    const f = r.findings.filter((x) => x.ruleId === 'target.schema-mismatch');
    expect(f).toHaveLength(1);
    expect(f[0]?.severity).toBe('error');
    expect(f[0]?.message).toMatch(/not a Nova database/);
  });
});
