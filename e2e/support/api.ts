import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, request as playwrightRequest, type APIRequestContext } from '@playwright/test';
import pg from 'pg';
import { BASE_URL, DATA_DIR, OPERATOR_PASSWORD, PG_PORT } from './env.ts';

/*
 * The stack driven through its API, for specs that start at a later step: they prepare what the
 * earlier steps would have made (connections, an inventory, a plan, a job) without clicking
 * through them. The whole flow through the browser is its own spec.
 */

interface Connection {
  id: string;
  kind: 'eucalyptus' | 'nova';
}
interface Job {
  id: string;
  status: string;
  inventoryId: string | null;
}
interface PlanSummary {
  id: string;
  fingerprint: string;
  findings: { key: string; severity: string }[];
}

export class Api {
  private constructor(
    readonly http: APIRequestContext,
    private readonly csrf: string,
  ) {}

  /**
   * A signed-in API client (sets the password when this is the first caller). In a project with a
   * saved sign-in the context starts with the browser's session cookie (it inherits `use`): that
   * session is reused, since signing in again would regenerate it and sign the browser out.
   */
  static async signIn(): Promise<Api> {
    const http = await playwrightRequest.newContext({ baseURL: BASE_URL });
    const state = (await (await http.get('/api/session')).json()) as {
      passwordSet: boolean;
      signedIn: boolean;
      csrfToken?: string;
    };
    // Signing in again would also count against the sign-in rate limit.
    if (state.signedIn && state.csrfToken !== undefined) return new Api(http, state.csrfToken);
    const res = await http.post(state.passwordSet ? '/api/session/login' : '/api/session/setup', {
      data: { password: OPERATOR_PASSWORD },
    });
    expect(res.ok(), await res.text()).toBe(true);
    const session = (await (await http.get('/api/session')).json()) as { csrfToken: string };
    return new Api(http, session.csrfToken);
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.http.get(path);
    expect(res.ok(), `GET ${path}: ${await res.text()}`).toBe(true);
    return (await res.json()) as T;
  }

  async post<T>(path: string, data: unknown = {}): Promise<T> {
    const res = await this.http.post(path, { data, headers: { 'x-csrf-token': this.csrf } });
    expect(res.ok(), `POST ${path}: ${await res.text()}`).toBe(true);
    return (await res.json()) as T;
  }

  demoConnections(): Promise<{ eucalyptus: Connection; nova: Connection }> {
    return this.post('/api/connections/demo');
  }

  novaConnection(databaseUrl: string, imagesPath: string): Promise<Connection> {
    return this.post('/api/connections/nova', { databaseUrl, imagesPath });
  }

  async waitForJob(id: string, timeoutMs = 120_000): Promise<Job> {
    let job = await this.get<Job>(`/api/jobs/${id}`);
    await expect
      .poll(
        async () => {
          job = await this.get<Job>(`/api/jobs/${id}`);
          return ['succeeded', 'failed', 'cancelled'].includes(job.status);
        },
        { timeout: timeoutMs, intervals: [250, 500, 1000] },
      )
      .toBe(true);
    return job;
  }

  /** Discovers a Eucalyptus connection; the inventory's id. */
  async discover(connectionId: string): Promise<string> {
    const job = await this.post<Job>('/api/discoveries', { connectionId });
    const done = await this.waitForJob(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.inventoryId).not.toBeNull();
    return done.inventoryId as string;
  }

  plan(
    inventoryId: string,
    targetConnectionId: string,
    selection: object = {},
  ): Promise<PlanSummary> {
    return this.post('/api/plans', { inventoryId, targetConnectionId, selection });
  }

  /** Acknowledges every warning, as an operator confirming would: the plan's new fingerprint. */
  async acknowledgeAll(plan: PlanSummary): Promise<PlanSummary> {
    const keys = plan.findings.filter((f) => f.severity === 'warning').map((f) => f.key);
    return keys.length === 0
      ? plan
      : this.post(`/api/plans/${plan.id}/acknowledgements`, { findingKeys: keys });
  }

  startMigration(plan: PlanSummary): Promise<Job> {
    return this.post('/api/jobs', { planId: plan.id, fingerprint: plan.fingerprint });
  }

  async dispose(): Promise<void> {
    await this.http.dispose();
  }
}

/** The embedded PostgreSQL of the server under test, as its superuser. */
async function adminUrl(): Promise<string> {
  const password = (
    await readFile(join(DATA_DIR, 'postgres', 'superuser.password'), 'utf8')
  ).trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${String(PG_PORT)}/postgres`;
}

/** A new, empty database on the server's embedded PostgreSQL (a Nova target for one spec). */
export async function createEmptyDatabase(name: string): Promise<string> {
  const url = await adminUrl();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
