import { LRUCache } from 'lru-cache';
import {
  userKey,
  type IdMapEntry,
  type Inventory,
  type Report,
  type ReportSummary,
  type ReportUserDetail,
  type ReportUserRow,
  type ResourceKind,
  type UserVerification,
} from '@euca2nova/model';
import { novaAccessKeyOf, novaProjectIdOf, novaUserIdOf } from '@euca2nova/nova';
import { idChanged } from '../report/format.ts';
import {
  renderUserNotice,
  userCounts,
  userSeesIdChange,
  type NoticeCredentials,
} from '../report/notice.ts';
import { pageOf, type Page } from './browse.ts';

/*
 * The Report step's views of a stored report: its summary without the long lists, the id map and
 * the users a page at a time, one user's changes and the notice to send them. A scale:5000 report
 * is tens of MB of JSON, so reports are parsed once and kept (a few, least recently used first).
 */

/** A job without a report yet, or a user the report does not name. */
export class ReportNotFoundError extends Error {
  override readonly name = 'ReportNotFoundError';
}

export interface ReportStore {
  getJob(id: string): Promise<{ readonly id: string; readonly updatedAt: string }>;
  loadReport(id: string): Promise<Report | null>;
  loadInventory(id: string, options?: { secrets?: boolean }): Promise<Inventory>;
}

/** Changed ids a user's detail lists; the id map has them all. */
export const USER_CHANGED_IDS_LIMIT = 1000;

export interface IdMapQuery {
  readonly kind?: ResourceKind;
  readonly owner?: string;
  /** In the source id, the target id or the owner, whatever the case. */
  readonly q?: string;
  /** Only entries whose id changes (as the id map's `changed` column says), or only kept ones. */
  readonly changed?: boolean;
  readonly offset?: number;
  readonly limit?: number;
}

export interface UsersQuery {
  readonly q?: string;
  readonly offset?: number;
  readonly limit?: number;
}

/**
 * What a notice says about each user's credentials, by user key: the access key Nova keeps and
 * whether its secret key came along (read here, never kept: the secret values are dropped with
 * the inventory).
 */
export function noticeCredentialsOf(inventory: Inventory): Map<string, NoticeCredentials> {
  const out = new Map<string, NoticeCredentials>();
  for (const u of inventory.users) {
    const key = novaAccessKeyOf(u);
    const project = novaProjectIdOf(u);
    out.set(userKey(u), {
      accessKeyId: key?.accessKeyId ?? null,
      secretKept: key?.secretKey !== undefined,
      project,
      projectSuffixNeeded: key !== undefined && novaUserIdOf(u) !== project,
    });
  }
  return out;
}

/** One report, indexed for its views. */
export class ReportView {
  readonly report: Report;
  readonly #credentials: () => Promise<ReadonlyMap<string, NoticeCredentials>>;
  readonly #users: readonly IdMapEntry[];
  readonly #owned = new Map<string, IdMapEntry[]>();
  readonly #verified = new Map<string, UserVerification>();
  #rows: readonly ReportUserRow[] | undefined;

  constructor(
    report: Report,
    credentials: () => Promise<ReadonlyMap<string, NoticeCredentials>> = async () => new Map(),
  ) {
    this.report = report;
    this.#credentials = credentials;
    this.#users = report.idMap.filter((e) => e.kind === 'user');
    for (const e of report.idMap) {
      const owner = e.kind === 'user' ? e.sourceId : e.owner;
      if (owner === undefined) continue;
      let list = this.#owned.get(owner);
      if (list === undefined) {
        list = [];
        this.#owned.set(owner, list);
      }
      list.push(e);
    }
    for (const u of report.verification.users) this.#verified.set(u.user, u);
  }

  summary(): ReportSummary {
    const { idMap, images, ...rest } = this.report;
    return {
      ...rest,
      idMapTotal: idMap.length,
      changedIds: idMap.filter(idChanged).length,
      imagesTotal: images.length,
      imageBytes: images.reduce((n, i) => n + i.bytes, 0),
      usersTotal: this.#users.length,
    };
  }

