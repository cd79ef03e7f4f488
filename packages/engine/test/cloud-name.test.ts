import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Inventory } from '@euca2nova/model';
import { demoInventory } from '@euca2nova/nova/testing';
import { PgJobStore, StateKey } from '@euca2nova/state';
import { createTestDatabase } from '@euca2nova/state/testing';
import { saveSourceConnection, sourceCloudName } from '../src/index.ts';

const SECRET = 'n0t-shown-anywhere-0123456789abcdefABCDEF';

function inventoryFrom(endpoint: string): Inventory {
  const base = demoInventory('MANAGED');
  return {
    ...base,
    metadata: {
      ...base.metadata,
      inventoryId: randomUUID(),
      source: { ...base.metadata.source, endpoint },
    },
  };
}

describe("the cloud's name, typed to confirm the cutover", async () => {
  const { url } = await createTestDatabase({ migrated: true });
  const store = PgJobStore.connect(url, new StateKey(randomBytes(32), 'test'));
  afterAll(() => store.close());
  const source = {
    ec2Url: 'http://clc.example.org:8773/services/Eucalyptus',
    accessKey: 'AKIAEXAMPLE000000000',
    secretKey: SECRET,
  };

  it("is the name the operator gave the connection, kept in the connection's public part", async () => {
    const id = await saveSourceConnection(store, source, { name: 'Physics department cloud' });
    const conn = await store.getConnection(id);
    expect(conn.public).toMatchObject({ name: 'Physics department cloud', secretStored: true });
    expect(JSON.stringify(conn)).not.toContain(SECRET);
    const inventory = inventoryFrom(source.ec2Url);
    await store.saveInventory(inventory, id);
    expect(await sourceCloudName(store, inventory.metadata.inventoryId)).toBe(
      'Physics department cloud',
    );
  });

  it('is the EC2 host without a name, or without a connection (a CLI run)', async () => {
    const unnamed = await saveSourceConnection(store, source);
    expect((await store.getConnection(unnamed)).public).not.toHaveProperty('name');
    const a = inventoryFrom('http://clc.example.org:8773/services/Eucalyptus');
    await store.saveInventory(a, unnamed);
    expect(await sourceCloudName(store, a.metadata.inventoryId)).toBe('clc.example.org');
    const b = inventoryFrom('https://cloud.example.net/services/Eucalyptus');
    await store.saveInventory(b);
    expect(await sourceCloudName(store, b.metadata.inventoryId)).toBe('cloud.example.net');
  });
});
