import { SourceFilesSchema } from '@euca2nova/model';

/*
 * The files an operator drops on the Eucalyptus step, recognised by name or content and checked
 * against the same bounds the server applies (the model's SourceFilesSchema), before anything is
 * sent.
 */

export type SourceFileKind = 'eucarc' | 'credentialsZipBase64' | 'eucalyptusConf' | 'cloudPkPem';

/** One recognised file: what it is, what it was called, and what goes to the server. */
export interface Attachment {
  kind: SourceFileKind;
  fileName: string;
  size: number;
  /** Text, or base64 for the credentials zip. */
  content: string;
}

export const FILE_LABELS: Readonly<Record<SourceFileKind, string>> = {
  eucarc: 'eucarc',
  credentialsZipBase64: 'credentials zip',
  eucalyptusConf: 'eucalyptus.conf',
  cloudPkPem: 'cloud-pk.pem',
};

/** Larger than any file the step takes (the zip's 1 MiB): not worth reading to find out. */
const READ_LIMIT = 1024 * 1024;

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function isZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

function base64(bytes: Uint8Array): string {
  // btoa takes a binary string; building it in chunks keeps the argument list bounded.
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function kindOfText(name: string, text: string): SourceFileKind | undefined {
  if (/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) return 'cloudPkPem';
  if (/^\s*(export\s+)?VNET_MODE\s*=/m.test(text)) return 'eucalyptusConf';
  if (/^\s*(export\s+)?EC2_(URL|ACCESS_KEY)\s*=/m.test(text)) return 'eucarc';
  const lower = name.toLowerCase();
  if (lower.endsWith('.pem')) return 'cloudPkPem';
  if (lower === 'eucalyptus.conf' || lower.endsWith('.conf')) return 'eucalyptusConf';
  if (lower.includes('eucarc')) return 'eucarc';
  return undefined;
}

/** What a dropped file is, read and bounded; or why it cannot be used, in words. */
export async function readAttachment(
  file: File,
): Promise<{ attachment: Attachment } | { problem: string }> {
  const lower = file.name.toLowerCase();
  if (file.size > READ_LIMIT && !lower.endsWith('.zip'))
    return {
      problem: `${file.name} is larger than 1 MiB: it is none of the files this step takes (eucarc, credentials zip, eucalyptus.conf, cloud-pk.pem).`,
    };
  if (file.size > READ_LIMIT)
    return { problem: `${file.name}: the credentials zip is larger than 1 MiB.` };
  const bytes = new Uint8Array(await file.arrayBuffer());
  let kind: SourceFileKind | undefined;
  let content: string;
  if (isZip(bytes) || lower.endsWith('.zip')) {
    kind = 'credentialsZipBase64';
    content = base64(bytes);
  } else {
    content = new TextDecoder().decode(bytes);
    kind = kindOfText(file.name, content);
  }
  if (kind === undefined)
    return {
      problem: `${file.name} is not a eucarc, a credentials zip, eucalyptus.conf or cloud-pk.pem (nothing in it looks like EC2_URL=, VNET_MODE= or a private key).`,
    };
  const checked = SourceFilesSchema.shape[kind].safeParse(content);
  if (!checked.success)
    return {
      problem: `${file.name}: ${checked.error.issues[0]?.message ?? `not a usable ${FILE_LABELS[kind]}`}.`,
    };
  return { attachment: { kind, fileName: file.name, size: file.size, content } };
}

/**
 * Adds a file to those attached: one of each kind (a new one replaces the old), and never a
 * eucarc beside a credentials zip (the zip holds its own eucarc; the server refuses both).
 */
export function attach(
  current: readonly Attachment[],
  next: Attachment,
): { attachments: Attachment[] } | { problem: string } {
  const clash: SourceFileKind | undefined =
    next.kind === 'eucarc'
      ? 'credentialsZipBase64'
      : next.kind === 'credentialsZipBase64'
        ? 'eucarc'
        : undefined;
  const other = current.find((a) => a.kind === clash);
  if (other !== undefined)
    return {
      problem: `${next.fileName}: give a eucarc or a credentials zip, not both (the zip holds its own eucarc). Remove ${other.fileName} first.`,
    };
  return { attachments: [...current.filter((a) => a.kind !== next.kind), next] };
}
