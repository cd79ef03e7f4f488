import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../src/index.ts';

describe('the address the simulator advertises', () => {
  it('writes the public host into its URLs and eucarc, as Eucalyptus writes the controller address', async () => {
    const sim = await startSimulator({
      port: 0,
      host: '0.0.0.0',
      publicHost: 'euca-sim.internal',
      eucaVersion: '2.0',
    });
    try {
      expect(sim.urls.ec2).toBe(`http://euca-sim.internal:${sim.port}/services/Eucalyptus`);
      expect(readFileSync(sim.files.eucarc, 'utf8')).toContain(
        `export S3_URL=http://euca-sim.internal:${sim.port}/services/Walrus`,
      );
      // It still listens on every interface: loopback reaches it.
      const res = await fetch(`http://127.0.0.1:${sim.port}/services/Eucalyptus`);
      expect(res.status).toBeGreaterThanOrEqual(400);
    } finally {
      await sim.close();
    }
  });

  it('advertises loopback, not 0.0.0.0, when listening everywhere without a public host', async () => {
    const sim = await startSimulator({ port: 0, host: '0.0.0.0', eucaVersion: '2.0' });
    try {
      expect(sim.urls.ec2).toBe(`http://127.0.0.1:${sim.port}/services/Eucalyptus`);
    } finally {
      await sim.close();
    }
  });
});
