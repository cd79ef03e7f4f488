import {
  InventorySchema,
  JobEventSchema,
  PlanSchema,
  ReportSchema,
  canTransitionJob,
  isFinalJobStatus,
  stripInventorySecrets,
  userKey,
  type ErrorInfo,
  type Inventory,
  type JobEvent,
  type JobEventBody,
  type JobPhase,
  type JobStatus,
  type JobType,
  type Plan,
  type Report,
  type StepRecord,
  type StepResult,
  type StepStatus,
  type StepWrite,
} from '@euca2nova/model';
import pg from 'pg';
import type { StateKey } from './secrets.ts';

/** A guarded change found the row in another state (someone else moved it first). */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class StateNotFoundError extends Error {
  override readonly name = 'StateNotFoundError';
}

export interface JobRecord {
  readonly id: string;
  readonly type: JobType;
  readonly status: JobStatus;
  readonly spec: Record<string, unknown>;
  readonly planId: string | null;
  readonly inventoryId: string | null;
  readonly sourceConnectionId: string | null;
  readonly targetConnectionId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly lastHeartbeatAt: string | null;
  readonly currentPhase: JobPhase | null;
  readonly lastSeq: number;
  readonly error: ErrorInfo | null;
  /** `host:pid` of the process running it. */
  readonly owner: string | null;
}

export interface StoredConnection {
  readonly id: string;
  readonly kind: 'eucalyptus' | 'nova';
  readonly createdAt: string;
  readonly public: Record<string, unknown>;
}

/** Where and how a plan's job runs, stored beside the plan. */
export interface PlanTarget {
  readonly targetConnectionId?: string;
  readonly settings?: Record<string, unknown>;
}

export interface StoredPlan {
  readonly plan: Plan;
  readonly confirmedAt: string | null;
  readonly targetConnectionId: string | null;
  readonly settings: Record<string, unknown> | null;
}

export interface PlanListing {
  readonly id: string;
  readonly inventoryId: string;
  readonly createdAt: string;
  readonly fingerprint: string;
  readonly confirmedAt: string | null;
  readonly targetConnectionId: string | null;
}

/** The arrays of an inventory body that listings count. */
const INVENTORY_ARRAYS = [
  'users',
  'images',
  'instances',
  'volumes',
  'snapshots',
  'addresses',
  'securityGroups',
  'keyPairs',
] as const;

export interface InventoryListing {
  readonly id: string;
  readonly createdAt: string;
  readonly connectionId: string | null;
  readonly metadata: Inventory['metadata'];
  readonly networkMode: string;
  readonly counts: Readonly<Record<string, number>>;
}

interface JobRow {
  id: string;
  type: JobType;
  status: JobStatus;
  spec: Record<string, unknown>;
  plan_id: string | null;
  inventory_id: string | null;
  source_connection_id: string | null;
  target_connection_id: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  last_heartbeat_at: Date | null;
  current_phase: JobPhase | null;
  last_seq: string;
  error: ErrorInfo | null;
  owner: string | null;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function jobOf(r: JobRow): JobRecord {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    spec: r.spec,
    planId: r.plan_id,
    inventoryId: r.inventory_id,
    sourceConnectionId: r.source_connection_id,
    targetConnectionId: r.target_connection_id,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    lastHeartbeatAt: iso(r.last_heartbeat_at),
    currentPhase: r.current_phase,
    lastSeq: Number(r.last_seq),
    error: r.error,
    owner: r.owner,
  };
}

/** Channel of `pg_notify` on every appended event: `<jobId>:<seq>`. */
export const JOB_EVENTS_CHANNEL = 'euca2nova_job_events';

type SecretMap = Record<string, Record<string, string>>;

/**
 * The state database as the engine sees it: jobs with a guarded status machine, the append-only
 * event log (a per-job seq assigned in the inserting transaction), the step journal, and the
 * inventories, plans and connections a job runs from. Secrets are sealed before they reach a
 * column and unsealed only for the process that runs the job.
 */
