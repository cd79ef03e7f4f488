import { Sha256 } from '@aws-crypto/sha256-js';
import {
  GetGroupCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimUser } from '../src/index.ts';
import { at, parseXml, queryV2, type Creds } from './helpers.ts';

function user(sim: RunningSimulator, name: string): SimUser {
  const u = sim.scenario.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
}

/** An IAM client that adds `DelegateAccount` to every request before it is signed. */
function iam(sim: RunningSimulator, creds: Creds, delegate?: string): IAMClient {
  const client = new IAMClient({
    endpoint: sim.urls.euare,
    region: 'eucalyptus',
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    maxAttempts: 1,
  });
  if (delegate !== undefined) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { body?: unknown };
        if (typeof req.body === 'string')
          req.body = `${req.body}&DelegateAccount=${encodeURIComponent(delegate)}`;
        return next(args);
      },
      { step: 'build', name: 'delegateAccount', priority: 'high' },
    );
  }
  return client;
}

/** A SigV4-signed Euare call made with AWS's own signer (for Eucalyptus-only actions the SDK lacks). */
async function euareV4(
  sim: RunningSimulator,
  creds: Creds,
  params: Record<string, string>,
): Promise<{ status: number; xml: Record<string, unknown> }> {
  const url = new URL(sim.urls.euare ?? '');
  const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
  const signer = new SignatureV4({
    credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
    region: 'eucalyptus',
    service: 'iam',
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, xml: parseXml(await res.text()) };
}

describe('Euare and the controller database (3.4)', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, eucaVersion: '3.4', seed: 'T', imageSize: 4096 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists every account, system accounts included (ListAccounts, SigV4)', async () => {
    const r = await euareV4(sim, sim.admin, { Action: 'ListAccounts' });
    expect(r.status).toBe(200);
    const members = at(
      r.xml,
      'ListAccountsResponse',
      'ListAccountsResult',
      'Accounts',
      'member',
    ) as Record<string, unknown>[];
    expect(
      members.map((m) => `${String(m['AccountName'])}=${String(m['AccountId'])}`).sort(),
    ).toEqual(sim.scenario.accounts.map((a) => `${a.name}=${a.number}`).sort());
    expect(members.some((m) => String(m['AccountName']).startsWith('(eucalyptus)'))).toBe(true);
    expect(at(r.xml, 'ListAccountsResponse', 'ResponseMetadata', 'RequestId')).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('answers IAM calls for another account with DelegateAccount (AWS SDK v3)', async () => {
    const alice = user(sim, 'alice');
    const users = await iam(sim, sim.admin, 'alice').send(new ListUsersCommand({}));
    expect(users.Users?.map((u) => [u.UserName, u.UserId, u.Arn])).toEqual([
      ['admin', alice.userId, `arn:aws:iam::${alice.accountNumber}:user/admin`],
    ]);
    const keys = await iam(sim, sim.admin, 'alice').send(
      new ListAccessKeysCommand({ UserName: 'admin' }),
    );
    expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([
      [alice.accessKey, 'Active'],
    ]);
    const groups = await iam(sim, sim.admin, 'bob').send(new ListGroupsCommand({}));
    expect(groups.Groups?.map((g) => [g.GroupName, g.Path])).toEqual([['operators', '/ops/']]);
    const group = await iam(sim, sim.admin, 'bob').send(
      new GetGroupCommand({ GroupName: 'operators' }),
    );
    expect(group.Users?.map((u) => u.UserName)).toEqual(['admin']);
    const own = await iam(sim, sim.admin).send(new ListUsersCommand({}));
    expect(own.Users?.map((u) => u.UserName)).toEqual(['admin']);
    expect(
      (await iam(sim, user(sim, 'erin'), undefined)
        .send(new ListUsersCommand({}))
        .catch((e: unknown) => e)) as object,
    ).toMatchObject({ name: 'InvalidClientTokenId' });
  });

  it('refuses DelegateAccount to a non-admin, and unknown accounts', async () => {
    await expect(
      iam(sim, user(sim, 'alice'), 'bob').send(new ListUsersCommand({})),
    ).rejects.toMatchObject({ name: 'NotAuthorized' });
    await expect(
      iam(sim, sim.admin, 'nobody-here').send(new ListUsersCommand({})),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const r = await queryV2(
      sim.urls.euare ?? '',
      { Action: 'ListAccounts', Version: '2010-05-08' },
      user(sim, 'alice'),
    );
    const members = at(
      r.xml,
      'ListAccountsResponse',
      'ListAccountsResult',
      'Accounts',
      'member',
    ) as Record<string, unknown>[];
    expect(members.map((m) => m['AccountName'])).toEqual(['alice']);
  });

  it('keeps every secret key and key-pair public key in PostgreSQL, joinable as on a real CLC', async () => {
    expect(sim.controllerDb?.authUrl).toMatch(/\/eucalyptus_auth$/);
    const auth = new pg.Client({ connectionString: sim.controllerDb?.authUrl });
    await auth.connect();
    try {
      const { rows } = await auth.query<{
        account: string;
        number: string;
        user: string;
        query_id: string;
        secret: string;
        enabled: boolean;
      }>(`
        select a.auth_account_name as account, a.auth_account_number as number, u.auth_user_name as "user",
               k.auth_access_key_query_id as query_id, k.auth_access_key_key as secret, u.auth_user_is_enabled as enabled
          from auth_access_key k
          join auth_user u on u.id = k.auth_access_key_owning_user
          join auth_group_has_users gu on gu.auth_user_id = u.id
          join auth_group g on g.id = gu.auth_group_id and g.auth_group_user_group
          join auth_account a on a.id = g.auth_group_owning_account`);
      expect(
        rows.map((r) => [r.account, r.number, r.user, r.query_id, r.secret, r.enabled]).sort(),
      ).toEqual(
        sim.scenario.users
          .map((u) => [
            u.accountName,
            u.accountNumber,
            u.iamUserName,
            u.accessKey,
            u.secretKey,
            u.enabled,
          ])
          .sort(),
      );
    } finally {
      await auth.end();
    }
    const cloud = new pg.Client({ connectionString: sim.controllerDb?.cloudUrl });
    await cloud.connect();
    try {
      const { rows } = await cloud.query<{
        account: string;
        name: string;
        pub: string;
        fp: string;
      }>(
        'select metadata_account_id as account, metadata_display_name as name, metadata_keypair_public_key as pub, metadata_keypair_finger_print as fp from metadata_keypairs',
      );
      expect(rows).toHaveLength(sim.scenario.keyPairs.length);
      for (const k of sim.scenario.keyPairs) {
        expect(rows).toContainEqual({
          account: user(sim, k.owner).accountNumber,
          name: k.name,
          pub: k.publicKey,
          fp: k.fingerprint,
        });
      }
    } finally {
      await cloud.end();
    }
  });
});

describe('Properties service', () => {
  it('exposes the 3.4 cluster network settings to an admin, consistent with eucalyptus.conf', async () => {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      seed: 'T',
      imageSize: 4096,
      controllerDb: 'none',
      networkMode: 'MANAGED-NOVLAN',
    });
    try {
      const r = await queryV2(
        sim.urls.properties,
        { Action: 'DescribeProperties', Version: 'eucalyptus', 'Property.1': 'cluster01.cluster' },
        sim.admin,
      );
      expect(r.status).toBe(200);
      const props = Object.fromEntries(
        (
          at(r.xml, 'DescribePropertiesResponse', 'properties', 'item') as Record<string, unknown>[]
        ).map((p) => [String(p['name']), String(p['value'])]),
      );
      expect(props['cluster01.cluster.networkmode']).toBe('MANAGED-NOVLAN');
      expect(props['cluster01.cluster.usenetworktags']).toBe('false');
      expect(props['cluster01.cluster.vnetsubnet']).toBe(sim.scenario.network.conf['VNET_SUBNET']);
      expect(props['cluster01.cluster.addressespernetwork']).toBe(
        sim.scenario.network.conf['VNET_ADDRSPERNET'],
      );
      const alice = sim.scenario.users.find((u) => u.name === 'alice');
      if (!alice) throw new Error('no alice');
      expect(
        (
          await queryV2(
            sim.urls.properties,
            { Action: 'DescribeProperties', Version: 'eucalyptus' },
            alice,
          )
        ).status,
      ).toBe(403);
    } finally {
      await sim.close();
    }
  });

  it('has nothing network-related in 2.0', async () => {
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      seed: 'T',
      imageSize: 4096,
    });
    try {
      const r = await queryV2(
        sim.urls.properties,
        { Action: 'DescribeProperties', Version: 'eucalyptus' },
        sim.admin,
      );
      const names = (
        at(r.xml, 'DescribePropertiesResponse', 'properties', 'item') as Record<string, unknown>[]
      ).map((p) => String(p['name']));
      expect(names.length).toBeGreaterThan(0);
      expect(names.some((n) => n.includes('network'))).toBe(false);
    } finally {
      await sim.close();
    }
  });
});

