import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startSimulator } from '@euca2nova/euca-sim';
import { testAdminUrl } from '@euca2nova/state/testing';
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

describe('a controller database whose context databases carry a prefix on a shared server', () => {
  it('is found from the URL of its auth database: secret keys and key-pair public keys are read', async () => {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      scenario: 'demo',
      seed: 'prefixed',
      imageSize: 64 * 1024,
      controllerDb: { url: testAdminUrl(), databasePrefix: `p${randomBytes(3).toString('hex')}_` },
    });
    try {
      expect(sim.controllerDb?.url).toMatch(/\/p[0-9a-f]{6}_eucalyptus_auth$/);
      const conn = await connect({
        ec2Url: sim.urls.ec2,
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        controllerDbUrl: sim.controllerDb?.url,
      });
      try {
        const inv = await discover(conn);
        expect(inv.findings.map((f) => f.ruleId)).not.toContain('source.controller-db-unreadable');
        const secrets = inv.users.flatMap((u) => u.accessKeys.map((k) => k.secretKey));
        expect(secrets.length).toBeGreaterThan(0);
        expect(secrets.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
      } finally {
        conn.close();
      }
    } finally {
      await sim.close();
    }
  });
});