  /** A page of the id map in its stored order. */
  idMapPage(query: IdMapQuery): Page<IdMapEntry> {
    const q = query.q?.trim().toLowerCase();
    const rows = this.report.idMap.filter(
      (e) =>
        (query.kind === undefined || e.kind === query.kind) &&
        (query.owner === undefined || e.owner === query.owner) &&
        (query.changed === undefined || idChanged(e) === query.changed) &&
        (q === undefined ||
          q === '' ||
          e.sourceId.toLowerCase().includes(q) ||
          e.targetId.toLowerCase().includes(q) ||
          (e.owner?.toLowerCase().includes(q) ?? false)),
    );
    return pageOf(rows, query);
  }

  /** One row per migrated user, in the id map's order. */
  usersPage(query: UsersQuery): Page<ReportUserRow> {
    this.#rows ??= this.#users.map((u) => {
      const entries = this.#owned.get(u.sourceId) ?? [];
      const verified = this.#verified.get(u.sourceId);
      return {
        user: u.sourceId,
        items: entries.length,
        changedIds: entries.filter(userSeesIdChange).length,
        verification:
          this.report.verification.result === 'not-run' || verified === undefined
            ? 'not-run'
            : verified.result,
        differences: verified?.differences.length ?? 0,
      };
    });
    const q = query.q?.trim().toLowerCase();
    return pageOf(
      q === undefined || q === ''
        ? this.#rows
        : this.#rows.filter((r) => r.user.toLowerCase().includes(q)),
      query,
    );
  }

  /** What changes for one user, and the notice to send them. */
  async user(user: string, options: { ec2Url?: string } = {}): Promise<ReportUserDetail> {
    if (!this.#users.some((u) => u.sourceId === user))
      throw new ReportNotFoundError(
        `The report of job ${this.report.jobId} names no migrated user ${user}.`,
      );
    const entries = this.#owned.get(user) ?? [];
    const changed = entries.filter(userSeesIdChange);
    const credentials = (await this.#credentials()).get(user);
    return {
      user,
      counts: userCounts(entries),
      changedIds: changed.slice(0, USER_CHANGED_IDS_LIMIT),
      changedIdsTotal: changed.length,
      verification: this.#verified.get(user) ?? null,
      notice: renderUserNotice({
        report: this.report,
        user,
        entries,
        ...(credentials === undefined ? {} : { credentials }),
        ...(options.ec2Url === undefined ? {} : { ec2Url: options.ec2Url }),
      }),
    };
  }
}

/**
 * Parsed reports by job, kept while the job's row is unchanged: a retried job writes a new report,
 * and with it a new `updatedAt`.
 */
export class ReportViews {
  readonly #store: ReportStore;
  readonly #cache: LRUCache<
    string,
    { readonly version: string; readonly view: Promise<ReportView> }
  >;

  constructor(store: ReportStore, options: { reports?: number } = {}) {
    this.#store = store;
    this.#cache = new LRUCache({ max: options.reports ?? 3 });
  }

  /** The job's report; `ReportNotFoundError` while it has none, the store's error for no job. */
  async get(jobId: string): Promise<ReportView> {
    const job = await this.#store.getJob(jobId);
    const cached = this.#cache.get(job.id);
    if (cached?.version === job.updatedAt) return cached.view;
    const view = this.#load(job.id);
    const entry = { version: job.updatedAt, view };
    this.#cache.set(job.id, entry);
    view.catch(() => {
      if (this.#cache.get(job.id) === entry) this.#cache.delete(job.id);
    });
    return view;
  }

  async #load(jobId: string): Promise<ReportView> {
    const report = await this.#store.loadReport(jobId);
    if (report === null)
      throw new ReportNotFoundError(
        `Job ${jobId} has no report yet: a report is written when a migration finishes.`,
      );
    let credentials: Promise<ReadonlyMap<string, NoticeCredentials>> | undefined;
    return new ReportView(report, () => {
      // Only a notice needs them: read once per report, on the first notice asked for.
      credentials ??= this.#store
        .loadInventory(report.inventoryId, { secrets: true })
        .then(noticeCredentialsOf)
        .catch(() => new Map<string, NoticeCredentials>());
      return credentials;
    });
  }
}
