// The socket.io handshake as the server wires it: refused without a signed-in session, accepted
// with the session cookie the sign-in route set.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase } from '@euca2nova/state/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { startRuntime, type Runtime } from '../src/runtime.ts';
import { signIn } from './session-helpers.ts';

describe('the progress handshake with real sessions', () => {
  let app: FastifyInstance;
  let runtime: Runtime;
  let url: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    const db = await createTestDatabase();
    runtime = await startRuntime(
      loadConfig({ DATABASE_URL: db.url, EUCA2NOVA_DEMO: 'off' }),
      () => undefined,
    );
    app = await buildApp({
      config: { logLevel: 'silent', trustProxy: false },
      runtime,
      progress: {},
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await app.close();
    await runtime.stop();
  });

  // 'connected', or the reason the handshake was refused.
  const attempt = (cookie?: string, origin?: string): Promise<string> =>
    new Promise((resolve) => {
      const s = io(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        extraHeaders: {
          ...(cookie === undefined ? {} : { cookie }),
          ...(origin === undefined ? {} : { origin }),
        },
      });
      sockets.push(s);
      s.on('connect', () => {
        resolve('connected');
      });
      s.on('connect_error', (e) => {
        resolve(e.message);
      });
    });

  it('refuses a client without a session and one with a forged cookie', async () => {
    expect(await attempt()).not.toBe('connected');
    expect(await attempt('euca2nova_session=forged.value')).not.toBe('connected');
  });

  it('accepts the session cookie of a signed-in operator', async () => {
    const { cookie } = await signIn(app);
    expect(await attempt(cookie)).toBe('connected');
    expect(await attempt(cookie, new URL(url).origin)).toBe('connected');
  });

  it('refuses a signed-in session from a page of another origin (cross-site WebSocket hijacking)', async () => {
    const { cookie } = await signIn(app);
    const port = Number(new URL(url).port);
    // Another port of the same host is the same site: the SameSite cookie would go along.
    expect(await attempt(cookie, `http://127.0.0.1:${String(port + 1)}`)).not.toBe('connected');
    expect(await attempt(cookie, 'https://evil.example')).not.toBe('connected');
    expect(await attempt(cookie, 'null')).not.toBe('connected');
  });
});
