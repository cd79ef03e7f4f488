import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { sessionCookie, signIn } from './session-helpers.ts';

const PASSWORD = 'a long operator password';
const quiet = () => undefined;

interface Started {
  app: FastifyInstance;
  runtime: Runtime;
  logs: string[];
}

async function start(
  env: Record<string, string> = {},
  options: { trustProxy?: boolean; webRoot?: string } = {},
): Promise<Started> {
  const db = await createTestDatabase();
  const runtime = await startRuntime(
    loadConfig({ DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off', ...env }),
    quiet,
  );
  const logs: string[] = [];
  const app = await buildApp({
    // Every line the server would write, to prove none carries the password or its hash.
    config: { logLevel: 'trace', trustProxy: options.trustProxy ?? false },
    runtime,
    logStream: { write: (line) => void logs.push(line) },
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
  });
  return { app, runtime, logs };
}

async function stop({ app, runtime }: Started): Promise<void> {
  await app.close();
  await runtime.stop();
}

async function storedHash(runtime: Runtime): Promise<string> {
  const { rows } = await runtime.stateDb.pool.query<{ password_hash: string }>(
    'SELECT password_hash FROM operator',
  );
  return rows[0]?.password_hash ?? '';
}

describe('operator sign-in', async () => {
  const webRoot = await mkdtemp(join(tmpdir(), 'euca2nova-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>wizard</title>');
  const started = await start({}, { webRoot });
  const { app, runtime, logs } = started;
  const bodies: string[] = [];
  // Every answer this suite gets, to prove none carries the password or its hash.
  const inject = async (opts: InjectOptions): Promise<LightMyRequestResponse> => {
    const res = await app.inject(opts);
    bodies.push(res.body, JSON.stringify(res.headers));
    return res;
  };
  app.post('/api/test-action', () => ({ done: true }));
  afterAll(async () => {
    await stop(started);
    await rm(webRoot, { recursive: true, force: true });
  });

  it('starts with no password and nobody signed in', async () => {
    const res = await inject({ method: 'GET', url: '/api/session' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ passwordSet: false, signedIn: false });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('refuses every API route and an unknown one without a session', async () => {
    for (const [method, url] of [
      ['GET', '/api/status'],
      ['GET', '/api/nothing-here'],
      ['GET', '/API/status'],
      ['GET', '//api/status'],
      ['GET', '/%61pi/status'],
      ['GET', '/api/%73tatus'],
      ['GET', '/api/status/'],
      ['HEAD', '/api/status'],
      ['POST', '/api/test-action'],
      ['POST', '/api/session/logout'],
      ['GET', '/socket.io/?EIO=4&transport=polling'],
    ] as const) {
      const res = await inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      if (method === 'HEAD') continue;
      expect(res.json()).toEqual({
        error: 'unauthenticated',
        message: 'Sign in to euca2nova first.',
      });
    }
  });

  it('refuses a password shorter than 12 characters at setup', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/session/setup',
      payload: { password: 'short' },
    });
    expect(res.statusCode).toBe(400);
    expect(await storedHash(runtime)).toBe('');
  });

  it('refuses a setup or login sent by another site', async () => {
    for (const url of ['/api/session/setup', '/api/session/login']) {
      const res = await inject({
        method: 'POST',
        url,
        headers: { origin: 'https://evil.example' },
        payload: { password: PASSWORD },
      });
      expect(res.statusCode, url).toBe(403);
    }
    expect(await storedHash(runtime)).toBe('');
  });

  it('refuses a setup sent as a form (only JSON is accepted)', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/session/setup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(res.statusCode).toBe(415);
  });

  it('sets the password once, signs in with a strict httpOnly cookie, then refuses a second setup', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/session/setup',
      payload: { password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ passwordSet: true, signedIn: true });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^euca2nova_session=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toMatch(/Expires=/);
    // Plain HTTP: a Secure cookie would never come back.
    expect(setCookie).not.toContain('Secure');
    expect(await storedHash(runtime)).toMatch(/^scrypt\$/);

    const again = await inject({
      method: 'POST',
      url: '/api/session/setup',
      payload: { password: 'somebody elses password' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'password-already-set' });
  });

  it('refuses a wrong password with 401 and no cookie', async () => {
    const res = await inject({
      method: 'POST',
      url: '/api/session/login',
      payload: { password: 'not the password at all' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'wrong-password' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers /api/status with a session and not without', async () => {
    const { cookie, csrfToken } = await signIn(app, PASSWORD);
    expect(csrfToken).toMatch(/\S{10,}/);
    expect((await inject({ method: 'GET', url: '/api/status' })).statusCode).toBe(401);
    const res = await inject({ method: 'GET', url: '/api/status', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const state = await inject({ method: 'GET', url: '/api/session', headers: { cookie } });
    expect(state.json()).toMatchObject({ passwordSet: true, signedIn: true });
    expect(await app.isAuthenticated(cookie)).toBe(true);
    expect(await app.isAuthenticated(undefined)).toBe(false);
    expect(await app.isAuthenticated('euca2nova_session=forged.value')).toBe(false);
  });

  it('refuses a state-changing request without the CSRF token, or with a wrong one', async () => {
    const { cookie, csrfToken } = await signIn(app, PASSWORD);
    const none = await inject({ method: 'POST', url: '/api/test-action', headers: { cookie } });
    expect(none.statusCode).toBe(403);
    const wrong = await inject({
      method: 'POST',
      url: '/api/test-action',
      headers: { cookie, 'x-csrf-token': `${csrfToken}x` },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await inject({
      method: 'POST',
      url: '/api/test-action',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ done: true });
  });

  it('does not accept a token from another session', async () => {
    const first = await signIn(app, PASSWORD);
    const second = await signIn(app, PASSWORD);
    const res = await inject({
      method: 'POST',
      url: '/api/test-action',
      headers: { cookie: second.cookie, 'x-csrf-token': first.csrfToken },
    });
    expect(res.statusCode).toBe(403);
  });

  it('ends the session at logout, on the server and in the browser', async () => {
    const { cookie, csrfToken } = await signIn(app, PASSWORD);
    const refused = await inject({
      method: 'POST',
      url: '/api/session/logout',
      headers: { cookie },
    });
    expect(refused.statusCode).toBe(403);
    const res = await inject({
      method: 'POST',
      url: '/api/session/logout',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ signedIn: false });
    expect(String(res.headers['set-cookie'])).toMatch(
      /euca2nova_session=;.*Expires=Thu, 01 Jan 1970/,
    );
    // A copy of the old cookie is worthless: the session is gone from the store.
    expect(
      (await inject({ method: 'GET', url: '/api/status', headers: { cookie } })).statusCode,
    ).toBe(401);
    expect(await app.isAuthenticated(cookie)).toBe(false);
  });

  it('sends a strict CSP and the other helmet headers on the wizard and the API', async () => {
    for (const url of ['/', '/some/wizard/step', '/api/session', '/api/status', '/healthz']) {
      const res = await inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
  });

  it('never shows the password or its hash in an answer or a log line', async () => {
    const hash = await storedHash(runtime);
    const salt = hash.split('$')[4] ?? 'no-salt';
    const everything = [...bodies, ...logs].join('\n');
    expect(logs.length).toBeGreaterThan(10);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(salt);
    expect(everything).not.toContain(hash.split('$')[5] ?? 'no-hash');
  });
});

describe('sign-in attempts', () => {
  it('are limited to 5 a minute from one address, with a clear 429', async () => {
    const started = await start({ EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await started.app.inject({
          method: 'POST',
          url: '/api/session/login',
          payload: { password: `guess number ${String(i)}` },
        });
        expect(res.statusCode).toBe(401);
      }
      const res = await started.app.inject({
        method: 'POST',
        url: '/api/session/login',
        payload: { password: PASSWORD },
      });
      expect(res.statusCode).toBe(429);
      expect(res.json<{ error: string }>().error).toMatch(
        /^Too many sign-in attempts: wait 1 minute/,
      );
      expect(res.headers['set-cookie']).toBeUndefined();
      // Another address is not held back by the first one's guesses.
      const other = await started.app.inject({
        method: 'POST',
        url: '/api/session/login',
        remoteAddress: '10.1.2.3',
        payload: { password: PASSWORD },
      });
      expect(other.statusCode).toBe(200);
    } finally {
      await stop(started);
    }
  });
});

describe('a password from configuration', () => {
  it('is the operator password, and the browser cannot set another', async () => {
    const started = await start({ EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD });
    try {
      const state = await started.app.inject({ method: 'GET', url: '/api/session' });
      expect(state.json()).toEqual({ passwordSet: true, signedIn: false });
      const setup = await started.app.inject({
        method: 'POST',
        url: '/api/session/setup',
        payload: { password: 'another long password' },
      });
      expect(setup.statusCode).toBe(409);
      const { cookie } = await signIn(started.app, PASSWORD);
      const res = await started.app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { cookie },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await stop(started);
    }
  });
});

describe('behind a TLS reverse proxy', () => {
  it('marks the session cookie Secure when the proxy says the request came over HTTPS', async () => {
    const started = await start({ EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD }, { trustProxy: true });
    try {
      const res = await started.app.inject({
        method: 'POST',
        url: '/api/session/login',
        headers: { 'x-forwarded-proto': 'https', host: 'euca2nova.example' },
        payload: { password: PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      expect(String(res.headers['set-cookie'])).toContain('Secure');
      expect(sessionCookie(res)).toMatch(/^euca2nova_session=/);
    } finally {
      await stop(started);
    }
  });
});

describe('a session', () => {
  it('is refused once its row has expired, and a changed configured password ends every one', async () => {
    const db = await createTestDatabase();
    const config = { DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off', LOG_LEVEL: 'silent' };
    let runtime = await startRuntime(
      loadConfig({ ...config, EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD }),
      quiet,
    );
    let app = await buildApp({ config: { logLevel: 'silent' }, runtime });
    try {
      const expiring = await signIn(app, PASSWORD);
      await runtime.stateDb.pool.query(
        `UPDATE sessions SET expires_at = now() - interval '1 second'`,
      );
      expect(await app.isAuthenticated(expiring.cookie)).toBe(false);

      const { cookie } = await signIn(app, PASSWORD);
      await app.close();
      await runtime.stop();
      // A restart with the same password keeps the session (the cookie key is in the database).
      runtime = await startRuntime(
        loadConfig({ ...config, EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD }),
        quiet,
      );
      app = await buildApp({ config: { logLevel: 'silent' }, runtime });
      expect(await app.isAuthenticated(cookie)).toBe(true);
      await app.close();
      await runtime.stop();

      runtime = await startRuntime(
        loadConfig({ ...config, EUCA2NOVA_OPERATOR_PASSWORD: 'a brand new long password' }),
        quiet,
      );
      app = await buildApp({ config: { logLevel: 'silent' }, runtime });
      expect(await app.isAuthenticated(cookie)).toBe(false);
      await expect(signIn(app, PASSWORD)).rejects.toThrow('sign-in answered 401');
      await signIn(app, 'a brand new long password');
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
});
