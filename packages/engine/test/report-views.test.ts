import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ReportSummarySchema,
  ReportUserDetailSchema,
  ReportUsersPageSchema,
  type IdMapEntry,
  type Inventory,
} from '@euca2nova/model';
import { demoInventory } from '@euca2nova/nova/testing';
import { PgJobStore, StateKey } from '@euca2nova/state';
import { createTestDatabase } from '@euca2nova/state/testing';
import {
  EC2_URL_PLACEHOLDER,
  NOTICE_LIST_LIMIT,
  ReportNotFoundError,
  ReportView,
  ReportViews,
  noticeCredentialsOf,
  type NoticeCredentials,
} from '../src/index.ts';
import { PLANTED_SECRET, REPORT_INVENTORY_ID, sampleReport } from './fixtures/report.ts';

const ALICE = 'engineering/alice';
const BOB = 'research/bob';

const aliceKeys: NoticeCredentials = {
  accessKeyId: 'AKIAALICE0000EXAMPLE',
  secretKept: true,
  project: 'alice',
  projectSuffixNeeded: false,
};

const viewOf = (
  report = sampleReport(),
  credentials: ReadonlyMap<string, NoticeCredentials> = new Map([[ALICE, aliceKeys]]),
) => new ReportView(report, async () => credentials);

describe('the report summary', () => {
  it('is the report without its long lists, with their totals', () => {
    const report = sampleReport();
    const summary = viewOf(report).summary();
    expect(ReportSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).not.toHaveProperty('idMap');
    expect(summary).not.toHaveProperty('images');
    expect(summary).toMatchObject({
      jobId: report.jobId,
      idMapTotal: 16,
      // Every entry whose Nova id differs, as the CSV's `changed` column counts them.
      changedIds: report.idMap.filter((e) => e.sourceId !== e.targetId).length,
      imagesTotal: 3,
      imageBytes: 1_073_741_824 + 4_194_304 + 2_097_152,
      usersTotal: 2,
    });
  });
});

describe('the id map a page at a time', () => {
  const view = viewOf();
  const ids = (rows: readonly IdMapEntry[]) => rows.map((r) => r.sourceId);

  it('filters by kind, owner, text in either id or the owner (any case), and change', () => {
    expect(ids(view.idMapPage({ kind: 'image' }).rows)).toEqual([
      'emi-5F1A3B2C',
      'eki-0A1B2C3D',
      'eri-9E8D7C6B',
    ]);
    expect(view.idMapPage({ owner: BOB }).total).toBe(5);
    // The text is looked for in the Nova id too: `alice/web` is only the target's.
    expect(ids(view.idMapPage({ q: 'ALICE/WEB' }).rows)).toEqual(['engineering/alice/web']);
    expect(ids(view.idMapPage({ kind: 'instance', changed: true }).rows)).toEqual(['i-4917082C']);
    expect(ids(view.idMapPage({ kind: 'instance', changed: false }).rows)).toEqual(['i-01234567']);
    expect(view.idMapPage({ q: 'research', changed: false }).total).toBe(1);
  });

  it('pages in the stored order', () => {
    const report = sampleReport();
    const first = view.idMapPage({ offset: 0, limit: 5 });
    const second = view.idMapPage({ offset: 5, limit: 5 });
    expect(first).toMatchObject({ total: 16, offset: 0, limit: 5 });
    expect([...first.rows, ...second.rows]).toEqual(report.idMap.slice(0, 10));
  });
});

describe('the users of a report', () => {
  it('has one row per migrated user with what they own, what they see change and the verification', () => {
    const page = viewOf().usersPage({});
    expect(ReportUsersPageSchema.parse(page)).toEqual(page);
    expect(page.rows).toEqual([
      // The instance and three images change case; the key pair and groups keep their names.
      { user: ALICE, items: 10, changedIds: 4, verification: 'differing', differences: 2 },
      { user: BOB, items: 6, changedIds: 1, verification: 'matching', differences: 0 },
    ]);
    expect(
      viewOf()
        .usersPage({ q: 'BOB' })
        .rows.map((r) => r.user),
    ).toEqual([BOB]);
  });

  it('says not-run for every user when verification did not run', () => {
    const page = viewOf(sampleReport({ verification: { result: 'not-run', users: [] } })).usersPage(
      {},
    );
    expect(page.rows.map((r) => [r.verification, r.differences])).toEqual([
      ['not-run', 0],
      ['not-run', 0],
    ]);
  });
});

