import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '@euca2nova/euca-sim';
import { InventorySchema } from '@euca2nova/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SourceError,
  connect,
  discover,
  type DiscoveryProgress,
  type SourceConnection,
} from '../src/index.ts';
import type { Sim } from './compare.ts';

const HOSTILE = 'emi-../../x';

/**
 * A transparent loopback proxy in front of the simulator (headers kept, so signatures still verify)
 * that puts a hostile id into the DescribeImages answer and records every request body.
 */
async function hostileProxy(
  target: number,
  victim: string,
): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(`${req.url ?? ''} ${body.toString('utf8')}`);
      const up = request(
        {
          port: target,
          host: '127.0.0.1',
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (r) => {
          const out: Buffer[] = [];
          r.on('data', (c: Buffer) => out.push(c));
          r.on('end', () => {
            let text = Buffer.concat(out).toString('utf8');
            if (text.includes('<DescribeImagesResponse'))
              text = text.replace(`<imageId>${victim}</imageId>`, `<imageId>${HOSTILE}</imageId>`);
            const headers = { ...r.headers };
            delete headers['content-length'];
            delete headers['transfer-encoding'];
            res.writeHead(r.statusCode ?? 502, {
              ...headers,
              'content-length': Buffer.byteLength(text),
            });
            res.end(text);
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, bodies };
}

for (const version of ['2.0', '3.4'] as const) {
  describe(`discovery control against the ${version} simulator`, () => {
    let sim: Sim;
    let conn: SourceConnection;
    let answered = 0;
    beforeAll(async () => {
      sim = await startSimulator({
        port: 0,
        eucaVersion: version,
        scenario: 'scale:40',
        seed: 'ctl',
        imageSize: 4096,
        control: true,
        onRequest: () => {
          answered++;
        },
      });
      conn = await connect({
        ec2Url: sim.urls.ec2,
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
      });
    });
    afterAll(async () => {
      conn.close();
      await sim.close();
    });

    it('reports progress (kind, done, total) monotonically up to the total of every kind', async () => {
      const events: DiscoveryProgress[] = [];
      const inv = await discover(conn, {
        onProgress: (p) => events.push({ ...p }),
        concurrency: 4,
      });
      expect(inv.instances).toHaveLength(sim.scenario.instances.length);
      const kinds = new Set(events.map((e) => e.kind));
      for (const k of ['users', 'instances', 'images', 'perUser'] as const)
        expect(kinds).toContain(k);
      for (const kind of kinds) {
        const mine = events.filter((e) => e.kind === kind);
        let last = -1;
        for (const e of mine) {
          expect(e.done, kind).toBeGreaterThanOrEqual(last);
          expect(e.done, kind).toBeLessThanOrEqual(e.total);
          expect(e.total, kind).toBe(mine[0]?.total);
          last = e.done;
        }
        expect(mine.at(-1)?.done, kind).toBe(mine.at(-1)?.total);
      }
    });

    it('cancels with an AbortSignal: rejects with code aborted promptly, no requests after', async () => {
      sim.faults.set({ latencyMs: { ec2: 30, walrus: 30, euare: 30 } });
      try {
        const ac = new AbortController();
        let started = false;
        const p = discover(conn, {
          signal: ac.signal,
          concurrency: 2,
          onProgress: (e) => {
            if (e.kind === 'perUser' || e.kind === 'images') started = true;
          },
        });
        await new Promise<void>((resolve) => {
          const t = setInterval(() => {
            if (started) {
              clearInterval(t);
              resolve();
            }
          }, 5);
        });
        const t0 = Date.now();
        ac.abort();
        const err = await p.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(Date.now() - t0).toBeLessThan(500);
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).code).toBe('aborted');
        // Requests already on the wire may still be answered; none may start afterwards.
        await new Promise((r) => setTimeout(r, 100));
        const settled = answered;
        await new Promise((r) => setTimeout(r, 400));
        expect(answered).toBe(settled);
      } finally {
        sim.faults.reset();
      }
    });

    it('an already aborted signal rejects before any request', async () => {
      const before = answered;
      const err = await discover(conn, { signal: AbortSignal.abort() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as SourceError).code).toBe('aborted');
      expect(answered).toBe(before);
    });

    it(`turns a hostile image id (${HOSTILE}) into a finding and keeps the rest`, async () => {
      const victim = sim.scenario.images.find(
        (i) => i.kind === 'machine' && (version === '3.4' || i.state === 'available'),
      );
      if (!victim) throw new Error('no machine image');
      const proxy = await hostileProxy(sim.port, victim.id);
      const base = new URL(sim.urls.ec2);
      const hostile = await connect({
        ec2Url: `${proxy.url}${base.pathname}`,
        s3Url: `${proxy.url}${new URL(sim.urls.s3).pathname}`,
        ...(sim.urls.euare ? { euareUrl: `${proxy.url}${new URL(sim.urls.euare).pathname}` } : {}),
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        ...(sim.controllerDb ? { controllerDbUrl: sim.controllerDb.url } : {}),
      });
      try {
        const clean = await discover(conn);
        const inv = await discover(hostile);
        expect(InventorySchema.safeParse(inv).success).toBe(true);
        const f = inv.findings.find((x) => x.affectedIds.includes(HOSTILE));
        expect(f?.ruleId).toBe('image.malformed');
        expect(inv.images.map((i) => i.imageId).sort()).toEqual(
          clean.images
            .map((i) => i.imageId)
            .filter((id) => id !== victim.id)
            .sort(),
        );
        expect(inv.instances).toEqual(clean.instances);
        expect(inv.volumes).toEqual(clean.volumes);
        expect(inv.users.length).toBe(clean.users.length);
        // The id was never used: no request after DescribeImages carries it.
        const after = proxy.bodies.filter(
          (b) => !b.includes('DescribeImages&') && !b.endsWith('DescribeImages'),
        );
        for (const b of after) {
          expect(b).not.toContain('..%2F');
          expect(b).not.toContain('emi-..');
        }
      } finally {
        hostile.close();
        proxy.server.close();
      }
    });
  });
}
