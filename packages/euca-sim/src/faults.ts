import { Transform, type TransformCallback } from 'node:stream';
import { Rng } from './rand.ts';

export type Endpoint = 'ec2' | 'walrus' | 'euare' | 'accounts' | 'properties';

/** Faults to inject. All are off by default; rates are fractions of requests in [0, 1]. */
export interface FaultConfig {
  /** Added delay before answering, per endpoint, in milliseconds. */
  latencyMs?: Partial<Record<Endpoint, number>>;
  /** Fraction of requests answered with a server error (alternating 500 and 503). */
  errorRate?: number;
  /** Fraction of requests answered with throttling (`RequestLimitExceeded`, S3 `SlowDown`). */
  throttleRate?: number;
  /** Endpoints the error and throttle rates apply to (all when absent). */
  endpoints?: Endpoint[];
  /** Answer the next N requests (to the `endpoints`) with a server error, then heal: deterministic drills. */
  errorCount?: number;
  /** Walrus object bodies: reset the connection after this many bytes of body. */
  resetAfterBytes?: number;
  /** Cut only this many bodies, then heal (every body when absent). */
  resetCount?: number;
  /**
   * Fraction of Walrus object bodies cut at a random point (seeded): the flaky network a drill
   * needs, where `resetAfterBytes` cuts every body at the same byte.
   */
  resetRate?: number;
  /** Walrus object bodies: send at most this many bytes per second. */
  slowBodyBytesPerSec?: number;
  /** GetDecryptedImage: the assembly fails once `assemblyTimeoutMs` has passed (404 NoSuchEntity, "caching failure"). */
  assemblyFailure?: boolean;
  /** How long a failing assembly blocks before it gives up (default: the assembly time). */
  assemblyTimeoutMs?: number;
}

export type FaultDecision = 'error500' | 'error503' | 'throttle' | undefined;

/** Holds the fault configuration and draws the per-request decisions from a seeded stream. */
export class FaultController {
  private config: FaultConfig;
  private readonly rng: Rng;
  /** Bodies draw from a stream of their own, so requests answered meanwhile do not shift them. */
  private readonly bodyRng: Rng;
  private flip = false;
  /** Counters of injected faults, for tests. */
  readonly injected = { error500: 0, error503: 0, throttle: 0, reset: 0, assemblyFailure: 0 };

  constructor(seed: string, initial: FaultConfig = {}) {
    this.config = { ...initial };
    this.rng = new Rng(seed, 'faults');
    this.bodyRng = new Rng(seed, 'faults-body');
  }

  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Merge a partial configuration (a `null` member clears that setting). */
  set(patch: Partial<Record<keyof FaultConfig, unknown>>): FaultConfig {
    const merged: Record<string, unknown> = { ...this.config, ...patch };
    const next = Object.fromEntries(
      Object.entries(merged).filter(([, v]) => v !== null && v !== undefined),
    );
    this.config = validateFaults(next);
    return this.get();
  }

  reset(): void {
    this.config = {};
  }

  latency(endpoint: Endpoint): number {
    return this.config.latencyMs?.[endpoint] ?? 0;
  }

  decide(endpoint: Endpoint): FaultDecision {
    const c = this.config;
    if (c.endpoints && !c.endpoints.includes(endpoint)) return undefined;
    if ((c.throttleRate ?? 0) > 0 && this.rng.next() < (c.throttleRate ?? 0)) {
      this.injected.throttle++;
      return 'throttle';
    }
    const counted = (c.errorCount ?? 0) > 0;
    if (counted) c.errorCount = (c.errorCount ?? 1) - 1;
    if (counted || ((c.errorRate ?? 0) > 0 && this.rng.next() < (c.errorRate ?? 0))) {
      this.flip = !this.flip;
      if (this.flip) {
        this.injected.error500++;
        return 'error500';
      }
      this.injected.error503++;
      return 'error503';
    }
    return undefined;
  }

