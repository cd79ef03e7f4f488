import type { z } from 'zod';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** GETs JSON from our server and checks it against the contract, so a mismatch fails loudly here. */
export async function getJson<T>(
  path: string,
  schema: z.ZodType<T>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await fetch(path, {
    signal: signal ?? null,
    headers: { accept: 'application/json' },
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message =
      body && typeof body === 'object' && 'error' in body && typeof body.error === 'string'
        ? body.error
        : `The server answered ${res.status} ${res.statusText}`;
    throw new ApiError(message, res.status);
  }
  return schema.parse(body);
}

/**
 * POSTs JSON to our server. The CSRF token is required by every state-changing route once signed
 * in; the server binds it to the session.
 */
export async function postJson<T>(
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
  csrfToken?: string,
): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}),
    },
    body: JSON.stringify(body),
  });
  const answer: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message =
      answer &&
      typeof answer === 'object' &&
      'message' in answer &&
      typeof answer.message === 'string'
        ? answer.message
        : answer &&
            typeof answer === 'object' &&
            'error' in answer &&
            typeof answer.error === 'string'
          ? answer.error
          : `The server answered ${res.status} ${res.statusText}`;
    throw new ApiError(message, res.status);
  }
  return schema.parse(answer);
}
