import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeJobEventsBatch,
  type ClientToServerEvents,
  type JobEvent,
  type JobEventBody,
  type JobSubscribeAck,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { PgJobStore } from '@euca2nova/state';
import { createTestDatabase, testAdminUrl } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime } from '../src/runtime.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const TOKEN = 'a-signed-in-session';

/** One client following one job: every batch it got, in arrival order. */
interface Follower {
  client: Client;
  batches: JobEvent[][];
  seqs(): number[];
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

const log = (n: number): JobEventBody => ({ type: 'log', level: 'info', message: `line ${n}` });

describe('live job progress over socket.io', async () => {
  const db = await createTestDatabase({ migrated: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-progress-'));
  const runtime = await startRuntime(
    loadConfig({
      DATABASE_URL: db.url,
      EUCA2NOVA_DEMO: 'off',
      LOG_LEVEL: 'silent',
      EUCA2NOVA_DATA_DIR: dataDir,
    }),
    () => undefined,
  );
  const app = await buildApp({
    config: { logLevel: 'silent' },
    runtime,
    progress: { authenticate: async (h) => h.auth['token'] === TOKEN },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // Another process (the CLI or a worker) writing events: its own pool, its own connections.
  const writer = PgJobStore.connect(db.url, runtime.state.key);
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await app.close();
    await writer.close();
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function connect(token = TOKEN, base = url): Client {
    const client: Client = io(base, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    clients.push(client);
    return client;
  }

  async function follow(
    jobId: string,
    afterSeq: number,
    base = url,
  ): Promise<Follower & { ack: JobSubscribeAck }> {
    const client = connect(TOKEN, base);
    const batches: JobEvent[][] = [];
    client.on('job:events', (b) => {
      const batch = decodeJobEventsBatch(b);
      if (batch.jobId === jobId) batches.push(batch.events);
    });
    const ack = await client.emitWithAck('job:subscribe', { jobId, afterSeq });
    return { client, batches, seqs: () => batches.flat().map((e) => e.seq), ack };
  }

  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('replays what came before, then streams what another process appends, in order', async () => {
    const job = await writer.createJob({ type: 'migrate', spec: {} });
    await writer.appendEvents(job.id, [log(1), log(2), log(3)]);
    const f = await follow(job.id, 1);
    expect(f.ack).toEqual({ ok: true, jobId: job.id, replayedTo: 3 });
    for (let i = 0; i < 10; i++)
      await writer.appendEvents(job.id, [log(4 + 2 * i), log(5 + 2 * i)]);
    await until(() => f.seqs().at(-1) === 23, 'seq 23');
    expect(f.seqs()).toEqual(range(2, 23));
    expect(f.batches.flat().map((e) => e.type === 'log' && e.message)).toContain('line 23');
  });

  it('gives a client that comes back with its last seq exactly what it missed', async () => {
    const job = await writer.createJob({ type: 'migrate', spec: {} });
    const total = 150;
    const appending = (async () => {
      for (let i = 1; i <= total; i++) {
        await writer.appendEvents(job.id, [log(i)]);
        await sleep(3);
      }
    })();
    const first = await follow(job.id, 0);
    await until(() => first.seqs().length >= 30, 'the first 30 events');
    first.client.disconnect();
    const seen = first.seqs();
    const last = seen.at(-1) ?? 0;
    await sleep(50);
    const again = await follow(job.id, last);
    await appending;
    await until(() => again.seqs().at(-1) === total, `seq ${total}`);
    await sleep(300);
    expect([...seen, ...again.seqs()]).toEqual(range(1, total));
  });

  it('paces one job to about 10 emissions a second, collapsing bytes but keeping every item', async () => {
    const job = await writer.createJob({ type: 'migrate', spec: {} });
    const f = await follow(job.id, 0);
    const started = Date.now();
    let done = 0;
    for (let i = 1; i <= 200; i++) {
      await writer.appendEvents(job.id, [
        {
          type: 'bytes-progress',
          kind: 'image',
          sourceId: 'emi-12345678',
          bytesDone: i * 1000,
          bytesTotal: 200_000,
          bytesPerSecond: 1e6,
        },
      ]);
      if (i % 4 === 0) {
        done += 1;
        await writer.appendEvents(job.id, [
          { type: 'item-done', kind: 'keyPair', sourceId: `key-${done}`, action: 'created' },
        ]);
      }
      // 250 appends spread over about a second.
      const due = started + i * 5;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    const elapsed = Date.now() - started;
    await until(() => f.seqs().at(-1) === 250, 'seq 250');
    const events = f.batches.flat();
    expect(f.batches.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(events.filter((e) => e.type === 'item-done').map((e) => e.sourceId)).toEqual(
      range(1, 50).map((n) => `key-${n}`),
    );
    const bytes = events.filter((e) => e.type === 'bytes-progress');
    expect(bytes.length).toBeLessThan(200);
    expect(bytes.at(-1)?.bytesDone).toBe(200_000);
    const seqs = f.seqs();
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('loses nothing across a server restart mid-run', async () => {
    const job = await writer.createJob({ type: 'migrate', spec: {} });
    const serve = async () => {
      const a = await buildApp({
        config: { logLevel: 'silent' },
        runtime,
        progress: { authenticate: async (h) => h.auth['token'] === TOKEN },
      });
      await a.listen({ port: 0, host: '127.0.0.1' });
      const at = a.server.address();
      return { app: a, url: `http://127.0.0.1:${typeof at === 'object' && at ? at.port : 0}` };
    };
    const before = await serve();
    const total = 120;
    const appending = (async () => {
      for (let i = 1; i <= total; i++) {
        await writer.appendEvents(job.id, [log(i)]);
        await sleep(3);
      }
    })();
    const first = await follow(job.id, 0, before.url);
    await until(() => first.seqs().length >= 20, 'the first 20 events');
    const dropped = new Promise((resolve) => first.client.once('disconnect', resolve));
    await before.app.close();
    await dropped;
    const after = await serve();
    try {
      const seen = first.seqs();
      const again = await follow(job.id, seen.at(-1) ?? 0, after.url);
      await appending;
      await until(() => again.seqs().at(-1) === total, `seq ${total}`);
      await sleep(300);
      expect([...seen, ...again.seqs()]).toEqual(range(1, total));
    } finally {
      await after.app.close();
    }
  });

  it('catches up after its listening connection is cut', async () => {
    const job = await writer.createJob({ type: 'migrate', spec: {} });
    const f = await follow(job.id, 0);
    await writer.appendEvents(job.id, [log(1)]);
    await until(() => f.seqs().length === 1, 'seq 1');
    const admin = new pg.Client({ connectionString: testAdminUrl() });
    await admin.connect();
    try {
      const cut = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = $1 AND query LIKE 'LISTEN %'`,
        [db.name],
      );
      expect(cut.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    // Appended while nobody listens: no notification will ever say so.
    await writer.appendEvents(job.id, [log(2), log(3)]);
    await until(() => f.seqs().length === 3, 'seq 3 after the reconnection');
    await writer.appendEvents(job.id, [log(4)]);
    await until(() => f.seqs().length === 4, 'seq 4');
    expect(f.seqs()).toEqual([1, 2, 3, 4]);
  });

  it('answers not-found for a job that does not exist, and refuses a bad request', async () => {
    const f = await follow('00000000-0000-4000-8000-000000000000', 0);
    expect(f.ack).toMatchObject({ ok: false, error: 'not-found' });
    const bad = await f.client.emitWithAck('job:subscribe', { jobId: 'nope', afterSeq: -1 });
    expect(bad).toMatchObject({ ok: false, error: 'invalid-request' });
  });

  it('refuses a handshake without a session', async () => {
    const client = connect('guessed');
    const error = await new Promise<Error>((resolve) => client.on('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    expect(client.connected).toBe(false);
  });
});
