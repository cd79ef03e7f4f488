import { createHash } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, withDatabase } from '@euca2nova/state';
import type { Scenario } from './scenario.ts';

/** The 3.x cloud controller database: one PostgreSQL database per persistence context. */
export interface ControllerDb {
  /** The server URL (database `postgres`); contexts are databases beside it. */
  url: string;
  /** `eucalyptus_auth`: accounts, users, groups, access keys (secrets in plain text). */
  authUrl: string;
  /** `eucalyptus_cloud`: `metadata_keypairs` with the public keys. */
  cloudUrl: string;
  close(): Promise<void>;
}

function uuid(seed: string, label: string): string {
  const h = createHash('sha256').update(`${seed}\u0000uuid\u0000${label}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Columns every entity inherits (AbstractPersistent). */
const BASE_COLUMNS = `id varchar(255) primary key, version integer not null default 0,
  creation_timestamp timestamp, last_update_timestamp timestamp, metadata_perm_uuid varchar(255) unique`;

const AUTH_SCHEMA = `
create table auth_account (${BASE_COLUMNS},
  auth_account_name varchar(255) unique, auth_account_number varchar(255) unique, auth_account_canonical_id varchar(255));
create table auth_user (${BASE_COLUMNS},
  auth_user_id_external varchar(255), auth_user_name varchar(255), auth_user_path varchar(255), auth_user_reg_stat varchar(255),
  auth_user_is_enabled boolean, auth_user_token text, auth_user_confirmation_code varchar(255), auth_user_password varchar(255),
  auth_user_password_expires bigint);
create table auth_user_info_map (userentity_id varchar(255) references auth_user(id),
  auth_user_info_value varchar(255), auth_user_info_key varchar(255));
create table auth_group (${BASE_COLUMNS},
  auth_group_id_external varchar(255), auth_group_name varchar(255), auth_group_path varchar(255),
  auth_group_user_group boolean, auth_group_owning_account varchar(255) references auth_account(id));
create table auth_group_has_users (auth_group_id varchar(255) references auth_group(id), auth_user_id varchar(255) references auth_user(id));
create table auth_access_key (${BASE_COLUMNS},
  auth_access_key_active boolean, auth_access_key_query_id varchar(255), auth_access_key_key varchar(255),
  auth_access_key_create_date timestamp, auth_access_key_owning_user varchar(255) references auth_user(id));
`;

const CLOUD_SCHEMA = `
create table metadata_keypairs (${BASE_COLUMNS},
  metadata_account_id varchar(255), metadata_account_name varchar(255), metadata_user_id varchar(255), metadata_user_name varchar(255),
  metadata_display_name varchar(255), metadata_state varchar(255), metadata_unique_name varchar(255) unique,
  metadata_keypair_public_key text, metadata_keypair_finger_print varchar(255));
`;

async function populate(
  base: string,
  s: Scenario,
  names: { auth: string; cloud: string },
): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    for (const db of [names.auth, names.cloud]) {
      await admin.query(`drop database if exists ${db}`);
      await admin.query(`create database ${db}`);
    }
  } finally {
    await admin.end();
  }
  const created = '2013-01-07 09:00:00';
  const auth = new pg.Client({ connectionString: withDatabase(base, names.auth) });
  await auth.connect();
  try {
    await auth.query('begin');
    await auth.query(AUTH_SCHEMA);
    const accountIds = new Map<string, string>();
    for (const a of s.accounts) {
      const id = uuid(s.seed, `account:${a.name}`);
      accountIds.set(a.name, id);
      await auth.query(
        `insert into auth_account (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, auth_account_name, auth_account_number, auth_account_canonical_id)
         values ($1, $2, $2, $3, $4, $5, $6)`,
        [
          id,
          created,
          uuid(s.seed, `perm:account:${a.name}`),
          a.name,
          a.number,
          createHash('sha256').update(`canonical${a.number}`).digest('hex'),
        ],
      );
    }
    const userIds = new Map<string, string>();
    for (const u of s.users) {
      const id = uuid(s.seed, `user:${u.name}`);
      userIds.set(u.name, id);
      await auth.query(
        `insert into auth_user (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, auth_user_id_external, auth_user_name,
           auth_user_path, auth_user_reg_stat, auth_user_is_enabled, auth_user_token, auth_user_confirmation_code, auth_user_password,
           auth_user_password_expires)
         values ($1, $2, $2, $3, $4, $5, '/', 'CONFIRMED', $6, $7, $8, $9, $10)`,
        [
          id,
          created,
          uuid(s.seed, `perm:user:${u.name}`),
          u.userId,
          u.iamUserName,
          u.enabled,
          u.token,
          u.token.slice(0, 24),
          createHash('sha256').update(`password:${u.name}`).digest('hex'),
          Date.UTC(2030, 0, 1),
        ],
      );
      await auth.query(
        `insert into auth_user_info_map (userentity_id, auth_user_info_value, auth_user_info_key) values ($1, $2, 'email')`,
        [id, u.email],
      );
      // Each user's private "user group" `_<name>` ties it to its account.
      const gid = uuid(s.seed, `usergroup:${u.name}`);
      await auth.query(
        `insert into auth_group (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, auth_group_id_external, auth_group_name,
           auth_group_path, auth_group_user_group, auth_group_owning_account)
         values ($1, $2, $2, $3, $4, $5, '/', true, $6)`,
        [
          gid,
          created,
          uuid(s.seed, `perm:usergroup:${u.name}`),
          `AGPA${gid.replace(/-/g, '').slice(0, 17).toUpperCase()}`,
          `_${u.iamUserName}`,
          accountIds.get(u.accountName),
        ],
      );
      await auth.query(
        'insert into auth_group_has_users (auth_group_id, auth_user_id) values ($1, $2)',
        [gid, id],
      );
      await auth.query(
        `insert into auth_access_key (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, auth_access_key_active,
           auth_access_key_query_id, auth_access_key_key, auth_access_key_create_date, auth_access_key_owning_user)
         values ($1, $2, $2, $3, $4, $5, $6, $2, $7)`,
        [
          uuid(s.seed, `key:${u.name}`),
          created,
          uuid(s.seed, `perm:key:${u.name}`),
          u.enabled,
          u.accessKey,
          u.secretKey,
          id,
        ],
      );
    }
    for (const g of s.iamGroups) {
      const gid = uuid(s.seed, `group:${g.accountName}:${g.name}`);
      await auth.query(
        `insert into auth_group (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, auth_group_id_external, auth_group_name,
           auth_group_path, auth_group_user_group, auth_group_owning_account)
         values ($1, $2, $2, $3, $4, $5, $6, false, $7)`,
        [
          gid,
          created,
          uuid(s.seed, `perm:group:${g.accountName}:${g.name}`),
          g.groupId,
          g.name,
          g.path,
          accountIds.get(g.accountName),
        ],
      );
      for (const m of g.members) {
        await auth.query(
          'insert into auth_group_has_users (auth_group_id, auth_user_id) values ($1, $2)',
          [gid, userIds.get(m)],
        );
      }
    }
    await auth.query('commit');
  } finally {
    await auth.end();
  }
  const cloud = new pg.Client({ connectionString: withDatabase(base, names.cloud) });
  await cloud.connect();
  try {
    await cloud.query('begin');
    await cloud.query(CLOUD_SCHEMA);
    for (const k of s.keyPairs) {
      const u = s.users.find((x) => x.name === k.owner);
      if (!u) continue;
      await cloud.query(
        `insert into metadata_keypairs (id, creation_timestamp, last_update_timestamp, metadata_perm_uuid, metadata_account_id, metadata_account_name,
           metadata_user_id, metadata_user_name, metadata_display_name, metadata_state, metadata_unique_name, metadata_keypair_public_key,
           metadata_keypair_finger_print)
         values ($1, $2, $2, $3, $4, $5, $6, $7, $8, 'available', $9, $10, $11)`,
        [
          uuid(s.seed, `keypair:${k.owner}:${k.name}`),
          created,
          uuid(s.seed, `perm:keypair:${k.owner}:${k.name}`),
          u.accountNumber,
          u.accountName,
          u.userId,
          u.iamUserName,
          k.name,
          `${u.accountNumber}:${k.name}`,
          k.publicKey,
          k.fingerprint,
        ],
      );
    }
    await cloud.query('commit');
  } finally {
    await cloud.end();
  }
}

/**
 * Create the controller database for a 3.4 scenario, in the PostgreSQL at `url`, or in an embedded
 * PostgreSQL whose data lives under `dataDir` (superuser `root`, as on a real CLC).
 */
export async function startControllerDb(
  s: Scenario,
  opts: { url?: string; databasePrefix?: string; dataDir: string; host: string },
): Promise<ControllerDb> {
  const prefix = opts.databasePrefix ?? '';
  if (!/^[a-z0-9_]*$/.test(prefix)) throw new Error('databasePrefix may hold only a-z, 0-9 and _');
  const names = { auth: `${prefix}eucalyptus_auth`, cloud: `${prefix}eucalyptus_cloud` };
  if (opts.url !== undefined) {
    const base = withDatabase(opts.url, 'postgres');
    await populate(base, s, names);
    return {
      // The auth database names the prefix, so a reader finds the cloud database beside it.
      url: withDatabase(base, names.auth),
      authUrl: withDatabase(base, names.auth),
      cloudUrl: withDatabase(base, names.cloud),
      close: async () => {},
    };
  }
  // The cloud controller's own superuser is `root` (eucalyptus.md §2.3).
  const server = await startEmbeddedPostgres({
    dataDir: opts.dataDir,
    user: 'root',
    host: opts.host,
  });
  const base = server.adminUrl;
  try {
    await populate(base, s, names);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    url: withDatabase(base, names.auth),
    authUrl: withDatabase(base, names.auth),
    cloudUrl: withDatabase(base, names.cloud),
    close: () => server.stop(),
  };
}
