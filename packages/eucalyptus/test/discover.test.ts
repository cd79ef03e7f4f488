import { readFile } from 'node:fs/promises';
import { startSimulator } from '@euca2nova/euca-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, discover, type SourceConnection } from '../src/index.ts';
import { compare, type Sim } from './compare.ts';

for (const version of ['2.0', '3.4'] as const) {
  describe(`discover against the ${version} simulator`, () => {
    let sim: Sim;
    let conn: SourceConnection;
    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        eucaVersion: version,
        scenario: 'demo',
        seed: 'disc',
        imageSize: 64 * 1024,
        networkMode: 'MANAGED',
      });
      conn = await connect({
        ec2Url: sim.urls.ec2,
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        eucalyptusConf: await readFile(sim.files.eucalyptusConf, 'utf8'),
        ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
      });
    });
    afterAll(async () => {
      conn.close();
      await sim.close();
    });

    it('detects the version and signer', () => {
      expect(conn.majorVersion).toBe(version === '2.0' ? 2 : 3);
      expect(conn.signer.api).toBe(version === '2.0' ? 'query-v2' : 'sigv4');
      expect(JSON.stringify(conn)).not.toContain(sim.admin.secretKey);
    });

    it('returns every resource, owner and relation of the scenario', async () => {
      const progress: string[] = [];
      const inv = await discover(conn, { onProgress: (p) => progress.push(p.kind) });
      compare(sim, inv);
      expect(inv.findings.filter((f) => f.ruleId.startsWith('network.'))).toEqual([]);
      expect(progress).toContain('instances');
    });
  });
}
