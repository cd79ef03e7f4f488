import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '@euca2nova/euca-sim';
import { InventorySchema } from '@euca2nova/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, connect, createInventoryCommand, discover } from '../src/index.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return (e as SourceError).code;
  }
}

describe('connect errors and fault drills (3.4 simulator)', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      scenario: 'demo',
      seed: 'conn',
      imageSize: 4096,
      control: true,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  const good = () => ({
    ec2Url: sim.urls.ec2,
    accessKey: sim.admin.accessKey,
    secretKey: sim.admin.secretKey,
  });

  it('wrong secret key -> auth, and the secret is not in the message', async () => {
    const p = connect({ ...good(), secretKey: 'wrong-secret-key-000' });
    await expect(p).rejects.toMatchObject({ code: 'auth' });
    await p.catch((e: unknown) => {
      expect((e as Error).message).not.toContain('wrong-secret-key-000');
      // The advice is given once, with the server's code.
      expect((e as Error).message.match(/eucarc/g)).toHaveLength(1);
      expect((e as Error).message).toMatch(/\((AuthFailure|SignatureDoesNotMatch)\)/);
    });
  });

  it("a user's keys -> not-admin", async () => {
    const alice = sim.scenario.users.find((u) => u.name === 'alice');
    if (!alice) throw new Error('no alice');
    expect(
      await codeOf(connect({ ...good(), accessKey: alice.accessKey, secretKey: alice.secretKey })),
    ).toBe('not-admin');
  });

  it('unreachable endpoint -> unreachable; a web page -> not-eucalyptus', async () => {
    expect(
      await codeOf(connect({ ...good(), ec2Url: 'http://127.0.0.1:1/services/Eucalyptus' })),
    ).toBe('unreachable');
    expect(
      await codeOf(
        connect({ ...good(), ec2Url: sim.urls.ec2.replace('/services/Eucalyptus', '/nothing') }),
      ),
    ).toBe('not-eucalyptus');
  });

  it('discovery survives throttling and 5xx bursts', async () => {
    const conn = await connect({ ...good(), controllerDbUrl: sim.controllerDb?.url });
    sim.faults.set({ throttleRate: 0.15, errorCount: 4 });
    const inv = await discover(conn);
    sim.faults.reset();
    conn.close();
    expect(InventorySchema.safeParse(inv).success).toBe(true);
    expect(inv.instances).toHaveLength(sim.scenario.instances.length);
    expect(sim.faults.injected.throttle + sim.faults.injected.error500).toBeGreaterThan(0);
  });

  const runInventory = async (extra: string[]): Promise<string> => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (s: string) => {
      out += s;
      return true;
    };
    try {
      await createInventoryCommand().parseAsync([
        'node',
        'inventory',
        '--eucarc',
        sim.files.eucarc,
        '--clc-db',
        sim.controllerDb?.url ?? '',
        ...extra,
      ]);
    } finally {
      process.stdout.write = write;
    }
    return out;
  };

  it('the inventory command prints the inventory as JSON, without secret keys', async () => {
    const out = await runInventory([]);
    const inv = InventorySchema.parse(JSON.parse(out));
    expect(Object.keys(inv)).toEqual(
      expect.arrayContaining(['users', 'images', 'network', 'findings']),
    );
    expect(inv.keyPairs).toHaveLength(sim.scenario.keyPairs.length);
    expect(inv.users.flatMap((u) => u.accessKeys).length).toBeGreaterThan(0);
    expect(inv.users.flatMap((u) => u.accessKeys).some((k) => k.secretKey !== undefined)).toBe(
      false,
    );
    for (const u of sim.scenario.users) expect(out).not.toContain(u.secretKey);
  });

  it('--include-secrets writes the secret keys read from the controller database', async () => {
    const inv = InventorySchema.parse(JSON.parse(await runInventory(['--include-secrets'])));
    const alice = sim.scenario.users.find((u) => u.name === 'alice');
    const keys = inv.users.flatMap((u) => u.accessKeys);
    expect(keys.find((k) => k.accessKeyId === alice?.accessKey)?.secretKey).toBe(alice?.secretKey);
  });
});

describe('hostile responses', () => {
  let server: Server;
  let base = '';
  const BILLION = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>&lol2;</requestId><regionInfo/></DescribeRegionsResponse>`;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method === 'GET') {
        res.writeHead(req.url?.includes('Euare') || req.url?.includes('compute') ? 404 : 400).end();
        return;
      }
      req.resume();
      if (req.url?.startsWith('/big')) {
        res.writeHead(200, { 'content-type': 'text/xml' });
        const chunk = Buffer.alloc(1 << 20, 0x20);
        let n = 0;
        const pump = (): void => {
          while (n < 100) {
            n++;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(BILLION);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      ),
  );

  it('refuses a DOCTYPE with entities instead of expanding it', async () => {
    expect(
      await codeOf(
        connect({ ec2Url: `${base}/services/Eucalyptus`, accessKey: 'AKID', secretKey: 'x' }),
      ),
    ).toMatch(/^(malformed|not-eucalyptus)$/);
  });

  it('refuses a 100 MB body without buffering it', async () => {
    const before = process.memoryUsage().rss;
    expect(
      await codeOf(
        connect({
          ec2Url: `${base}/big/services/Eucalyptus`,
          accessKey: 'AKID',
          secretKey: 'x',
          maxResponseBytes: 8 << 20,
        }),
      ),
    ).toBe('too-large');
    expect(process.memoryUsage().rss - before).toBeLessThan(60 << 20);
  });
});
