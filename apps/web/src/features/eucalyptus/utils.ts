import {
  NetworkModeSchema,
  SourceConnectionRequestSchema,
  type SourceConnectionRequest,
} from '@euca2nova/model';
import { z } from 'zod';
import type { Attachment } from './files.ts';

/*
 * The form's values are what the inputs hold (strings, '' for empty) and the files dropped; the
 * request is the model's SourceConnectionRequest. The form schema turns the one into the other and
 * then validates with the model's own schema, so the browser refuses exactly what the server would.
 */

const text = z.string();

export const SourceFormSchema = z
  .object({
    name: text,
    ec2Url: text,
    s3Url: text,
    euareUrl: text,
    accessKey: text,
    secretKey: text,
    controllerDbUrl: text,
    networkMode: z.union([NetworkModeSchema, z.literal('')]),
    attachments: z.array(z.custom<Attachment>()),
  })
  .superRefine((v, ctx) => {
    const credentials = v.attachments.some(
      (a) => a.kind === 'eucarc' || a.kind === 'credentialsZipBase64',
    );
    if (credentials) return;
    // Without a eucarc or a zip, the three fields are the connection.
    const missing = [
      ['ec2Url', 'Give the EC2 URL, or drop the eucarc or the credentials zip.'],
      ['accessKey', "Give the admin's access key, or drop the eucarc or the credentials zip."],
      ['secretKey', "Give the admin's secret key, or drop the eucarc or the credentials zip."],
    ] as const;
    for (const [field, message] of missing)
      if (v[field].trim() === '') ctx.addIssue({ code: 'custom', path: [field], message });
  })
  .transform((v): SourceConnectionRequest => {
    const given = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());
    const files = Object.fromEntries(v.attachments.map((a) => [a.kind, a.content]));
    const conf = v.attachments.some((a) => a.kind === 'eucalyptusConf');
    const fields = {
      name: given(v.name),
      ec2Url: given(v.ec2Url),
      s3Url: given(v.s3Url),
      euareUrl: given(v.euareUrl),
      accessKey: given(v.accessKey),
      // A secret is never trimmed away to nothing by accident, but surrounding blanks are pasting.
      secretKey: given(v.secretKey),
      controllerDbUrl: given(v.controllerDbUrl),
      // eucalyptus.conf says which mode the cloud runs; the choice is only for clouds without it.
      networkMode: conf || v.networkMode === '' ? undefined : v.networkMode,
      files: v.attachments.length === 0 ? undefined : files,
    };
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  })
  .pipe(SourceConnectionRequestSchema);

export type SourceFormValues = z.input<typeof SourceFormSchema>;

export const EMPTY_SOURCE_FORM: SourceFormValues = {
  name: '',
  ec2Url: '',
  s3Url: '',
  euareUrl: '',
  accessKey: '',
  secretKey: '',
  controllerDbUrl: '',
  networkMode: '',
  attachments: [],
};

/** The public part of a stored Eucalyptus connection, as the server sends it. */
export interface SourcePublic {
  name?: string;
  ec2Url?: string;
  s3Url?: string;
  euareUrl?: string;
  accessKey?: string;
  secretStored?: boolean;
  controllerDb?: boolean;
  cloudPk?: boolean;
  eucalyptusConf?: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

export function sourcePublic(p: Record<string, unknown>): SourcePublic {
  const out: SourcePublic = {};
  const set = <K extends keyof SourcePublic>(k: K, v: SourcePublic[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('name', str(p.name));
  set('ec2Url', str(p.ec2Url));
  set('s3Url', str(p.s3Url));
  set('euareUrl', str(p.euareUrl));
  set('accessKey', str(p.accessKey));
  set('secretStored', bool(p.secretStored));
  set('controllerDb', bool(p.controllerDb));
  set('cloudPk', bool(p.cloudPk));
  set('eucalyptusConf', bool(p.eucalyptusConf));
  return out;
}

/** What the operator calls a connection: its name, else the EC2 endpoint's host. */
export function sourceTitle(p: SourcePublic): string {
  if (p.name !== undefined && p.name !== '') return p.name;
  if (p.ec2Url !== undefined && URL.canParse(p.ec2Url)) return new URL(p.ec2Url).host;
  return 'Eucalyptus cloud';
}

/** A failed test's code as a heading an operator reads first. */
export const SOURCE_PROBLEM_TITLES: Readonly<Record<string, string>> = {
  unreachable: 'The cloud could not be reached',
  tls: 'The secure connection failed',
  auth: 'The cloud refused the keys',
  'not-admin': 'These keys are not an administrator’s',
  'not-eucalyptus': 'This is not a Eucalyptus cloud',
  unsupported: 'This Eucalyptus version is not supported',
  throttled: 'The cloud is throttling requests',
  server: 'The cloud answered with an error',
  malformed: 'The answer was not Eucalyptus’s',
  'too-large': 'An answer was too large',
  'not-found': 'Something the test needs was not found',
  'bad-input': 'Something given is not usable',
};