  /**
   * A transform for a Walrus body that slows it and/or cuts the connection partway. `length` is the
   * body's size when known; a `resetRate` cut falls strictly inside it (at least one byte sent, at
   * least one byte missing), or within the first MiB when the size is unknown (a gzip stream).
   */
  bodyTransform(onReset: () => void, length?: number): Transform | undefined {
    const c = this.config;
    const { slowBodyBytesPerSec } = c;
    const counted = c.resetCount === undefined || c.resetCount > 0 ? c.resetAfterBytes : undefined;
    let drawn: number | undefined;
    if ((c.resetRate ?? 0) > 0 && this.bodyRng.next() < (c.resetRate ?? 0)) {
      const span = length !== undefined && length > 1 ? length - 1 : 1024 * 1024;
      drawn = 1 + this.bodyRng.int(span);
    }
    const resetAfterBytes =
      counted === undefined ? drawn : drawn === undefined ? counted : Math.min(counted, drawn);
    // Only a cut made by `resetAfterBytes` uses up `resetCount`.
    const byCount = counted !== undefined && resetAfterBytes === counted;
    if (resetAfterBytes === undefined && slowBodyBytesPerSec === undefined) return undefined;
    let sent = 0;
    const started = Date.now();
    const injected = this.injected;
    return new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        let out = chunk;
        if (resetAfterBytes !== undefined && sent + out.length >= resetAfterBytes) {
          out = out.subarray(0, Math.max(0, resetAfterBytes - sent));
          sent += out.length;
          this.push(out);
          injected.reset++;
          if (byCount && c.resetCount !== undefined) c.resetCount--;
          // Let the partial chunk reach the socket, then cut the connection.
          setTimeout(onReset, 20);
          return;
        }
        sent += out.length;
        if (slowBodyBytesPerSec !== undefined && slowBodyBytesPerSec > 0) {
          const due = started + (sent / slowBodyBytesPerSec) * 1000;
          const wait = due - Date.now();
          if (wait > 0) {
            setTimeout(() => {
              done(null, out);
            }, wait);
            return;
          }
        }
        done(null, out);
      },
    });
  }
}

function rate(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new Error(`${name} must be a number in [0, 1]`);
  return v;
}

function nonNegative(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${name} must be a non-negative number`);
  return v;
}

const ENDPOINTS: readonly Endpoint[] = ['ec2', 'walrus', 'euare', 'accounts', 'properties'];

/** Check an untrusted fault configuration (from flags or the control endpoint). */
export function validateFaults(input: unknown): FaultConfig {
  if (typeof input !== 'object' || input === null) throw new Error('faults must be an object');
  const o = input as Record<string, unknown>;
  const known = new Set([
    'latencyMs',
    'errorRate',
    'throttleRate',
    'endpoints',
    'resetAfterBytes',
    'errorCount',
    'resetCount',
    'resetRate',
    'slowBodyBytesPerSec',
    'assemblyFailure',
    'assemblyTimeoutMs',
  ]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new Error(`unknown fault setting ${k}`);
  const out: FaultConfig = {};
  if (o['latencyMs'] !== undefined) {
    if (typeof o['latencyMs'] !== 'object' || o['latencyMs'] === null)
      throw new Error('latencyMs must be an object');
    const lat: Partial<Record<Endpoint, number>> = {};
    for (const [k, v] of Object.entries(o['latencyMs'])) {
      if (!ENDPOINTS.includes(k as Endpoint)) throw new Error(`unknown endpoint ${k}`);
      lat[k as Endpoint] = nonNegative(v, `latencyMs.${k}`) ?? 0;
    }
    out.latencyMs = lat;
  }
  const er = rate(o['errorRate'], 'errorRate');
  if (er !== undefined) out.errorRate = er;
  const tr = rate(o['throttleRate'], 'throttleRate');
  if (tr !== undefined) out.throttleRate = tr;
  if (o['endpoints'] !== undefined) {
    if (
      !Array.isArray(o['endpoints']) ||
      !o['endpoints'].every((e) => ENDPOINTS.includes(e as Endpoint))
    ) {
      throw new Error(`endpoints must be a list of ${ENDPOINTS.join(', ')}`);
    }
    out.endpoints = o['endpoints'] as Endpoint[];
  }
  const ec = nonNegative(o['errorCount'], 'errorCount');
  if (ec !== undefined) out.errorCount = Math.floor(ec);
  const rc = nonNegative(o['resetCount'], 'resetCount');
  if (rc !== undefined) out.resetCount = Math.floor(rc);
  const rr = rate(o['resetRate'], 'resetRate');
  if (rr !== undefined) out.resetRate = rr;
  const rb = nonNegative(o['resetAfterBytes'], 'resetAfterBytes');
  if (rb !== undefined) out.resetAfterBytes = rb;
  const sb = nonNegative(o['slowBodyBytesPerSec'], 'slowBodyBytesPerSec');
  if (sb !== undefined) out.slowBodyBytesPerSec = sb;
  if (o['assemblyFailure'] !== undefined) {
    if (typeof o['assemblyFailure'] !== 'boolean')
      throw new Error('assemblyFailure must be a boolean');
    out.assemblyFailure = o['assemblyFailure'];
  }
  const at = nonNegative(o['assemblyTimeoutMs'], 'assemblyTimeoutMs');
  if (at !== undefined) out.assemblyTimeoutMs = at;
  return out;
}
