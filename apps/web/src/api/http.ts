import type { z } from 'zod';

/** A refusal or failure of our server, with the operator-facing message it sent. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    /** The server's stable code, when it gave one (e.g. `stale-confirmation`). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The session's CSRF token, sent as `x-csrf-token` on every state-changing request. Set from the
 * session query whenever it changes, so callers never pass it around.
 */
let csrfToken: string | undefined;
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

function errorOf(body: unknown, res: Response): ApiError {
  const o = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  // The guard answers { error: 'unauthenticated', message }; other refusals { error, code }.
  const message =
    typeof o.message === 'string'
      ? o.message
      : typeof o.error === 'string'
        ? o.error
        : `The server answered ${String(res.status)} ${res.statusText}`;
  return new ApiError(message, res.status, typeof o.code === 'string' ? o.code : undefined);
}

async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  schema: z.ZodType<T>,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal: signal ?? null,
      headers: {
        accept: 'application/json',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...(method === 'POST' && csrfToken !== undefined ? { 'x-csrf-token': csrfToken } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(
      'euca2nova did not answer: check that the server is still running, then try again.',
      0,
      'unreachable',
    );
  }
  const answer: unknown = await res.json().catch(() => null);
  if (!res.ok) throw errorOf(answer, res);
  return schema.parse(answer);
}

/** GETs JSON from our server and checks it against the contract, so a mismatch fails loudly here. */
export function getJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  return request('GET', path, schema, undefined, signal);
}

/** POSTs JSON to our server, with the session's CSRF token. */
export function postJson<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
  return request('POST', path, schema, body, undefined);
}

/** `path?k=v&…` without the keys whose value is undefined or empty. */
export function withQuery(
  path: string,
  query: Readonly<Record<string, string | number | boolean | undefined>>,
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
}
