import type { ConnectionTest } from '@euca2nova/model';

/** The public part of a stored Nova connection: never the password, only that one is stored. */
export interface NovaPublic {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  passwordStored?: boolean;
  imagesPath?: string;
}

export function novaPublic(p: Record<string, unknown>): NovaPublic {
  const out: NovaPublic = {};
  if (typeof p.host === 'string') out.host = p.host;
  if (typeof p.port === 'number') out.port = p.port;
  if (typeof p.database === 'string') out.database = p.database;
  if (typeof p.user === 'string') out.user = p.user;
  if (typeof p.passwordStored === 'boolean') out.passwordStored = p.passwordStored;
  if (typeof p.imagesPath === 'string') out.imagesPath = p.imagesPath;
  return out;
}

/** "nova on db.example.org:5432". */
export function novaTitle(p: NovaPublic): string {
  return `${p.database ?? 'nova'} on ${p.host ?? 'localhost'}:${String(p.port ?? 5432)}`;
}

type TargetStatus = NonNullable<ConnectionTest['target']>['status'];

export const TARGET_STATUS_TEXT: Readonly<Record<TargetStatus, string>> = {
  empty: 'empty: no tables yet',
  bexar: 'Nova 2011.1 (Bexar)',
  'other-version': 'another Nova version',
  'not-nova': 'not a Nova database',
  incomplete: 'Bexar, but incomplete',
};

/** A failed test's code as a heading, and what to do about it. */
export const TARGET_PROBLEMS: Readonly<Record<string, { title: string; remedy?: string }>> = {
  'connect-failed': {
    title: 'The Nova database could not be reached',
    remedy:
      'Check the host and the port, that PostgreSQL runs and accepts connections from this host (listen_addresses, pg_hba.conf), and the user name and password in the URL. Then save the corrected URL.',
  },
  'bad-url': {
    title: 'The database URL is not usable',
    remedy: 'Write it as postgres://user:password@host:5432/nova.',
  },
  'target-empty': {
    title: 'The Nova database is empty',
    remedy:
      'A real Nova creates its schema itself (nova-manage db sync). For a trial, create Bexar’s schema below.',
  },
  'target-not-nova': {
    title: 'This is not a Nova database',
    remedy: 'Check the database name in the URL: it must be the Bexar nova database.',
  },
  'target-other-version': {
    title: 'This Nova is not Bexar',
    remedy: 'euca2nova writes only Nova 2011.1 (Bexar): point it at a Bexar database.',
  },
  'target-incomplete': {
    title: 'The Bexar schema is incomplete',
    remedy:
      'Repair it with Bexar’s nova-manage db sync, or start from an empty database and create the schema here (trials).',
  },
  'target-bexar': {
    title: 'Nova cannot be written as things are',
  },
  'permission-denied': {
    title: 'The database role may not write',
    remedy: 'Use the role that owns the Nova tables.',
  },
  'read-only': {
    title: 'The database is read-only',
    remedy: 'Connect to the primary server, not a replica.',
  },
};
