import type { ErrorInfo } from '@euca2nova/model';

const CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * An error as events and the journal carry it: a stable code and the message our own error types
 * wrote (they never include credentials). Anything else keeps only its class name and message,
 * cut short; stack traces never leave the process.
 */
export function errorInfo(e: unknown): ErrorInfo {
  const err = e instanceof Error ? e : new Error(String(e));
  const rawCode = (err as { code?: unknown }).code;
  const code =
    typeof rawCode === 'string' && CODE.test(rawCode)
      ? rawCode
      : CODE.test(err.name)
        ? err.name
        : 'error';
  const message = (err.message || err.name).replace(/\s+/g, ' ').trim().slice(0, 1900);
  return { code, message: message === '' ? 'unknown error' : message };
}

/** The reason a signal was aborted with, when it was ours ('paused', 'cancelled', 'stalled'). */
export class StopRequest extends Error {
  override readonly name = 'StopRequest';
  readonly why: 'paused' | 'cancelled' | 'shutdown';
  constructor(why: 'paused' | 'cancelled' | 'shutdown') {
    super(`stopped: ${why}`);
    this.why = why;
  }
}
