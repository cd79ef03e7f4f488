import pg from 'pg';
import type { JobEvent } from '@euca2nova/model';
import { JOB_EVENTS_CHANNEL, type PgJobStore } from '@euca2nova/state';

/** Receives a job's new events, in seq order, each once. */
export type JobEventListener = (events: readonly JobEvent[]) => void;

export interface JobEventHubOptions {
  /** The state database, for the dedicated LISTEN connection. */
  url: string;
  store: Pick<PgJobStore, 'listEvents' | 'getJob'>;
  log: (message: string, error?: unknown) => void;
  pageSize?: number;
  /** First wait before reconnecting the LISTEN connection; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface Tracked {
  listeners: Set<JobEventListener>;
  /** Every event up to here was handed to the listeners (or predates them). */
  readTo: number;
  /** Reads run one after another, so no event is read twice or out of order. */
  reading: Promise<void>;
  /** A notification came while reading: read again after. */
  again: boolean;
}

/**
 * Learns of new job events from every process through PostgreSQL LISTEN/NOTIFY on one dedicated
 * connection, reads them back from `job_events` and hands them to the listeners of their job. The
 * notification only says "something after seq N"; the events come from the table, so a missed or
 * coalesced notification (or a dropped connection, after which every tracked job is read again)
 * loses nothing.
 */
export class JobEventHub {
  readonly #options: JobEventHubOptions;
  readonly #jobs = new Map<string, Tracked>();
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #backoff: number;
  #stopped = false;
  #connected = false;

  constructor(options: JobEventHubOptions) {
    this.#options = options;
    this.#backoff = options.minBackoffMs ?? 250;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Connects; a failure is logged and retried, so a database that is late does not stop the server. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    await client?.end().catch(() => undefined);
    await Promise.all([...this.#jobs.values()].map((t) => t.reading));
    this.#jobs.clear();
  }

  /**
   * Starts delivering the job's events to `listener`. Resolves once delivery starts: every event
   * after the seq it resolves to will be delivered, so a caller that then replays the table from
   * its own point up to at least that seq misses nothing. Rejects when the job does not exist.
   */
  async subscribe(jobId: string, listener: JobEventListener): Promise<number> {
    const known = this.#jobs.get(jobId);
    if (known !== undefined) {
      known.listeners.add(listener);
      // Events read after this point reach the new listener; the ones before are in the table.
      return known.readTo;
    }
    const job = await this.#options.store.getJob(jobId);
    const raced = this.#jobs.get(jobId);
    if (raced !== undefined) {
      raced.listeners.add(listener);
      return raced.readTo;
    }
    this.#jobs.set(jobId, {
      listeners: new Set([listener]),
      readTo: job.lastSeq,
      reading: Promise.resolve(),
      again: false,
    });
    // A notification may have come and gone between reading lastSeq and now.
    this.#read(jobId);
    return job.lastSeq;
  }

  /** Every event of the job up to this seq has been handed to its listeners. */
  position(jobId: string): number | undefined {
    return this.#jobs.get(jobId)?.readTo;
  }

  unsubscribe(jobId: string, listener: JobEventListener): void {
    const t = this.#jobs.get(jobId);
    if (t === undefined) return;
    t.listeners.delete(listener);
    if (t.listeners.size === 0) this.#jobs.delete(jobId);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ connectionString: this.#options.url });
    this.#client = client;
    client.on('error', (e) => {
      this.#lost(client, e);
    });
    client.on('end', () => {
      this.#lost(client, undefined);
    });
    client.on('notification', (n) => {
      if (n.channel !== JOB_EVENTS_CHANNEL || n.payload === undefined) return;
      const at = n.payload.lastIndexOf(':');
      const jobId = n.payload.slice(0, at);
      const seq = Number(n.payload.slice(at + 1));
      const t = this.#jobs.get(jobId);
      if (t !== undefined && !(seq <= t.readTo)) this.#read(jobId);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${JOB_EVENTS_CHANNEL}`);
    } catch (e) {
      this.#lost(client, e);
      return;
    }
    if (this.#client !== client) return;
    this.#connected = true;
    this.#backoff = this.#options.minBackoffMs ?? 250;
    // Whatever was appended while nobody listened is in the table.
    for (const jobId of this.#jobs.keys()) this.#read(jobId);
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#connected = false;
    client.removeAllListeners('notification');
    void client.end().catch(() => undefined);
    if (this.#stopped) return;
    const wait = this.#backoff;
    this.#backoff = Math.min(wait * 2, this.#options.maxBackoffMs ?? 10_000);
    this.#options.log(`Job events: listening connection lost, retrying in ${wait} ms`, error);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, wait);
  }

  #read(jobId: string): void {
    const t = this.#jobs.get(jobId);
    if (t === undefined || this.#stopped) return;
    if (t.again) return;
    t.again = true;
    t.reading = t.reading.then(async () => {
      t.again = false;
      try {
        await this.#drain(jobId, t);
      } catch (e) {
        this.#options.log(`Job events: reading job ${jobId} failed, retrying`, e);
        // No later notification may come (the job may be done), so try again on our own.
        setTimeout(() => {
          this.#read(jobId);
        }, this.#options.minBackoffMs ?? 250).unref();
      }
    });
  }

  async #drain(jobId: string, t: Tracked): Promise<void> {
    // A row phase commits thousands of item events at once: read them in few, large pages.
    const pageSize = this.#options.pageSize ?? 5000;
    for (;;) {
      // Unsubscribed meanwhile (maybe tracked anew under a fresh entry): this entry is done.
      if (this.#stopped || this.#jobs.get(jobId) !== t) return;
      const events = await this.#options.store.listEvents(jobId, t.readTo, pageSize);
      if (events.length === 0 || this.#jobs.get(jobId) !== t) return;
      t.readTo = events[events.length - 1]?.seq ?? t.readTo;
      for (const listener of t.listeners) {
        try {
          listener(events);
        } catch (e) {
          this.#options.log(`Job events: a listener of job ${jobId} failed`, e);
        }
      }
      if (events.length < pageSize) return;
    }
  }
}
