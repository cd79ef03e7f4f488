// The security drill (issue 9): the real server (apps/server/src/main.ts) in a child process, its
// state in a PostgreSQL of this drill's own, the demo Eucalyptus and demo Nova it starts itself.
//
// 1. Every route the server's OpenAPI document lists, over real HTTP: without a session -> 401
//    (except the deliberate public ones); state-changing ones with a session but cross-site
//    (foreign Origin, no or a wrong CSRF token) -> 403.
// 2. The socket.io handshake: without a session, and with a session from a foreign Origin: refused.
// 3. Secrets at rest: a whole migration through the API, then every secret value (the demo
//    admin's and users' secret keys, the Nova and state database password, the operator password,
//    the state key) searched for in the server's log output, the job events (API and table), every
//    report format, and every text, JSON and byte column of every state table but the sealed ones.
//
//   npm run drill:security -w @euca2nova/bench
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io } from 'socket.io-client';
import { ensureDatabase, startEmbeddedPostgres } from '@euca2nova/state';
import { emitSection, plain, verdictOf, type Figure } from '../lib/results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PORT = Number(process.env.DRILL_PORT ?? 31241);
const PASSWORD = 'security drill operator password';

/**
 * The routes a caller without a session may use (apps/server/src/plugins/auth.ts PUBLIC_ROUTES):
 * the first page must learn whether to sign in, and sign in; load balancers probe health.
 */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /api/session',
  'POST /api/session/login',
  'POST /api/session/setup',
]);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ANY_UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const FOREIGN = 'https://evil.example';

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'drill-security-'));
  await chmod(work, 0o755);
  const pgServer = await startEmbeddedPostgres({ dataDir: join(work, 'pg') });
  let server: ChildProcess | undefined;
  let log = '';
  try {
    await ensureDatabase(pgServer.adminUrl, 'state');
    const stateUrl = pgServer.urlFor('state');
    server = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/server/src/main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(PORT),
        HOST: '127.0.0.1',
        DATABASE_URL: stateUrl,
        EUCA2NOVA_DATA_DIR: join(work, 'data'),
        EUCA2NOVA_DEMO: 'on',
        EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    server.stderr?.on('data', (c: Buffer) => (log += c.toString('utf8')));
    const base = `http://127.0.0.1:${String(PORT)}`;
    for (let t = Date.now(); !/euca2nova is running at/.test(log);) {
      if (Date.now() - t > 120_000 || server.exitCode !== null)
        throw new Error(`the server did not start:\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    // Signed in as a browser would be.
    const login = await fetch(`${base}/api/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ password: PASSWORD }),
    });
    if (login.status !== 200) throw new Error(`sign-in answered ${String(login.status)}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = { cookie, 'x-csrf-token': csrfToken, origin: base },
    ): Promise<Response> =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    // ---- 1. every route, from the server's own OpenAPI document
    const doc = (await (await call('GET', '/api/docs/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes: { method: string; path: string }[] = [];
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops))
        routes.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, ANY_UUID) });
    // The document hides itself (schema.hide); the guard covers it like all of /api.
    routes.push(
      { method: 'GET', path: '/api/docs/openapi.json' },
      { method: 'GET', path: '/api/docs' },
    );
    const keyOf = (r: { method: string; path: string }): string =>
      `${r.method} ${r.path.replace(ANY_UUID, ':id').replace(ANY_UUID, ':id')}`;
    const guarded = routes.filter((r) => !PUBLIC.has(keyOf(r)));
    const unauthAccepted: string[] = [];
    for (const r of guarded) {
      const res = await call(r.method, r.path, STATE_CHANGING.has(r.method) ? {} : undefined, {});
      if (res.status !== 401) unauthAccepted.push(`${keyOf(r)} answered ${String(res.status)}`);
    }
    const changing = guarded.filter((r) => STATE_CHANGING.has(r.method));
    const crossAccepted: string[] = [];
    for (const r of changing)
      for (const token of [undefined, `${csrfToken.slice(0, -2)}xx`]) {
        const res = await call(
          r.method,
          r.path,
          {},
          {
            cookie,
            origin: FOREIGN,
            ...(token === undefined ? {} : { 'x-csrf-token': token }),
          },
        );
        if (res.status !== 403)
          crossAccepted.push(
            `${keyOf(r)} ${token === undefined ? 'without' : 'with a wrong'} token: ${String(res.status)}`,
          );
      }
    // The public sign-in routes refuse a foreign Origin too (they run before there is a token).
    for (const path of ['/api/session/login', '/api/session/setup']) {
      const res = await call('POST', path, { password: PASSWORD }, { origin: FOREIGN });
      if (res.status !== 403)
        crossAccepted.push(`POST ${path} from ${FOREIGN}: ${String(res.status)}`);
    }
    const crossProbes = changing.length * 2 + 2;

    // ---- 2. the socket.io handshake
    const handshake = (headers: Record<string, string>): Promise<string> =>
      new Promise((resolve) => {
        const s = io(base, {
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
          extraHeaders: headers,
        });
        const done = (v: string): void => {
          s.disconnect();
          resolve(v);
        };
        s.on('connect', () => {
          done('connected');
        });
        s.on('connect_error', (e) => {
          done(`refused (${e.message})`);
        });
        setTimeout(() => {
          done('no answer');
        }, 10_000);
      });
    const socketChecks = [
      { name: 'no session', want: false, got: await handshake({}) },
      {
        name: 'forged cookie',
        want: false,
        got: await handshake({ cookie: 'euca2nova_session=forged.x' }),
      },
      {
        name: 'session, foreign Origin',
        want: false,
        got: await handshake({ cookie, origin: FOREIGN }),
      },
      {
        name: 'session, same host other port',
        want: false,
        got: await handshake({ cookie, origin: `http://127.0.0.1:${String(PORT + 1)}` }),
      },
      {
        name: 'session, own Origin (control)',
        want: true,
        got: await handshake({ cookie, origin: base }),
      },
    ];
    const socketBad = socketChecks.filter((c) => (c.got === 'connected') !== c.want);

    // ---- 3. a whole migration through the API, then the secrets at rest
    const json = async <T>(res: Promise<Response>, status: number): Promise<T> => {
      const r = await res;
      const text = await r.text();
      if (r.status !== status)
        throw new Error(`${r.url} answered ${String(r.status)}: ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    };
    const demo = await json<{ eucalyptus: { id: string }; nova: { id: string } }>(
      call('POST', '/api/connections/demo'),
      201,
    );
    const waitJob = async (id: string): Promise<{ status: string; inventoryId?: string }> => {
      for (const t = Date.now(); Date.now() - t < 240_000;) {
        const j = await json<{ status: string; inventoryId?: string }>(
          call('GET', `/api/jobs/${id}`),
          200,
        );
        if (['succeeded', 'failed', 'cancelled'].includes(j.status)) return j;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`job ${id} did not finish`);
    };
    await json(call('POST', `/api/connections/${demo.nova.id}/initialise`), 200);
    const discovery = await json<{ id: string }>(
      call('POST', '/api/discoveries', { connectionId: demo.eucalyptus.id }),
      202,
    );
    const discovered = await waitJob(discovery.id);
    if (discovered.status !== 'succeeded' || discovered.inventoryId === undefined)
      throw new Error(`discovery ${discovered.status}`);
    let plan = await json<{
      id: string;
      fingerprint: string;
      findings: { key: string; severity: string; acknowledged?: boolean }[];
    }>(
      call('POST', '/api/plans', {
        inventoryId: discovered.inventoryId,
        targetConnectionId: demo.nova.id,
        selection: {},
      }),
      201,
    );
    const warnings = plan.findings.filter(
      (f) => f.severity === 'warning' && f.acknowledged !== true,
    );
    if (warnings.length > 0)
      plan = await json(
        call('POST', `/api/plans/${plan.id}/acknowledgements`, {
          findingKeys: warnings.map((w) => w.key),
        }),
        200,
      );
    const job = await json<{ id: string }>(
      call('POST', '/api/jobs', { planId: plan.id, fingerprint: plan.fingerprint }),
      202,
    );
    const ran = await waitJob(job.id);

    // The secret values.
    const eucarcPath = /its eucarc: ([^)\s]+)\)/.exec(log)?.[1];
    if (eucarcPath === undefined) throw new Error('the server did not name the demo eucarc');
    const eucarc = await readFile(eucarcPath, 'utf8');
    const secrets = new Map<string, string>();
    const adminSecret = /^export EC2_SECRET_KEY='?([^'\n]+)'?$/m.exec(eucarc)?.[1];
    if (adminSecret) secrets.set('demo admin secret key', adminSecret);
    const scenario = JSON.parse(
      await readFile(join(dirname(eucarcPath), 'scenario.json'), 'utf8').catch(() => '{}'),
    ) as unknown;
    let n = 0;
    JSON.stringify(scenario, (k, v: unknown) => {
      if (
        /secret/i.test(k) &&
        typeof v === 'string' &&
        v.length >= 8 &&
        ![...secrets.values()].includes(v)
      )
        secrets.set(`user secret key #${String(++n)}`, v);
      return v;
    });
    const dbPassword = decodeURIComponent(new URL(pgServer.adminUrl).password);
    if (dbPassword !== '') secrets.set('Nova and state database password', dbPassword);
    secrets.set('operator password', PASSWORD);
    const stateKey = await readFile(join(work, 'data', 'state.key'), 'utf8').catch(() => '');
    if (stateKey.trim().length >= 16) secrets.set('state key', stateKey.trim());

    // The places.
    const places = new Map<string, string>();
    const allEvents = async (id: string): Promise<string> => {
      const pages: unknown[] = [];
      for (let after = 0; ;) {
        const page = await json<{ events: { seq: number }[]; lastSeq: number }>(
          call('GET', `/api/jobs/${id}/events?afterSeq=${String(after)}&limit=5000`),
          200,
        );
        pages.push(page.events);
        const last = page.events.at(-1)?.seq;
        if (last === undefined || last >= page.lastSeq) break;
        after = last;
      }
      return JSON.stringify(pages);
    };
    places.set('job events (API)', await allEvents(job.id));
    places.set('discovery events (API)', await allEvents(discovery.id));
    for (const format of ['json', 'html', 'csv', 'pdf']) {
      const r = await call('GET', `/api/jobs/${job.id}/report.${format}`);
      places.set(
        `report.${format} (${String(r.status)})`,
        Buffer.from(await r.arrayBuffer()).toString('latin1'),
      );
    }
    for (const path of [
      '/api/connections',
      `/api/inventories/${discovered.inventoryId}`,
      `/api/plans/${plan.id}`,
      `/api/jobs/${job.id}`,
    ])
      places.set(`GET ${path}`, await (await call('GET', path)).text());
    const client = new pg.Client({ connectionString: stateUrl });
    await client.connect();
    const skipped: string[] = [];
    try {
      const cols = await client.query<{
        table_name: string;
        column_name: string;
        data_type: string;
      }>(
        `SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')
          ORDER BY table_name, ordinal_position`,
      );
      for (const c of cols.rows) {
        // Sealed columns hold AES-GCM ciphertext of the secrets on purpose: searching them would
        // only prove the sealing works, which packages/state tests.
        if (/sealed/i.test(c.column_name)) {
          skipped.push(`${c.table_name}.${c.column_name}`);
          continue;
        }
        const q = (id: string): string => `"${id.replace(/"/g, '""')}"`;
        const expr =
          c.data_type === 'bytea'
            ? `encode(${q(c.column_name)}, 'escape')`
            : `${q(c.column_name)}::text`;
        const r = await client.query<{ v: string | null }>(
          `SELECT ${expr} AS v FROM ${q(c.table_name)}`,
        );
        places.set(
          `state ${c.table_name}.${c.column_name}`,
          r.rows.map((x) => x.v ?? '').join('\n'),
        );
      }
    } finally {
      await client.end();
    }
    places.set('server log output', log);
    // Positive control: the admin's access key id (not a secret, shown on purpose) is found, so
    // the search does see into these places.
    const accessKey = /^export EC2_ACCESS_KEY='?([^'\n]+)'?$/m.exec(eucarc)?.[1] ?? '(none)';
    const controlFound = [...places.values()].filter((t) => t.includes(accessKey)).length;
    const hits: string[] = [];
    for (const [what, value] of secrets)
      for (const [where, text] of places)
        if (text.includes(value)) hits.push(`${what} in ${where}`);

    const figures: Figure[] = [
      plain('routes', 'routes probed (from the OpenAPI document, plus the document itself)', {
        value: routes.length,
        unit: 'count',
      }),
      plain(
        'unauth.refused',
        'non-public routes refused without a session (401)',
        { value: guarded.length - unauthAccepted.length, unit: 'count' },
        {
          text: `all ${String(guarded.length)}`,
          pass: unauthAccepted.length === 0,
        },
      ),
      plain(
        'cross-site.refused',
        'cross-site state-changing requests refused (403)',
        { value: crossProbes - crossAccepted.length, unit: 'count' },
        {
          text: `all ${String(crossProbes)}`,
          pass: crossAccepted.length === 0,
        },
      ),
      plain(
        'socket',
        'socket.io handshakes answered as they must',
        { value: socketChecks.length - socketBad.length, unit: 'count' },
        {
          text: `all ${String(socketChecks.length)}`,
          pass: socketBad.length === 0,
        },
      ),
      plain(
        'migration',
        'the migration through the API succeeded',
        { value: ran.status === 'succeeded' ? 1 : 0, unit: 'count' },
        {
          text: '1 (secrets were there to leak)',
          pass: ran.status === 'succeeded',
        },
      ),
      plain(
        'secrets.searched',
        `secret values × places searched (${String(secrets.size)} × ${String(places.size)})`,
        {
          value: secrets.size * places.size,
          unit: 'count',
        },
      ),
      plain(
        'search.control',
        'places where the admin access key id (public) is found: the search sees in',
        { value: controlFound, unit: 'count' },
        { text: '≥ 1', pass: controlFound >= 1 },
      ),
      plain(
        'secrets.hits',
        'secret values found',
        { value: hits.length, unit: 'count' },
        { text: '0', pass: hits.length === 0 && secrets.size >= 4 },
      ),
    ];
    await emitSection({
      name: 'security-drill',
      kind: 'drill',
      title: 'Security: sessions, cross-site requests, the socket and secrets at rest',
      setup: {
        server:
          'apps/server/src/main.ts in a child process, EUCA2NOVA_DEMO=on, external state PostgreSQL',
        'public routes': [...PUBLIC].join(', '),
        'secrets searched': [...secrets.keys()].join(', '),
      },
      figures,
      notes: [
        ...unauthAccepted.map((s) => `not refused without a session: ${s}`),
        ...crossAccepted.map((s) => `not refused cross-site: ${s}`),
        ...socketChecks.map((c) => `socket, ${c.name}: ${c.got}`),
        ...hits.map((h) => `SECRET FOUND: ${h}`),
        `state columns skipped (sealed ciphertext): ${skipped.join(', ') || 'none'}`,
        'The PDF is searched as its raw bytes; text in compressed streams would not be seen.',
      ],
      verdict: verdictOf(figures),
    });
  } finally {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => {
        server?.once('exit', r);
        setTimeout(r, 15_000);
      });
    }
    await pgServer.stop();
    if (process.env.DRILL_KEEP === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