describe("a user's detail and notice", () => {
  it('lists what moved and what the user sees change, and a notice with the access key and Nova', async () => {
    const detail = await viewOf().user(ALICE, {
      ec2Url: 'https://nova.example.org:8773/services/Cloud',
    });
    expect(ReportUserDetailSchema.parse(detail)).toEqual(detail);
    expect(detail.counts).toEqual({
      keyPair: 1,
      securityGroup: 2,
      network: 1,
      address: 1,
      image: 3,
      instance: 1,
    });
    expect(detail.changedIds.map((e) => e.sourceId)).toEqual([
      'emi-5F1A3B2C',
      'eki-0A1B2C3D',
      'eri-9E8D7C6B',
      'i-4917082C',
    ]);
    expect(detail.changedIdsTotal).toBe(4);
    expect(detail.verification?.result).toBe('differing');
    const n = detail.notice;
    expect(n).toContain('now runs on OpenStack Nova');
    expect(n).toContain(
      'What stays the same:\n- Your access key ID (AKIAALICE0000EXAMPLE) and your secret key: keep using them.',
    );
    expect(n).toContain('EC2_URL=https://nova.example.org:8773/services/Cloud');
    expect(n).toContain(
      '1 instance, 3 images, 1 elastic IP address, 1 key pair, 2 security groups and 1 network',
    );
    expect(n).toContain(
      '4 ids are now written in lower case (for example emi-5F1A3B2C is now emi-5f1a3b2c)',
    );
    expect(n).toContain('found 2 differences. We are looking into it');
    expect(n).not.toContain('alice/web');
  });

  it("writes the report's Nova endpoint, else a placeholder, when no EC2 URL is given", async () => {
    expect((await viewOf().user(BOB)).notice).toContain(
      'EC2_URL=http://nova-api.example.org:8773/services/Cloud',
    );
    const report = sampleReport();
    const withoutEndpoint = ({ ec2Endpoint: _none, ...rest }: typeof report.target) => rest;
    const notice = (await viewOf({ ...report, target: withoutEndpoint(report.target) }).user(BOB))
      .notice;
    expect(notice).toContain(`EC2_URL=${EC2_URL_PLACEHOLDER}`);
    // Bob's verification matched: nothing to look into.
    expect(notice).not.toContain('looking into it');
  });

  it(`lists at most ${String(NOTICE_LIST_LIMIT)} renumbered ids, then counts the rest`, async () => {
    const base = sampleReport();
    const renumbered: IdMapEntry[] = Array.from({ length: NOTICE_LIST_LIMIT + 12 }, (_, i) => ({
      kind: 'volume',
      sourceId: `vol-${(0x80000000 + i).toString(16).toUpperCase()}`,
      targetId: `vol-${(i + 1).toString(16).padStart(8, '0')}`,
      owner: BOB,
    }));
    const view = viewOf({ ...base, idMap: [...base.idMap, ...renumbered] });
    const detail = await view.user(BOB);
    expect(detail.changedIdsTotal).toBe(NOTICE_LIST_LIMIT + 12 + 1);
    const listed = detail.notice.split('\n').filter((l) => /^- volume vol-8/.test(l));
    expect(listed).toHaveLength(NOTICE_LIST_LIMIT);
    expect(listed[0]).toBe('- volume vol-80000000 is now vol-00000001');
    expect(detail.notice).toContain('- and 12 more (the operator has the full list).');
    expect(detail.notice).toContain('one id is now written in lower case');
  });

  it('says when the secret key did not come along, and when the project goes with the access key', async () => {
    const credentials = new Map<string, NoticeCredentials>([
      [ALICE, { ...aliceKeys, secretKept: false }],
      [
        BOB,
        {
          accessKeyId: 'AKIABOB00000EXAMPLE0',
          secretKept: true,
          project: '123456789012',
          projectSuffixNeeded: true,
        },
      ],
    ]);
    const view = viewOf(sampleReport(), credentials);
    const alice = (await view.user(ALICE)).notice;
    expect(alice).toContain('- Your access key ID (AKIAALICE0000EXAMPLE).\n');
    expect(alice).toContain('- Your secret key could not be carried over');
    expect(alice).not.toContain('and your secret key: keep using them');
    expect((await view.user(BOB)).notice).toContain(
      'EC2_ACCESS_KEY=AKIABOB00000EXAMPLE0:123456789012',
    );
    // Without the inventory the keys are not named, and still said to stay.
    const unnamed = (await viewOf(sampleReport(), new Map()).user(BOB)).notice;
    expect(unnamed).toContain('- Your access key ID and your secret key: keep using them.');
  });

  it('refuses a user the report does not name', async () => {
    await expect(viewOf().user('research/carol')).rejects.toThrow(ReportNotFoundError);
  });
});

