import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** The `name=value` pair of the session cookie a response set, ready for a Cookie header. */
export function sessionCookie(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === 'euca2nova_session');
  if (!cookie) throw new Error(`no session cookie in a ${String(res.statusCode)} answer`);
  return `${cookie.name}=${cookie.value}`;
}

let client = 0;

/** Sets the password when none is, else signs in with it: a session cookie and its CSRF token. */
export async function signIn(
  app: FastifyInstance,
  password = 'correct horse battery staple',
): Promise<{ cookie: string; csrfToken: string }> {
  const state = await app.inject({ method: 'GET', url: '/api/session' });
  const { passwordSet } = state.json<{ passwordSet: boolean }>();
  const res = await app.inject({
    method: 'POST',
    url: passwordSet ? '/api/session/login' : '/api/session/setup',
    payload: { password },
    // Each helper sign-in comes from its own address: the login rate limit counts per address,
    // and tests sign in more often than an operator would in a minute.
    remoteAddress: `10.0.${String(Math.floor(++client / 250))}.${String(client % 250)}`,
  });
  if (res.statusCode !== 200) throw new Error(`sign-in answered ${String(res.statusCode)}`);
  return { cookie: sessionCookie(res), csrfToken: res.json<{ csrfToken: string }>().csrfToken };
}

/** Poll `probe` until it answers something other than undefined; fail after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