export class PgJobStore {
  readonly #pool: pg.Pool;
  readonly #key: StateKey;

  constructor(pool: pg.Pool, key: StateKey) {
    this.#pool = pool;
    this.#key = key;
  }

  static connect(url: string, key: StateKey, max = 8): PgJobStore {
    const pool = new pg.Pool({ connectionString: url, max });
    // An idle client dying (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new PgJobStore(pool, key);
  }

  get pool(): pg.Pool {
    return this.#pool;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  // ---- connections

  async saveConnection(
    kind: 'eucalyptus' | 'nova',
    publicPart: Record<string, unknown>,
    secretValue: unknown,
  ): Promise<string> {
    const r = await this.#pool.query<{ id: string }>(
      'INSERT INTO connections (kind, public, sealed) VALUES ($1, $2, $3) RETURNING id',
      [kind, JSON.stringify(publicPart), this.#key.sealJson(secretValue)],
    );
    return (r.rows[0] as { id: string }).id;
  }

  async getConnection(id: string): Promise<StoredConnection> {
    const r = await this.#pool.query<{
      id: string;
      kind: 'eucalyptus' | 'nova';
      created_at: Date;
      public: Record<string, unknown>;
    }>('SELECT id, kind, created_at, public FROM connections WHERE id = $1', [id]);
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No connection ${id}.`);
    return {
      id: row.id,
      kind: row.kind,
      createdAt: row.created_at.toISOString(),
      public: row.public,
    };
  }

  /** Connections, newest first (public parts only). */
  async listConnections(kind?: 'eucalyptus' | 'nova', limit = 50): Promise<StoredConnection[]> {
    const r = await this.#pool.query<{
      id: string;
      kind: 'eucalyptus' | 'nova';
      created_at: Date;
      public: Record<string, unknown>;
    }>(
      `SELECT id, kind, created_at, public FROM connections
        WHERE $1::text IS NULL OR kind = $1 ORDER BY created_at DESC LIMIT $2`,
      [kind ?? null, limit],
    );
    return r.rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      createdAt: row.created_at.toISOString(),
      public: row.public,
    }));
  }

  /** The sealed input, opened: only for the process that uses it. */
  async openConnection(id: string): Promise<unknown> {
    const r = await this.#pool.query<{ sealed: Buffer }>(
      'SELECT sealed FROM connections WHERE id = $1',
      [id],
    );
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No connection ${id}.`);
    return this.#key.unsealJson(row.sealed);
  }

  // ---- inventories and plans

  async saveInventory(inventory: Inventory, connectionId?: string): Promise<void> {
    const secrets: SecretMap = {};
    for (const u of inventory.users) {
      for (const k of u.accessKeys) {
        if (k.secretKey === undefined) continue;
        (secrets[userKey(u)] ??= {})[k.accessKeyId] = k.secretKey;
      }
    }
    await this.#pool.query(
      `INSERT INTO inventories (id, connection_id, body, sealed_secrets) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [
        inventory.metadata.inventoryId,
        connectionId ?? null,
        JSON.stringify(stripInventorySecrets(inventory)),
        Object.keys(secrets).length === 0 ? null : this.#key.sealJson(secrets),
      ],
    );
  }

  /** The inventory; with `secrets`, its users' secret keys put back. */
  async loadInventory(id: string, options: { secrets?: boolean } = {}): Promise<Inventory> {
    const r = await this.#pool.query<{ body: unknown; sealed_secrets: Buffer | null }>(
      'SELECT body, sealed_secrets FROM inventories WHERE id = $1',
      [id],
    );
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No inventory ${id}.`);
    const inventory = InventorySchema.parse(row.body);
    if (options.secrets !== true || row.sealed_secrets === null) return inventory;
    const secrets = this.#key.unsealJson(row.sealed_secrets) as SecretMap;
    return {
      ...inventory,
      users: inventory.users.map((u) => ({
        ...u,
        accessKeys: u.accessKeys.map((k) => {
          const secretKey = secrets[userKey(u)]?.[k.accessKeyId];
          return secretKey === undefined ? k : { ...k, secretKey };
        }),
      })),
    };
  }

  /**
   * Inventories, newest first, with their counts read inside the database: listing must not
   * fetch and parse every body.
   */
  async listInventories(limit = 50, id?: string): Promise<InventoryListing[]> {
    const r = await this.#pool.query<{
      id: string;
      created_at: Date;
      connection_id: string | null;
      metadata: Inventory['metadata'];
      network_mode: string;
      counts: Record<string, number>;
    }>(
      `SELECT id, created_at, connection_id, body->'metadata' AS metadata,
              body->'network'->>'mode' AS network_mode,
              jsonb_build_object(${INVENTORY_ARRAYS.map((k) => `'${k}', jsonb_array_length(body->'${k}')`).join(', ')}) AS counts
         FROM inventories WHERE $2::uuid IS NULL OR id = $2 ORDER BY created_at DESC LIMIT $1`,
      [limit, id ?? null],
    );
    return r.rows.map((row) => ({
      id: row.id,
      createdAt: row.created_at.toISOString(),
      connectionId: row.connection_id,
      metadata: row.metadata,
      networkMode: row.network_mode,
      counts: row.counts,
    }));
  }

  async getInventoryListing(id: string): Promise<InventoryListing> {
    const [row] = await this.listInventories(1, id);
    if (row === undefined) throw new StateNotFoundError(`No inventory ${id}.`);
    return row;
  }

  /**
   * Store a plan, or replace it while it is unconfirmed (acknowledging warnings changes its
   * fingerprint but not its id). A confirmed plan is final: a different body is refused.
   */
  async savePlan(plan: Plan, options: PlanTarget = {}): Promise<void> {
    const p = PlanSchema.parse(plan);
    const r = await this.#pool.query(
      `INSERT INTO plans (id, inventory_id, fingerprint, body, target_connection_id, settings)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE
          SET fingerprint = EXCLUDED.fingerprint, body = EXCLUDED.body,
              target_connection_id = coalesce(EXCLUDED.target_connection_id, plans.target_connection_id),
              settings = coalesce(EXCLUDED.settings, plans.settings)
        WHERE plans.confirmed_at IS NULL OR plans.fingerprint = EXCLUDED.fingerprint`,
      [
        p.id,
        p.inventoryId,
        p.fingerprint,
        JSON.stringify(p),
        options.targetConnectionId ?? null,
        options.settings === undefined ? null : JSON.stringify(options.settings),
      ],
    );
    if (r.rowCount !== 1)
      throw new StateConflictError(
        'plan-confirmed',
        `Plan ${p.id} is confirmed and cannot change; make a new plan.`,
      );
  }

  async loadPlan(id: string): Promise<StoredPlan> {
    const r = await this.#pool.query<{
      body: unknown;
      confirmed_at: Date | null;
      target_connection_id: string | null;
      settings: Record<string, unknown> | null;
    }>('SELECT body, confirmed_at, target_connection_id, settings FROM plans WHERE id = $1', [id]);
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No plan ${id}.`);
    return {
      plan: PlanSchema.parse(row.body),
      confirmedAt: iso(row.confirmed_at),
      targetConnectionId: row.target_connection_id,
      settings: row.settings,
    };
  }

  /** Plans, newest first, without their items. */
  async listPlans(options: { inventoryId?: string; limit?: number } = {}): Promise<PlanListing[]> {
    const r = await this.#pool.query<{
      id: string;
      inventory_id: string;
      created_at: Date;
      fingerprint: string;
      confirmed_at: Date | null;
      target_connection_id: string | null;
    }>(
      `SELECT id, inventory_id, created_at, fingerprint, confirmed_at, target_connection_id
         FROM plans WHERE $1::uuid IS NULL OR inventory_id = $1
        ORDER BY created_at DESC LIMIT $2`,
      [options.inventoryId ?? null, options.limit ?? 50],
    );
    return r.rows.map((row) => ({
      id: row.id,
      inventoryId: row.inventory_id,
      createdAt: row.created_at.toISOString(),
      fingerprint: row.fingerprint,
      confirmedAt: iso(row.confirmed_at),
      targetConnectionId: row.target_connection_id,
    }));
  }

  /** Confirm exactly the plan the operator saw: a fingerprint that is not the stored one is refused. */
  async confirmPlan(id: string, fingerprint: string): Promise<void> {
    const r = await this.#pool.query(
      'UPDATE plans SET confirmed_at = coalesce(confirmed_at, now()) WHERE id = $1 AND fingerprint = $2',
      [id, fingerprint],
    );
    if (r.rowCount !== 1)
      throw new StateConflictError(
        'stale-confirmation',
        `The confirmation names plan ${id} with fingerprint ${fingerprint.slice(0, 12)}…, which is not the stored plan: review the plan again.`,
      );
  }

  // ---- jobs

  async createJob(input: {
    type: JobType;
    spec: Record<string, unknown>;
    planId?: string;
    inventoryId?: string;
    sourceConnectionId?: string;
    targetConnectionId?: string;
  }): Promise<JobRecord> {
    const r = await this.#pool.query<JobRow>(
      `INSERT INTO jobs (type, spec, plan_id, inventory_id, source_connection_id, target_connection_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [
        input.type,
        JSON.stringify(input.spec),
        input.planId ?? null,
        input.inventoryId ?? null,
        input.sourceConnectionId ?? null,
        input.targetConnectionId ?? null,
      ],
    );
    return jobOf(r.rows[0] as JobRow);
  }

  /** A discovery job names the inventory it produced. */
  async attachInventory(jobId: string, inventoryId: string): Promise<void> {
    await this.#pool.query('UPDATE jobs SET inventory_id = $2, updated_at = now() WHERE id = $1', [
      jobId,
      inventoryId,
    ]);
  }

  async getJob(id: string): Promise<JobRecord> {
    const r = await this.#pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No job ${id}.`);
    return jobOf(row);
  }

  async listJobs(limit = 50): Promise<JobRecord[]> {
    const r = await this.#pool.query<JobRow>(
      'SELECT * FROM jobs ORDER BY created_at DESC LIMIT $1',
      [limit],
    );
    return r.rows.map(jobOf);
  }

  /**
   * Guarded status change: only from one of `from`, and only along JOB_STATUS_TRANSITIONS. The
   * change and its `job-status-changed` event commit together. False when the job was elsewhere.
   */
  async transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    options: { reason?: string; error?: ErrorInfo; owner?: string } = {},
  ): Promise<boolean> {
    const allowed = from.filter((f) => canTransitionJob(f, to));
    if (allowed.length === 0) return false;
    return this.#tx(async (c) => {
      const r = await c.query<{ old: JobStatus }>(
        `UPDATE jobs j SET status = $3, updated_at = now(),
            started_at = CASE WHEN $3 = 'running' THEN coalesce(j.started_at, now()) ELSE j.started_at END,
            finished_at = CASE WHEN $4 THEN now() ELSE NULL END,
            last_heartbeat_at = CASE WHEN $3 = 'running' THEN now() ELSE j.last_heartbeat_at END,
            error = CASE WHEN $3 IN ('failed') THEN $5::jsonb WHEN $3 IN ('queued', 'running') THEN NULL ELSE j.error END,
            owner = CASE WHEN $3 = 'running' THEN $6 WHEN $4 THEN NULL ELSE j.owner END
          FROM (SELECT id, status AS old FROM jobs WHERE id = $1 FOR UPDATE) o
         WHERE j.id = o.id AND o.old = ANY($2::text[])
         RETURNING o.old`,
        [
          id,
          allowed,
          to,
          isFinalJobStatus(to),
          options.error === undefined ? null : JSON.stringify(options.error),
          options.owner ?? null,
        ],
      );
      const old = r.rows[0]?.old;
      if (old === undefined) return false;
      await this.#append(c, id, [
        {
          type: 'job-status-changed',
          from: old,
          to,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        },
      ]);
      return true;
    });
  }

  async heartbeat(id: string, phase?: JobPhase | null): Promise<void> {
    await this.#pool.query(
      `UPDATE jobs SET last_heartbeat_at = now(),
              current_phase = CASE WHEN $2::boolean THEN $3 ELSE current_phase END
        WHERE id = $1`,
      [id, phase !== undefined, phase ?? null],
    );
  }

  async saveReport(id: string, report: Report): Promise<void> {
    await this.#pool.query('UPDATE jobs SET report = $2, updated_at = now() WHERE id = $1', [
      id,
      JSON.stringify(ReportSchema.parse(report)),
    ]);
  }

  async loadReport(id: string): Promise<Report | null> {
    const r = await this.#pool.query<{ report: unknown }>('SELECT report FROM jobs WHERE id = $1', [
      id,
    ]);
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No job ${id}.`);
    return row.report === null ? null : ReportSchema.parse(row.report);
  }

  // ---- events

  async #append(
    c: pg.PoolClient,
    jobId: string,
    bodies: readonly JobEventBody[],
  ): Promise<JobEvent[]> {
    if (bodies.length === 0) return [];
    // The row lock on the job serialises writers from every process, so seq has no gaps.
    const r = await c.query<{ last: string; at: Date }>(
      'UPDATE jobs SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq AS last, now() AS at',
      [jobId, bodies.length],
    );
    const row = r.rows[0];
    if (row === undefined) throw new StateNotFoundError(`No job ${jobId}.`);
    const first = Number(row.last) - bodies.length + 1;
    const events = bodies.map((b, i) =>
      JobEventSchema.parse({ ...b, jobId, seq: first + i, at: row.at.toISOString() }),
    );
    await c.query(
      `INSERT INTO job_events (job_id, seq, at, type, body)
       SELECT $1, s, $2, t, b FROM unnest($3::bigint[], $4::text[], $5::jsonb[]) AS e(s, t, b)`,
      [
        jobId,
        row.at,
        events.map((e) => e.seq),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e)),
      ],
    );
    await c.query('SELECT pg_notify($1, $2)', [
      JOB_EVENTS_CHANNEL,
      `${jobId}:${String(Number(row.last))}`,
    ]);
    return events;
  }

  async appendEvents(jobId: string, bodies: readonly JobEventBody[]): Promise<JobEvent[]> {
    if (bodies.length === 0) return [];
    return this.#tx((c) => this.#append(c, jobId, bodies));
  }

  async listEvents(jobId: string, afterSeq = 0, limit = 1000): Promise<JobEvent[]> {
    const r = await this.#pool.query<{ body: unknown }>(
      'SELECT body FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [jobId, afterSeq, limit],
    );
    return r.rows.map((x) => JobEventSchema.parse(x.body));
  }

  // ---- journal

  /**
   * Record steps and the events that announce them, atomically. A step already `done` is never
   * changed, and a write that does not change a step's status appends no event: a step replayed
   * after a crash is recorded once and announced once.
   */
  async recordSteps(jobId: string, writes: readonly StepWrite[]): Promise<JobEvent[]> {
    if (writes.length === 0) return [];
    return this.#tx(async (c) => {
      const r = await c.query<{ phase: string; item: string }>(
        `INSERT INTO job_steps AS s (job_id, phase, item, status, result, attempts, started_at)
         SELECT $1, p, i, st, r, CASE WHEN st = 'running' THEN 1 ELSE 0 END,
                CASE WHEN st = 'running' THEN now() END
           FROM unnest($2::text[], $3::text[], $4::text[], $5::jsonb[]) AS w(p, i, st, r)
         ON CONFLICT (job_id, phase, item) DO UPDATE
            SET status = excluded.status,
                result = coalesce(excluded.result, s.result),
                attempts = s.attempts + CASE WHEN excluded.status = 'running' THEN 1 ELSE 0 END,
                started_at = CASE WHEN excluded.status = 'running' THEN now() ELSE s.started_at END,
                updated_at = now()
          WHERE s.status <> 'done' AND s.status IS DISTINCT FROM excluded.status
         RETURNING phase, item`,
        [
          jobId,
          writes.map((w) => w.phase),
          writes.map((w) => w.item),
          writes.map((w) => w.status),
          writes.map((w) => (w.result === undefined ? null : JSON.stringify(w.result))),
        ],
      );
      const changed = new Set(r.rows.map((x) => `${x.phase}\u0000${x.item}`));
      const bodies = writes
        .filter((w) => changed.has(`${w.phase}\u0000${w.item}`))
        .flatMap((w) => w.events ?? []);
      return this.#append(c, jobId, bodies);
    });
  }

  async steps(jobId: string, phase?: string): Promise<StepRecord[]> {
    const r = await this.#pool.query<{
      phase: string;
      item: string;
      status: StepStatus;
      attempts: number;
      bytes_done: string;
      result: StepResult | null;
    }>(
      `SELECT phase, item, status, attempts, bytes_done, result FROM job_steps
        WHERE job_id = $1 AND ($2::text IS NULL OR phase = $2) ORDER BY phase, item`,
      [jobId, phase ?? null],
    );
    return r.rows.map((x) => ({
      phase: x.phase,
      item: x.item,
      status: x.status,
      attempts: x.attempts,
      bytesDone: Number(x.bytes_done),
      result: x.result,
    }));
  }

  /** Bytes reached by a running transfer, with its progress event. */
  async saveProgress(
    jobId: string,
    phase: string,
    item: string,
    bytesDone: number,
    event?: JobEventBody,
  ): Promise<JobEvent[]> {
    return this.#tx(async (c) => {
      await c.query(
        `UPDATE job_steps SET bytes_done = $4, updated_at = now()
          WHERE job_id = $1 AND phase = $2 AND item = $3 AND status = 'running'`,
        [jobId, phase, item, bytesDone],
      );
      return event === undefined ? [] : this.#append(c, jobId, [event]);
    });
  }

  /**
   * A session advisory lock on one item of a job, held on its own connection until released: two
   * workers never copy the same image at once, and a worker that dies releases it with its
   * connection. Null when another session holds it.
   */
  async tryLockItem(jobId: string, item: string): Promise<(() => Promise<void>) | null> {
    const c = await this.#pool.connect();
    try {
      const r = await c.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok',
        [`euca2nova:${jobId}:${item}`],
      );
      if (r.rows[0]?.ok !== true) {
        c.release();
        return null;
      }
    } catch (e) {
      c.release();
      throw e;
    }
    return async () => {
      try {
        await c.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [
          `euca2nova:${jobId}:${item}`,
        ]);
        c.release();
      } catch {
        // A broken connection releases the lock by itself; do not return it to the pool.
        c.release(true);
      }
    };
  }

  /** Failed steps go back to being open so a resumed job retries them (and only them). */
  async reopenFailedSteps(jobId: string): Promise<number> {
    const r = await this.#pool.query(
      `DELETE FROM job_steps WHERE job_id = $1 AND (status = 'failed' OR
         (item = '' AND phase IN (SELECT phase FROM job_steps WHERE job_id = $1 AND status = 'failed')))`,
      [jobId],
    );
    return r.rowCount ?? 0;
  }
}
