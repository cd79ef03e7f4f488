import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startSimulator } from '@euca2nova/euca-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, NetworkMode } from '@euca2nova/model';
import { connect, discover, openImage, type SourceConnection } from '../src/index.ts';
import { compare, type Sim } from './compare.ts';

/** The modes the MANAGED tests in discover.test.ts do not cover, in both versions. */
const MODES = ['SYSTEM', 'STATIC', 'MANAGED-NOVLAN'] as const;

const rules = (inv: Inventory): string[] => inv.findings.map((f) => f.ruleId);

for (const version of ['2.0', '3.4'] as const) {
  for (const mode of MODES) {
    describe(`discover in ${mode} mode against the ${version} simulator`, () => {
      let sim: Sim;
      let conf: string;
      beforeAll(async () => {
        sim = await startSimulator({
          port: 0,
          eucaVersion: version,
          scenario: 'demo',
          seed: `net-${mode}`,
          imageSize: 16 * 1024,
          assemblyMs: 10,
          networkMode: mode,
        });
        conf = await readFile(sim.files.eucalyptusConf, 'utf8');
      });
      afterAll(async () => {
        await sim.close();
      });

      const open = (extra: { eucalyptusConf?: string; networkMode?: NetworkMode }) =>
        connect({
          ec2Url: sim.urls.ec2,
          accessKey: sim.admin.accessKey,
          secretKey: sim.admin.secretKey,
          ...extra,
          ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
        });
      const run = async (conn: SourceConnection): Promise<Inventory> => {
        try {
          return await discover(conn);
        } finally {
          conn.close();
        }
      };

      it('returns the scenario with the mode and vnet keys of eucalyptus.conf, and no network finding', async () => {
        const inv = await run(await open({ eucalyptusConf: conf }));
        compare(sim, inv);
        expect(inv.network.source).toBe('eucalyptus.conf');
        expect(rules(inv).filter((r) => r.startsWith('network.'))).toEqual([]);
        if (mode === 'SYSTEM' || mode === 'STATIC') {
          // No elastic addresses and no per-group networks: the public address is the private one.
          expect(inv.addresses).toEqual([]);
          for (const i of inv.instances)
            if (i.privateIpAddress)
              expect(i.publicIpAddress ?? i.privateIpAddress).toBe(i.privateIpAddress);
        }
        if (mode === 'STATIC') {
          // VNET_MACMAP gives every instance its MAC.
          for (const si of sim.scenario.instances) {
            const i = inv.instances.find((x) => x.instanceId === si.id);
            expect(i?.macAddress).toBe(si.macAddress.toLowerCase());
          }
          expect(inv.network.vnet.subnet).toBe('192.168.10.0');
        }
        if (mode === 'MANAGED-NOVLAN') {
          expect(inv.network.vnet.subnet).toBeDefined();
          expect(inv.addresses.length).toBe(sim.scenario.addresses.length);
        }
      });

      it('streams an image by both paths with the recorded SHA-256', async () => {
        const conn = await connect({
          ec2Url: sim.urls.ec2,
          accessKey: sim.admin.accessKey,
          secretKey: sim.admin.secretKey,
          cloudPkPem: await readFile(sim.files.cloudPk, 'utf8'),
        });
        try {
          const img = sim.scenario.images.find((i) => i.kind === 'machine');
          if (!img) throw new Error('no machine image');
          for (const path of ['decrypted', 'bundle'] as const) {
            const { stream } = await openImage(
              conn,
              { imageId: img.id, imageLocation: img.location },
              { path },
            );
            const h = createHash('sha256');
            for await (const c of stream) h.update(c as Buffer);
            expect(h.digest('hex'), path).toBe(img.sha256);
          }
        } finally {
          conn.close();
        }
      });

      it('reads the mode from the cloud properties when no eucalyptus.conf is given', async () => {
        const inv = await run(await open({}));
        if (version === '3.4') {
          expect(inv.network).toMatchObject({ mode, source: 'cloud-properties' });
        } else {
          // 2.0 exposes no mode: it is inferred from the addresses, with a finding saying so.
          expect(inv.network.source).toBe('inferred');
          expect(inv.network.mode).toBe(mode === 'MANAGED-NOVLAN' ? 'MANAGED' : 'SYSTEM');
          expect(rules(inv)).toContain('network.mode-inferred');
        }
      });

      it('flags a hand-chosen mode that the instances\u2019 addresses contradict', async () => {
        const wrong: NetworkMode = mode === 'MANAGED-NOVLAN' ? 'SYSTEM' : 'MANAGED';
        const inv = await run(await open({ networkMode: wrong }));
        expect(inv.network).toMatchObject({ mode: wrong, source: 'manual' });
        const f = inv.findings.find((x) => x.ruleId === 'network.mode-mismatch');
        expect(f, JSON.stringify(inv.findings)).toBeDefined();
        // The inventory itself is intact.
        expect(inv.instances).toHaveLength(sim.scenario.instances.length);
      });
    });
  }
}