describe('notice credentials from the inventory', () => {
  it('name the access key Nova keeps, whether its secret came along, and never the secret', () => {
    const inventory = demoInventory('MANAGED');
    const alice = inventory.users.find((u) => u.userName === 'alice');
    if (alice === undefined) throw new Error('demo changed');
    const withKeys: Inventory = {
      ...inventory,
      users: inventory.users.map((u) =>
        u === alice
          ? {
              ...u,
              accessKeys: [
                { accessKeyId: 'AKIAOLDINACTIVE00000', active: false, secretKey: PLANTED_SECRET },
                { accessKeyId: 'AKIANOSECRET00000000', active: true },
                ...u.accessKeys,
              ],
            }
          : u.userName === 'bob'
            ? { ...u, accessKeys: u.accessKeys.map(({ secretKey: _gone, ...k }) => k) }
            : u,
      ),
    };
    const credentials = noticeCredentialsOf(withKeys);
    expect(credentials.get('alice')).toEqual({
      accessKeyId: alice.accessKeys[0]?.accessKeyId,
      secretKept: true,
      project: 'alice',
      projectSuffixNeeded: false,
    });
    expect(credentials.get('bob')).toMatchObject({ secretKept: false });
    expect(JSON.stringify([...credentials])).not.toContain('secret-');
    expect(JSON.stringify([...credentials])).not.toContain(PLANTED_SECRET);
  });

  it('ask a 3.x user who is not the account admin to add the project to the access key', () => {
    const base = demoInventory('MANAGED');
    const inventory: Inventory = {
      ...base,
      users: base.users.map((u) => ({
        ...u,
        accountName: 'acme',
        accountNumber: '123456789012',
      })),
    };
    const credentials = noticeCredentialsOf(inventory);
    expect(credentials.get('acme/admin')).toMatchObject({
      project: '123456789012',
      projectSuffixNeeded: false,
    });
    expect(credentials.get('acme/alice')).toMatchObject({
      project: '123456789012',
      projectSuffixNeeded: true,
    });
  });
});

describe('reports kept per job', async () => {
  const { url } = await createTestDatabase({ migrated: true });
  const store = PgJobStore.connect(url, new StateKey(randomBytes(32), 'test'));
  afterAll(() => store.close());

  it('answer not found until the job has a report, then parse it once while the job is unchanged', async () => {
    const job = await store.createJob({ type: 'migrate', spec: {} });
    let loads = 0;
    const views = new ReportViews({
      getJob: (id) => store.getJob(id),
      loadReport: async (id) => {
        loads += 1;
        return store.loadReport(id);
      },
      loadInventory: (id, options) => store.loadInventory(id, options),
    });
    await expect(views.get(job.id)).rejects.toThrow(/has no report yet/);
    await expect(views.get(job.id)).rejects.toBeInstanceOf(ReportNotFoundError);
    expect(loads).toBe(2);

    await store.saveReport(job.id, sampleReport({ jobId: job.id }));
    const first = await views.get(job.id);
    expect(await views.get(job.id)).toBe(first);
    expect(loads).toBe(3);
    // The inventory is gone: the notice still goes out, without naming the key.
    expect(REPORT_INVENTORY_ID).toBe(first.report.inventoryId);
    expect((await first.user(BOB)).notice).toContain(
      '- Your access key ID and your secret key: keep using them.',
    );

    // A retried job writes a new report: the kept one is read again.
    await store.saveReport(job.id, sampleReport({ jobId: job.id, outcome: 'failed' }));
    const second = await views.get(job.id);
    expect(second).not.toBe(first);
    expect(second.report.outcome).toBe('failed');
  });
});