describe('controller database on a given PostgreSQL server', () => {
  it('creates the prefixed context databases there', async () => {
    const host = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      seed: 'T',
      imageSize: 4096,
    });
    try {
      const url = host.controllerDb?.url ?? '';
      const guest = await startSimulator({
        port: 0,
        eucaVersion: '3.4',
        seed: 'T2',
        imageSize: 4096,
        controllerDb: { url, databasePrefix: 'guest_' },
      });
      try {
        expect(guest.controllerDb?.authUrl).toMatch(/\/guest_eucalyptus_auth$/);
        const c = new pg.Client({ connectionString: guest.controllerDb?.authUrl });
        await c.connect();
        try {
          const { rows } = await c.query<{ secret: string }>(
            'select auth_access_key_key as secret from auth_access_key',
          );
          expect(rows.map((r) => r.secret).sort()).toEqual(
            guest.scenario.users.map((u) => u.secretKey).sort(),
          );
        } finally {
          await c.end();
        }
      } finally {
        await guest.close();
      }
    } finally {
      await host.close();
    }
  });
});

describe('a reused --dir', () => {
  it('restarts on the same directory with another seed, its database re-populated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'euca-sim-reuse-'));
    chmodSync(dir, 0o755); // as an operator's folder is; mkdtemp makes it 0700
    try {
      const first = await startSimulator({
        port: 0,
        eucaVersion: '3.4',
        seed: 'T',
        imageSize: 4096,
        dir,
      });
      await first.close();
      const second = await startSimulator({
        port: 0,
        eucaVersion: '3.4',
        seed: 'T2',
        imageSize: 4096,
        dir,
      });
      try {
        const c = new pg.Client({ connectionString: second.controllerDb?.authUrl });
        await c.connect();
        try {
          const { rows } = await c.query<{ k: string }>(
            'select auth_access_key_query_id as k from auth_access_key',
          );
          expect(rows.map((r) => r.k).sort()).toEqual(
            second.scenario.users.map((u) => u.accessKey).sort(),
          );
        } finally {
          await c.end();
        }
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Accounts service (2.0)', () => {
  let sim: RunningSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, eucaVersion: '2.0', seed: 'T', imageSize: 4096 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('gives an admin every user with access and secret keys (DescribeUsers)', async () => {
    const r = await queryV2(
      sim.urls.accounts,
      { Action: 'DescribeUsers', Version: 'eucalyptus' },
      sim.admin,
    );
    expect(r.status).toBe(200);
    expect(at(r.xml, 'DescribeUsersResponse', '@_xmlns')).toBe('http://msgs.eucalyptus.com');
    const list = at(r.xml, 'DescribeUsersResponse', 'users', 'item') as Record<string, unknown>[];
    expect(
      list
        .map((u) => [u['userName'], u['accessKey'], u['secretKey'], u['admin'], u['enabled']])
        .sort(),
    ).toEqual(
      sim.scenario.users
        .map((u) => [u.name, u.accessKey, u.secretKey, String(u.isAdmin), String(u.enabled)])
        .sort(),
    );
  });

  it('answers a non-admin with a bare 403, and has no Euare', async () => {
    const alice = sim.scenario.users.find((u) => u.name === 'alice');
    if (!alice) throw new Error('no alice');
    const r = await queryV2(
      sim.urls.accounts,
      { Action: 'DescribeUsers', Version: 'eucalyptus' },
      alice,
    );
    expect(r.status).toBe(403);
    expect(r.text).toBe('');
    expect(sim.urls.euare).toBeUndefined();
    expect((await fetch(sim.urls.ec2.replace('/Eucalyptus', '/Euare'))).status).toBe(404);
  });
});
