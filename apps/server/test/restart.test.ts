// The server process killed mid-run: a new one on the same state database takes the job over,
// and a progress client that comes back with its last seq misses nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator } from '@euca2nova/euca-sim';
import {
  ReportSchema,
  decodeJobEventsBatch,
  type ApiJob,
  type ClientToServerEvents,
  type Connection,
  type JobEvent,
  type PlanSummary,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { createTestDatabase, testAdminUrl } from '@euca2nova/state/testing';
import { until } from './session-helpers.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PASSWORD = 'restart test operator password';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => {
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  });
}

interface Server {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const end = Date.now() + 60_000;
  while (!out.includes('euca2nova is running at')) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${out}`);
    if (Date.now() > end) throw new Error(`the server did not start: ${out}`);
    await sleep(100);
  }
  return { child, url: `http://127.0.0.1:${String(port)}`, output: () => out };
}

describe('a server killed in the middle of a migration', async () => {
  const state = await createTestDatabase();
  const nova = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'restart-'));
  const imagesPath = join(dataDir, 'images');
  await mkdir(imagesPath);
  const sim = await startSimulator({
    port: 0,
    eucaVersion: '3.4',
    scenario: 'demo',
    seed: 'restart',
    imageSize: 512 * 1024,
    networkMode: 'MANAGED',
    assemblyMs: 5,
    dir: join(dataDir, 'sim'),
    // Slow image bodies: the images phase lasts long enough to kill the server inside it.
    faults: { slowBodyBytesPerSec: 128 * 1024 },
    controllerDb: { url: testAdminUrl(), databasePrefix: `r${randomBytes(3).toString('hex')}_` },
  });
  const env = {
    DATABASE_URL: state.url,
    EUCA2NOVA_DATA_DIR: dataDir,
    EUCA2NOVA_DEMO: 'off',
    EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD,
    EUCA2NOVA_TRANSFER_CONCURRENCY: '2',
  };
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    for (const s of servers) s.child.kill('SIGKILL');
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('is taken over by the next server, and the progress view misses nothing', async () => {
    const first = await startServer(env);
    servers.push(first);
    let base = first.url;
    const login = await fetch(`${base}/api/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          cookie,
          'x-csrf-token': csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${String(res.status)} ${text}`);
      return JSON.parse(text) as T;
    };

    const source = await call<Connection>('POST', '/api/connections/eucalyptus', {
      controllerDbUrl: sim.controllerDb?.url,
      files: {
        eucarc: await readFile(sim.files.eucarc, 'utf8'),
        eucalyptusConf: await readFile(sim.files.eucalyptusConf, 'utf8'),
      },
    });
    const target = await call<Connection>('POST', '/api/connections/nova', {
      databaseUrl: nova.url,
      imagesPath,
    });
    await call('POST', `/api/connections/${target.id}/initialise`);
    const discovery = await call<ApiJob>('POST', '/api/discoveries', { connectionId: source.id });
    const discovered = await until('the discovery', async () => {
      const j = await call<ApiJob>('GET', `/api/jobs/${discovery.id}`);
      return j.status === 'succeeded' ? j : undefined;
    });
    let plan = await call<PlanSummary>('POST', '/api/plans', {
      inventoryId: discovered.inventoryId,
      targetConnectionId: target.id,
    });
    const warnings = plan.findings.filter((f) => f.severity === 'warning' && !f.acknowledged);
    if (warnings.length > 0)
      plan = await call<PlanSummary>('POST', `/api/plans/${plan.id}/acknowledgements`, {
        findingKeys: warnings.map((w) => w.key),
      });
    const job = await call<ApiJob>('POST', '/api/jobs', {
      planId: plan.id,
      fingerprint: plan.fingerprint,
    });

    const received: JobEvent[] = [];
    const follow = async (afterSeq: number) => {
      const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(base, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { cookie },
      });
      sockets.push(s);
      s.on('job:events', (b) => {
        const batch = decodeJobEventsBatch(b);
        if (batch.jobId === job.id) received.push(...batch.events);
      });
      const ack = await s.emitWithAck('job:subscribe', { jobId: job.id, afterSeq });
      expect(ack.ok).toBe(true);
    };
    await follow(0);
    await until('bytes of an image', async () =>
      received.some((e) => e.type === 'bytes-progress' && e.bytesDone > 0) ? true : undefined,
    );
    first.child.kill('SIGKILL');
    await until('the first server to die', async () =>
      first.child.exitCode !== null || first.child.signalCode !== null ? true : undefined,
    );
    const killedAt = await call<ApiJob>('GET', `/api/jobs/${job.id}`).catch(() => undefined);
    expect(killedAt).toBeUndefined();

    // The next server signs in the same session (sessions live in the state database).
    const second = await startServer(env);
    servers.push(second);
    base = second.url;
    await follow(Math.max(...received.map((e) => e.seq)));
    const end = await until(
      'the job to finish on the second server',
      async () => {
        const j = await call<ApiJob>('GET', `/api/jobs/${job.id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
      },
      240_000,
    );
    expect(end.status).toBe('succeeded');
    await until('the last event', async () =>
      received.some((e) => e.seq === end.lastSeq) ? true : undefined,
    );
    expect(second.output()).toContain(`Taking over migrate job ${job.id}`);

    const report = ReportSchema.parse(await call('GET', `/api/jobs/${job.id}/report.json`));
    expect(report.verification.result).toBe('matching');

    // Every item event the database holds reached the client exactly once, across both servers.
    const { events } = await call<{ events: JobEvent[] }>(
      'GET',
      `/api/jobs/${job.id}/events?limit=5000`,
    );
    const itemKey = (e: JobEvent) =>
      e.type === 'item-done' || e.type === 'item-failed' ? `${e.kind}/${e.sourceId}/${e.type}` : '';
    const stored = events.map(itemKey).filter((k) => k !== '');
    const got = received.map(itemKey).filter((k) => k !== '');
    expect(got.length).toBe(stored.length);
    expect(new Set(got)).toEqual(new Set(stored));
    const seqs = received.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 400_000);
});
