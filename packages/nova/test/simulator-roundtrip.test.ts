// The whole target path against a real source: a simulated Eucalyptus, discovered by the real
// reader over HTTP, written into Nova Bexar (rows and image bytes), read back as Nova's EC2 API
// would show it and compared field by field with what Eucalyptus showed.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '@euca2nova/euca-sim';
import { connect, discover, openImage, type SourceConnection } from '@euca2nova/eucalyptus';
import type { Inventory } from '@euca2nova/model';
import { createTestDatabase } from '@euca2nova/state/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImageInfo,
  compareWithInventory,
  initNovaSchema,
  planIdWidening,
  prepareWriteInput,
  readBack,
  readImageStore,
  widenIdColumns,
  writeAllRows,
  writeImage,
} from '../src/index.ts';
import { DEMO_HOSTS, demoMappings } from './fixtures/index.ts';

const CASES = [
  ['3.4', 'MANAGED'],
  ['2.0', 'MANAGED'],
  ['2.0', 'MANAGED-NOVLAN'],
  ['2.0', 'STATIC'],
  ['2.0', 'SYSTEM'],
  ['3.4', 'STATIC'],
] as const;

for (const [version, mode] of CASES) {
  describe(`the demo cloud of a simulated Eucalyptus ${version} in ${mode} mode, migrated into Nova`, async () => {
    const db = await createTestDatabase();
    let sim: RunningSimulator;
    let conn: SourceConnection;
    let inventory: Inventory;
    let images: string;
    const mappings = demoMappings({}, mode);

    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        eucaVersion: version,
        scenario: 'demo',
        seed: 'roundtrip',
        imageSize: 64 * 1024,
        networkMode: mode,
        assemblyMs: 10,
        // 3.4: its own controller PostgreSQL, with the databases named as Eucalyptus names them.
        controllerDb: version === '3.4' ? 'embedded' : 'none',
      });
      conn = await connect({
        ec2Url: sim.urls.ec2,
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        eucalyptusConf: await readFile(sim.files.eucalyptusConf, 'utf8'),
        ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
      });
      inventory = await discover(conn);
      images = await mkdtemp(join(tmpdir(), 'nova-images-'));
      await initNovaSchema(db.url);
      const input = prepareWriteInput(inventory, mappings, DEMO_HOSTS);
      if (input.ids.needsWidening) {
        await widenIdColumns(db.url, planIdWidening(), { confirmed: true });
      }
      await writeAllRows(db.url, input);
      for (const image of inventory.images.filter((i) => i.imageState === 'available')) {
        const expected = sim.scenario.images.find((s) => s.id === image.imageId);
        const { stream } = await openImage(conn, image);
        await writeImage(images, buildImageInfo(image, inventory, mappings.imageIdPrefix), stream, {
          ...(expected?.sha256 ? { expectedSha256: expected.sha256 } : {}),
        });
      }
    }, 120_000);
    afterAll(async () => {
      conn.close();
      await sim.close();
      await rm(images, { recursive: true, force: true });
    });

    it('reads back, as Nova would show it, exactly what Eucalyptus showed', async () => {
      const view = await readBack(db.url, images);
      const input = prepareWriteInput(inventory, mappings, DEMO_HOSTS);
      expect(compareWithInventory(inventory, view, input)).toEqual([]);
      // Not vacuous: every kind arrived.
      expect(view.users.length).toBe(inventory.users.length);
      expect(view.instances.length).toBeGreaterThan(0);
      expect(view.volumes.length).toBeGreaterThan(0);
      expect(view.securityGroups.length).toBeGreaterThan(0);
      // 2.0 has no API that returns public keys: those key pairs become findings, not rows.
      expect(view.keyPairs.length).toBe(
        inventory.keyPairs.filter((k) => k.publicKey !== undefined).length,
      );
      if (version === '3.4') expect(view.keyPairs.length).toBeGreaterThan(0);
      // Elastic IPs exist only in the MANAGED modes (SYSTEM's are refused with findings).
      if (mode.startsWith('MANAGED')) expect(view.addresses.length).toBeGreaterThan(0);
    });

    it('keeps every image byte: the store holds the SHA-256 the simulator recorded', async () => {
      const stored = await readImageStore(images);
      const available = sim.scenario.images.filter((s) => s.state === 'available');
      expect(stored.map((s) => s.imageId).sort()).toEqual(available.map((s) => s.id).sort());
      for (const s of available) {
        const bytes = await readFile(join(images, s.id, 'image'));
        const { createHash } = await import('node:crypto');
        expect(createHash('sha256').update(bytes).digest('hex'), s.id).toBe(s.sha256);
      }
    });

    it('writes nothing the second time', async () => {
      const again = await writeAllRows(db.url, prepareWriteInput(inventory, mappings, DEMO_HOSTS));
      expect(Object.values(again).reduce((n, r) => n + r.inserted, 0)).toBe(0);
      expect(Object.values(again).flatMap((r) => r.conflicts)).toEqual([]);
    });
  });
}
