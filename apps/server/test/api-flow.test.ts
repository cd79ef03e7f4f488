// The whole migration through the HTTP API and socket.io, against the simulator over real HTTP,
// real PostgreSQL (state and Nova) and a real image store: what the wizard does, call by call.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { io, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '@euca2nova/euca-sim';
import {
  JobProgressSchema,
  ReportSchema,
  ReportSummarySchema,
  applyJobEvents,
  emptyJobProgress,
  type ApiJob,
  type ClientToServerEvents,
  type Connection,
  type ConnectionTest,
  type IdMapPage,
  type JobEvent,
  type JobProgress,
  type PlanSummary,
  type ReportUserDetail,
  type ReportUsersPage,
  type SelectionPreview,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { createTestDatabase, testAdminUrl } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { signIn, until } from './session-helpers.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Every secret the simulated cloud holds (admin and users). */
function secretsOf(sim: RunningSimulator): string[] {
  const found = new Set<string>([sim.admin.secretKey]);
  JSON.stringify(sim.scenario, (key, value: unknown) => {
    if (/secret/i.test(key) && typeof value === 'string' && value.length >= 8) found.add(value);
    return value;
  });
  return [...found];
}

interface Harness {
  app: FastifyInstance;
  runtime: Runtime;
  url: string;
  sim: RunningSimulator;
  novaUrl: string;
  imagesPath: string;
  /** Every log line the server wrote. */
  logs: string[];
  /** Every response body the API sent. */
  bodies: string[];
  call(opts: InjectOptions): Promise<LightMyRequestResponse>;
  cookie: string;
}

async function harness(
  simOptions: { assemblyMs?: number; imageSize?: number; slowBodyBytesPerSec?: number } = {},
) {
  const state = await createTestDatabase();
  const nova = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'api-flow-'));
  const imagesPath = join(dataDir, 'images');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(imagesPath);
  const sim = await startSimulator({
    port: 0,
    eucaVersion: '3.4',
    scenario: 'demo',
    seed: 'api',
    imageSize: simOptions.imageSize ?? 128 * 1024,
    networkMode: 'MANAGED',
    assemblyMs: simOptions.assemblyMs ?? 5,
    ...(simOptions.slowBodyBytesPerSec === undefined
      ? {}
      : { faults: { slowBodyBytesPerSec: simOptions.slowBodyBytesPerSec } }),
    dir: join(dataDir, 'sim'),
    controllerDb: { url: testAdminUrl(), databasePrefix: `a${randomBytes(3).toString('hex')}_` },
  });
  const runtime = await startRuntime(
    loadConfig({
      DATABASE_URL: state.url,
      EUCA2NOVA_DEMO: 'off',
      EUCA2NOVA_DATA_DIR: dataDir,
      EUCA2NOVA_TRANSFER_CONCURRENCY: '2',
    }),
    () => undefined,
  );
  const logs: string[] = [];
  const app = await buildApp({
    config: { logLevel: 'trace' },
    runtime,
    logStream: { write: (line) => void logs.push(line) },
    progress: {},
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const { cookie, csrfToken } = await signIn(app);
  const bodies: string[] = [];
  const h: Harness = {
    app,
    runtime,
    url,
    sim,
    novaUrl: nova.url,
    imagesPath,
    logs,
    bodies,
    cookie,
    call: async (opts) => {
      const res = await app.inject({
        ...opts,
        headers: { cookie, 'x-csrf-token': csrfToken, ...(opts.headers ?? {}) },
      });
      bodies.push(res.body);
      return res;
    },
  };
  afterAll(async () => {
    await app.close();
    await runtime.stop();
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return h;
}

async function json<T>(res: LightMyRequestResponse, status: number): Promise<T> {
  if (res.statusCode !== status)
    throw new Error(`expected ${String(status)}, got ${String(res.statusCode)}: ${res.body}`);
  return res.json<T>();
}

/** What the operator calls the simulated cloud; typed again to confirm the cutover. */
const CLOUD_NAME = 'Simulated Eucalyptus 3.4';

/** Connections, discovery and a runnable plan: the steps before the cutover. */
async function planned(
  h: Harness,
  nova: { url: string; imagesPath: string } = { url: h.novaUrl, imagesPath: h.imagesPath },
): Promise<{ plan: PlanSummary; target: Connection }> {
  const source = await json<Connection>(
    await h.call({
      method: 'POST',
      url: '/api/connections/eucalyptus',
      payload: {
        name: CLOUD_NAME,
        controllerDbUrl: h.sim.controllerDb?.url,
        files: {
          eucarc: await readFile(h.sim.files.eucarc, 'utf8'),
          eucalyptusConf: await readFile(h.sim.files.eucalyptusConf, 'utf8'),
        },
      },
    }),
    201,
  );
  const target = await json<Connection>(
    await h.call({
      method: 'POST',
      url: '/api/connections/nova',
      payload: { databaseUrl: nova.url, imagesPath: nova.imagesPath },
    }),
    201,
  );
  await json(
    await h.call({ method: 'POST', url: `/api/connections/${target.id}/initialise` }),
    200,
  );
  const discovery = await json<ApiJob>(
    await h.call({
      method: 'POST',
      url: '/api/discoveries',
      payload: { connectionId: source.id },
    }),
    202,
  );
  const done = await until('the discovery', async () => {
    const j = await json<ApiJob>(
      await h.call({ method: 'GET', url: `/api/jobs/${discovery.id}` }),
      200,
    );
    return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
  });
  expect(done.status).toBe('succeeded');
  let plan = await json<PlanSummary>(
    await h.call({
      method: 'POST',
      url: '/api/plans',
      payload: { inventoryId: done.inventoryId, targetConnectionId: target.id, selection: {} },
    }),
    201,
  );
  const warnings = plan.findings.filter((f) => f.severity === 'warning' && !f.acknowledged);
  if (warnings.length > 0)
    plan = await json<PlanSummary>(
      await h.call({
        method: 'POST',
        url: `/api/plans/${plan.id}/acknowledgements`,
        payload: { findingKeys: warnings.map((w) => w.key) },
      }),
      200,
    );
  expect(plan.runnable).toBe(true);
  return { plan, target };
}

async function finished(h: Harness, jobId: string): Promise<ApiJob> {
  return until(
    `job ${jobId} to finish`,
    async () => {
      const j = await json<ApiJob>(await h.call({ method: 'GET', url: `/api/jobs/${jobId}` }), 200);
      return ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : undefined;
    },
    300_000,
  );
}

describe('a migration through the API', async () => {
  const h = await harness();

  it('connects, tests, discovers, pages, plans, runs with live progress and serves the report', async () => {
    // A connection shows its access key and "secret stored", never the secret.
    const source = await json<Connection>(
      await h.call({
        method: 'POST',
        url: '/api/connections/eucalyptus',
        payload: {
          ec2Url: h.sim.urls.ec2,
          accessKey: h.sim.admin.accessKey,
          secretKey: h.sim.admin.secretKey,
          controllerDbUrl: h.sim.controllerDb?.url,
        },
      }),
      201,
    );
    expect(source.public).toMatchObject({ accessKey: h.sim.admin.accessKey, secretStored: true });
    const test = await json<ConnectionTest>(
      await h.call({ method: 'POST', url: `/api/connections/${source.id}/test` }),
      200,
    );
    expect(test.ok).toBe(true);
    expect(test.source?.majorVersion).toBe(3);
    expect(test.source?.userCount).toBeGreaterThan(0);

    // The Nova database starts empty: the test says so and offers to initialise it.
    const target = await json<Connection>(
      await h.call({
        method: 'POST',
        url: '/api/connections/nova',
        payload: { databaseUrl: h.novaUrl, imagesPath: h.imagesPath },
      }),
      201,
    );
    expect(JSON.stringify(target)).not.toContain(new URL(h.novaUrl).password || '\u0000');
    const empty = await json<ConnectionTest>(
      await h.call({ method: 'POST', url: `/api/connections/${target.id}/test` }),
      200,
    );
    expect(empty).toMatchObject({ ok: false, target: { status: 'empty', canInitialise: true } });

    const { plan } = await planned(h);
    expect(plan.cloudName).toBe(CLOUD_NAME);
    const tested = await json<ConnectionTest>(
      await h.call({ method: 'POST', url: `/api/connections/${target.id}/test` }),
      200,
    );
    expect(tested).toMatchObject({ ok: true, target: { status: 'bexar', schemaVersion: 2 } });

    // The inventory comes a page at a time, filtered on the server.
    const overview = await json<{ overview: { counts: Record<string, number> } }>(
      await h.call({ method: 'GET', url: `/api/inventories/${plan.inventoryId}` }),
      200,
    );
    const images = overview.overview.counts.image ?? 0;
    expect(images).toBeGreaterThan(2);
    const page = await json<{ total: number; rows: { sourceId: string; item: object }[] }>(
      await h.call({
        method: 'GET',
        url: `/api/inventories/${plan.inventoryId}/items?kind=image&limit=2&sort=sourceId&order=desc`,
      }),
      200,
    );
    expect(page.total).toBe(images);
    expect(page.rows).toHaveLength(2);
    expect(page.rows[0]?.sourceId.localeCompare(page.rows[1]?.sourceId ?? '')).toBe(1);
    const one = page.rows[0]?.sourceId ?? '';
    const found = await json<{ total: number; rows: { sourceId: string }[] }>(
      await h.call({
        method: 'GET',
        url: `/api/inventories/${plan.inventoryId}/items?q=${encodeURIComponent(one)}`,
      }),
      200,
    );
    expect(found.rows.map((r) => r.sourceId)).toContain(one);
    const items = await json<{ total: number }>(
      await h.call({ method: 'GET', url: `/api/plans/${plan.id}/items?action=create&limit=1` }),
      200,
    );
    expect(items.total).toBe(Object.values(plan.counts).reduce((n, c) => n + (c.create ?? 0), 0));

    // A selection previewed before planning: one instance picked brings what it needs, with why.
    const running = await json<{ rows: { sourceId: string; state: string | null }[] }>(
      await h.call({
        method: 'GET',
        url: `/api/inventories/${plan.inventoryId}/items?kind=instance&limit=1000`,
      }),
      200,
    );
    const picked = running.rows.find((r) => r.state === 'running')?.sourceId ?? 'no instance';
    const preview = await json<SelectionPreview>(
      await h.call({
        method: 'POST',
        url: `/api/inventories/${plan.inventoryId}/selection`,
        payload: { selection: { items: [{ kind: 'instance', sourceId: picked }] } },
      }),
      200,
    );
    expect(preview.counts.instance).toEqual({ selected: 1, pulledIn: 0 });
    expect(preview.counts.user?.selected).toBe(0);
    expect(preview.counts.user?.pulledIn).toBeGreaterThan(0);
    expect(preview.pulledInTotal).toBe(preview.pulledIn.length);
    expect(preview.pulledIn).toContainEqual(
      expect.objectContaining({
        kind: 'image',
        pulledInBy: { kind: 'instance', sourceId: picked, relation: 'image' },
      }),
    );
    const unknown = await h.call({
      method: 'POST',
      url: `/api/inventories/${plan.inventoryId}/selection`,
      payload: { selection: { items: [{ kind: 'instance', sourceId: 'i-DEADBEEF' }] } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'unknown-items' });
    expect(unknown.body).toContain('instance i-DEADBEEF');

    // The network half: MANAGED maps to VlanManager; every instance has its fixed IP decision.
    const network = await json<{
      mode: string;
      manager: string;
      networks: unknown[];
      instances: { total: number; kept: number; rows: { status: string; reason: string }[] };
      novaConf: string;
    }>(await h.call({ method: 'GET', url: `/api/plans/${plan.id}/network` }), 200);
    expect(network).toMatchObject({ mode: 'MANAGED', manager: 'VlanManager' });
    expect(network.networks.length).toBeGreaterThan(0);
    expect(network.instances.total).toBeGreaterThan(0);
    expect(network.instances.rows.every((r) => r.reason.length > 0)).toBe(true);
    expect(network.novaConf).toContain('--network_manager=nova.network.manager.VlanManager');

    // A confirmation that names another fingerprint is refused, and nothing starts.
    const stale = await h.call({
      method: 'POST',
      url: '/api/jobs',
      payload: { planId: plan.id, fingerprint: 'f'.repeat(64) },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'stale-confirmation' });

    // Live progress: a socket client follows from the start, drops midway, comes back.
    const job = await json<ApiJob>(
      await h.call({
        method: 'POST',
        url: '/api/jobs',
        payload: { planId: plan.id, fingerprint: plan.fingerprint },
      }),
      202,
    );
    const received: JobEvent[] = [];
    const follow = async (afterSeq: number): Promise<Client> => {
      const client: Client = io(h.url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: { cookie: h.cookie },
      });
      client.on('job:events', (b) => {
        if (b.jobId === job.id) received.push(...b.events);
      });
      const ack = await client.emitWithAck('job:subscribe', { jobId: job.id, afterSeq });
      expect(ack.ok).toBe(true);
      return client;
    };
    const first = await follow(0);
    await until('some item events', async () =>
      received.filter((e) => e.type === 'item-done').length >= 5 ? true : undefined,
    );
    // A page loaded mid-run gets the progress so far, with the run's totals announced.
    const midway = JobProgressSchema.parse(
      (await h.call({ method: 'GET', url: `/api/jobs/${job.id}/progress` })).json(),
    );
    expect(midway.asOfSeq).toBeGreaterThan(0);
    expect(midway.totals.itemsTotal).toBeGreaterThan(0);
    first.disconnect();
    const lastSeen = Math.max(...received.map((e) => e.seq));
    await sleep(300);
    const second = await follow(lastSeen);
    const end = await finished(h, job.id);
    expect(end.status).toBe('succeeded');
    await until('the last event', async () =>
      received.some((e) => e.seq === end.lastSeq) ? true : undefined,
    );
    second.disconnect();

    // Nothing missed, nothing twice: every item event in the database reached the client once.
    const stored = await json<{ events: JobEvent[] }>(
      await h.call({ method: 'GET', url: `/api/jobs/${job.id}/events?limit=5000` }),
      200,
    );
    const itemKey = (e: JobEvent) =>
      e.type === 'item-done' || e.type === 'item-failed' ? `${e.kind}/${e.sourceId}/${e.type}` : '';
    const storedItems = stored.events.map(itemKey).filter((k) => k !== '');
    const gotItems = received.map(itemKey).filter((k) => k !== '');
    expect(gotItems.length).toBe(storedItems.length);
    expect(new Set(gotItems)).toEqual(new Set(storedItems));
    const seqs = received.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // The progress snapshot of the finished run is the reduction of all its events, and adds up.
    expect(stored.events).toHaveLength(end.lastSeq);
    const progress = await json<JobProgress>(
      await h.call({ method: 'GET', url: `/api/jobs/${job.id}/progress` }),
      200,
    );
    expect(progress).toEqual(applyJobEvents(emptyJobProgress(job.id), stored.events));
    expect(progress).toMatchObject({ asOfSeq: end.lastSeq, status: 'succeeded', failedItems: [] });
    expect(progress.totals.itemsDone + progress.totals.itemsSkipped).toBe(
      progress.totals.itemsTotal,
    );
    expect(progress.totals.bytesTotal).toBeGreaterThan(0);
    expect(progress.totals.bytesDone).toBe(progress.totals.bytesTotal);
    expect(progress.phases.filter((p) => p.status !== 'succeeded').map((p) => p.phase)).toEqual([
      'discover',
    ]);
    // The next call reads only the events after the snapshot it keeps: an old event changed in
    // the database behind its back does not show, a new one does.
    const pool = h.runtime.stateDb.pool;
    await pool.query(
      `UPDATE job_events SET body = jsonb_set(body, '{message}', '"rewritten"')
        WHERE job_id = $1 AND type = 'log'`,
      [job.id],
    );
    await h.runtime.state.store.appendEvents(job.id, [
      { type: 'log', level: 'info', message: 'Notices sent.' },
    ]);
    const later = await json<JobProgress>(
      await h.call({ method: 'GET', url: `/api/jobs/${job.id}/progress` }),
      200,
    );
    expect(later.asOfSeq).toBe(end.lastSeq + 1);
    expect(later.log.at(-1)?.text).toBe('Notices sent.');
    expect(later.log.slice(0, -1)).toEqual(progress.log);
    expect(later.log.map((l) => l.text)).not.toContain('rewritten');

    // The Report step: the summary, the id map and the users a page at a time, one user's notice.
    const summary = ReportSummarySchema.parse(
      (await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report` })).json(),
    );
    expect(summary).not.toHaveProperty('idMap');
    expect(summary.verification.result).toBe('matching');

    // The report in four formats, with proper types and names.
    const reportJson = await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report.json` });
    expect(reportJson.statusCode).toBe(200);
    expect(reportJson.headers['content-type']).toMatch(/^application\/json/);
    expect(reportJson.headers['content-disposition']).toMatch(
      /^attachment; filename="euca2nova-report-[0-9a-f]{8}-\d{8}T\d{6}Z?\.json"$/,
    );
    const report = ReportSchema.parse(reportJson.json());
    expect(report.verification.result).toBe('matching');
    const csv = await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report.csv` });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const instance = report.idMap.find((r) => r.kind === 'instance');
    expect(csv.body).toContain(instance?.sourceId ?? 'no instance in the id map');
    const html = await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report.html` });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('<html');
    const pdf = await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report.pdf` });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    const users = report.idMap.filter((e) => e.kind === 'user');
    expect(summary).toMatchObject({
      idMapTotal: report.idMap.length,
      changedIds: report.idMap.filter((e) => e.sourceId !== e.targetId).length,
      imagesTotal: report.images.length,
      imageBytes: progress.totals.bytesDone,
      usersTotal: users.length,
    });
    const changedInstances = report.idMap.filter(
      (e) => e.kind === 'instance' && e.sourceId !== e.targetId,
    );
    const idPage = await json<IdMapPage>(
      await h.call({
        method: 'GET',
        url: `/api/jobs/${job.id}/report/id-map?kind=instance&changed=true&limit=2`,
      }),
      200,
    );
    expect(idPage.total).toBe(changedInstances.length);
    expect(idPage.rows).toEqual(changedInstances.slice(0, 2));
    const owner = instance?.owner ?? 'nobody';
    const byOwner = await json<IdMapPage>(
      await h.call({
        method: 'GET',
        url: `/api/jobs/${job.id}/report/id-map?owner=${encodeURIComponent(owner)}&q=${encodeURIComponent(instance?.targetId.toUpperCase() ?? '')}`,
      }),
      200,
    );
    expect(byOwner.rows).toEqual([instance]);

    const userRows = await json<ReportUsersPage>(
      await h.call({ method: 'GET', url: `/api/jobs/${job.id}/report/users` }),
      200,
    );
    expect(userRows.rows.map((r) => r.user)).toEqual(users.map((u) => u.sourceId));
    expect(userRows.rows.every((r) => r.verification === 'matching' && r.differences === 0)).toBe(
      true,
    );
    const ownerRow = userRows.rows.find((r) => r.user === owner);
    expect(ownerRow?.items).toBe(
      report.idMap.filter((e) => e.owner === owner || e.sourceId === owner).length,
    );

    const detail = await json<ReportUserDetail>(
      await h.call({
        method: 'GET',
        url: `/api/jobs/${job.id}/report/user?user=${encodeURIComponent(owner)}&ec2Url=${encodeURIComponent('http://nova.example.org:8773/services/Cloud')}`,
      }),
      200,
    );
    expect(detail.counts.instance).toBeGreaterThan(0);
    expect(detail.changedIdsTotal).toBe(ownerRow?.changedIds);
    expect(detail.notice).toContain('EC2_URL=http://nova.example.org:8773/services/Cloud');
    // The notice names the access key Nova kept, and says whether the secret key came along.
    expect(detail.notice).toMatch(/Your access key ID \([A-Z0-9]{20}\)/);
    const secretMissing = report.findings.some(
      (f) =>
        f.finding.ruleId === 'user.secret-key-missing' && f.finding.affectedIds.includes(owner),
    );
    expect(detail.notice).toContain(
      secretMissing
        ? 'Your secret key could not be carried over'
        : 'and your secret key: keep using them',
    );
    for (const secret of secretsOf(h.sim)) expect(detail.notice).not.toContain(secret);
    const nobody = await h.call({
      method: 'GET',
      url: `/api/jobs/${job.id}/report/user?user=nobody`,
    });
    expect(nobody.statusCode).toBe(404);
    // A job without a report (the discovery) says so.
    const discovery = (
      await json<ApiJob[]>(await h.call({ method: 'GET', url: '/api/jobs' }), 200)
    ).find((j) => j.type === 'discover');
    const none = await h.call({ method: 'GET', url: `/api/jobs/${discovery?.id ?? ''}/report` });
    expect(none.statusCode).toBe(404);
    expect(none.json<{ error: string }>().error).toContain('has no report yet');

    // No secret key anywhere: answers, logs, events, the report.
    const everything = [
      ...h.bodies,
      ...h.logs,
      JSON.stringify(stored.events),
      reportJson.body,
      csv.body,
      html.body,
    ].join('\n');
    for (const secret of secretsOf(h.sim)) expect(everything).not.toContain(secret);
  });

  it('tells a wrong key and an unreachable Nova database apart, in words', async () => {
    const wrong = await json<Connection>(
      await h.call({
        method: 'POST',
        url: '/api/connections/eucalyptus',
        payload: {
          ec2Url: h.sim.urls.ec2,
          accessKey: h.sim.admin.accessKey,
          secretKey: 'not-the-secret-key-at-all',
        },
      }),
      201,
    );
    const refused = await json<ConnectionTest>(
      await h.call({ method: 'POST', url: `/api/connections/${wrong.id}/test` }),
      200,
    );
    expect(refused.ok).toBe(false);
    expect(refused.error?.code).toMatch(/auth|signature|credentials/i);

    const gone = await json<Connection>(
      await h.call({
        method: 'POST',
        url: '/api/connections/nova',
        payload: {
          databaseUrl: 'postgres://nova:s3cret-pass@127.0.0.1:1/nova',
          imagesPath: h.imagesPath,
        },
      }),
      201,
    );
    expect(gone.public).toMatchObject({ host: '127.0.0.1', port: 1, passwordStored: true });
    const unreachable = await h.call({ method: 'POST', url: `/api/connections/${gone.id}/test` });
    expect(unreachable.json()).toMatchObject({ ok: false });
    expect(unreachable.body).not.toContain('s3cret-pass');
  });

  it('refuses bad uploads with the reason', async () => {
    const tooBig = await h.call({
      method: 'POST',
      url: '/api/connections/eucalyptus',
      payload: { files: { eucarc: 'x'.repeat(65 * 1024) } },
    });
    expect(tooBig.statusCode).toBe(400);
    expect(tooBig.body).toContain('larger than 64 KiB');
    const notZip = await h.call({
      method: 'POST',
      url: '/api/connections/eucalyptus',
      payload: { files: { credentialsZipBase64: Buffer.from('hello').toString('base64') } },
    });
    expect(notZip.statusCode).toBe(400);
    expect(notZip.body).toContain('not a zip archive');
    const notPem = await h.call({
      method: 'POST',
      url: '/api/connections/eucalyptus',
      payload: {
        ec2Url: h.sim.urls.ec2,
        accessKey: 'AK',
        secretKey: 'SK',
        files: { cloudPkPem: 'hello' },
      },
    });
    expect(notPem.statusCode).toBe(400);
    expect(notPem.body).toContain('cloud-pk.pem is not a PEM private key');
  });
});

describe('operator actions through the API', async () => {
  // Slow image bodies, so that every images phase lasts long enough to act on.
  const h = await harness({ imageSize: 256 * 1024, slowBodyBytesPerSec: 96 * 1024 });

  const start = async (plan: PlanSummary): Promise<ApiJob> =>
    json<ApiJob>(
      await h.call({
        method: 'POST',
        url: '/api/jobs',
        payload: { planId: plan.id, fingerprint: plan.fingerprint },
      }),
      202,
    );
  const pauseInImages = async (id: string): Promise<ApiJob> => {
    await until(
      'the images phase',
      async () => {
        const j = await json<ApiJob>(await h.call({ method: 'GET', url: `/api/jobs/${id}` }), 200);
        if (j.status !== 'running' && j.status !== 'queued')
          throw new Error(`job ${id} is ${j.status} before its images phase`);
        return j.currentPhase === 'images' ? true : undefined;
      },
      60_000,
    );
    return json<ApiJob>(await h.call({ method: 'POST', url: `/api/jobs/${id}/pause` }), 200);
  };
  const matching = async (jobId: string): Promise<void> => {
    const end = await finished(h, jobId);
    expect(end.status).toBe('succeeded');
    const report = ReportSchema.parse(
      (await h.call({ method: 'GET', url: `/api/jobs/${jobId}/report.json` })).json(),
    );
    expect(report.verification.result).toBe('matching');
  };

  it('pauses a run, resumes it and finishes', async () => {
    const { plan } = await planned(h);
    const job = await start(plan);
    expect(job.runsHere).toBe(true);
    expect((await pauseInImages(job.id)).status).toBe('paused');
    const again = await h.call({ method: 'POST', url: `/api/jobs/${job.id}/pause` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'not-running' });
    await json<ApiJob>(await h.call({ method: 'POST', url: `/api/jobs/${job.id}/resume` }), 200);
    await matching(job.id);

    // A finished job has nothing to cancel and no failed item to retry.
    const cancelDone = await h.call({ method: 'POST', url: `/api/jobs/${job.id}/cancel` });
    expect(cancelDone.statusCode).toBe(409);
    const retryDone = await h.call({ method: 'POST', url: `/api/jobs/${job.id}/retry` });
    expect(retryDone.statusCode).toBe(409);
    expect(retryDone.json()).toMatchObject({ code: 'not-failed' });
  }, 180_000);

  it('cancels a paused run for good; a new job of the same plan finishes it', async () => {
    const nova = await createTestDatabase();
    const imagesPath = join(h.imagesPath, '..', 'images-2');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(imagesPath);
    const { plan } = await planned(h, { url: nova.url, imagesPath });
    const first = await start(plan);
    expect((await pauseInImages(first.id)).status).toBe('paused');
    const cancelled = await json<ApiJob>(
      await h.call({ method: 'POST', url: `/api/jobs/${first.id}/cancel` }),
      200,
    );
    expect(cancelled.status).toBe('cancelled');
    const resumeCancelled = await h.call({ method: 'POST', url: `/api/jobs/${first.id}/resume` });
    expect(resumeCancelled.statusCode).toBe(409);
    expect(resumeCancelled.json()).toMatchObject({ code: 'not-resumable' });
    await matching((await start(plan)).id);
  }, 180_000);
});
