import yauzl from 'yauzl';
import { ConfigFileError, parseEucarc, type Eucarc } from './config-files.ts';
import { SourceError } from './errors.ts';

/** What euca2nova takes from the admin credentials zip Eucalyptus hands out. */
export interface CredentialsZip {
  /** The eucarc's endpoints and keys. */
  eucarc: Eucarc;
  /** `cloud-cert.pem`: the certificate image bundles are encrypted to. */
  cloudCertPem: string;
  /** `cloud-pk.pem`, when the zip holds it (it normally does not: it lives on the controller). */
  cloudPkPem?: string;
  /** Every entry name in the zip, in order (for the operator; nothing else is read). */
  entries: string[];
}

export interface ReadCredentialsZipOptions {
  /** Largest uncompressed entry read (default 1 MiB; a eucarc or PEM is a few KiB). */
  maxEntryBytes?: number;
  /** Largest sum of uncompressed sizes of all entries (default 8 MiB). */
  maxTotalBytes?: number;
  /** Most entries (default 256). */
  maxEntries?: number;
}

const WANTED = new Set(['eucarc', 'cloud-cert.pem', 'cloud-pk.pem']);

const bad = (message: string, cause?: unknown): SourceError =>
  new SourceError('bad-input', `Credentials zip: ${message}`, cause ? { cause } : undefined);

/** A name that could write outside the directory it is unpacked into, or is not a plain path. */
function unsafeName(name: string): boolean {
  return (
    name.length === 0 ||
    name.length > 255 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\u0000') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '..')
  );
}

function openZip(buffer: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      buffer,
      {
        lazyEntries: true,
        decodeStrings: true,
        validateEntrySizes: true,
        strictFileNames: false,
      },
      (err, zip) => {
        if (err) reject(bad(`not a readable zip file (${err.message}).`, err));
        else resolve(zip);
      },
    );
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) {
        reject(bad(`cannot read ${entry.fileName} (${err.message}).`, err));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          stream.destroy();
          reject(bad(`${entry.fileName} is larger than ${limit} bytes.`));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', (e: Error) => {
        reject(bad(`cannot read ${entry.fileName} (${e.message}).`, e));
      });
      stream.on('end', () => {
        resolve(Buffer.concat(chunks));
      });
    });
  });
}

/**
 * Read the admin credentials zip (`euca-get-credentials`, the dashboard's "Download Credentials"):
 * its `eucarc`, `cloud-cert.pem` and, if present, `cloud-pk.pem`. Entries may sit in one folder.
 * Hostile archives fail with a `bad-input` `SourceError`: too many or too large entries (declared or
 * actual), names that climb out of the folder or are absolute, encrypted or duplicated entries.
 */
export async function readCredentialsZip(
  buffer: Buffer,
  options: ReadCredentialsZipOptions = {},
): Promise<CredentialsZip> {
  const maxEntryBytes = options.maxEntryBytes ?? 1024 * 1024;
  const maxTotalBytes = options.maxTotalBytes ?? 8 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 256;
  if (buffer.length < 22 || buffer.readUInt32LE(0) !== 0x04034b50)
    throw bad('the file is not a zip archive (no PK signature at its start).');
  const zip = await openZip(buffer);
  if (zip.entryCount > maxEntries) {
    zip.close();
    throw bad(`it has ${zip.entryCount} entries; at most ${maxEntries} are accepted.`);
  }
  const found = new Map<string, string>();
  const entries: string[] = [];
  let declared = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (e: Error) => {
        reject(bad(`a damaged or unsafe entry (${e.message}).`, e));
      });
      zip.on('end', () => {
        resolve();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const name = entry.fileName;
          if (unsafeName(name)) throw bad(`refusing the entry name ${JSON.stringify(name)}.`);
          entries.push(name);
          declared += entry.uncompressedSize;
          if (declared > maxTotalBytes)
            throw bad(`its entries add up to more than ${maxTotalBytes} bytes uncompressed.`);
          const base = name.split('/').pop() ?? '';
          if (!name.endsWith('/') && WANTED.has(base)) {
            if (name.split('/').length > 2) throw bad(`${name} is nested deeper than one folder.`);
            if (found.has(base)) throw bad(`it holds ${base} more than once.`);
            if (entry.isEncrypted()) throw bad(`${name} is encrypted.`);
            if (entry.uncompressedSize > maxEntryBytes)
              throw bad(`${name} is larger than ${maxEntryBytes} bytes.`);
            found.set(base, (await readEntry(zip, entry, maxEntryBytes)).toString('utf8'));
          }
          zip.readEntry();
        })().catch(reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  const eucarcText = found.get('eucarc');
  if (eucarcText === undefined)
    throw bad('no eucarc in it; use the zip from euca-get-credentials or the dashboard.');
  const cloudCertPem = found.get('cloud-cert.pem');
  if (cloudCertPem === undefined || !cloudCertPem.includes('-----BEGIN CERTIFICATE-----'))
    throw bad('no cloud-cert.pem certificate in it.');
  let eucarc: Eucarc;
  try {
    eucarc = parseEucarc(eucarcText, 'eucarc (in the credentials zip)');
  } catch (e) {
    if (e instanceof ConfigFileError) throw bad(e.message, e);
    throw e;
  }
  const cloudPkPem = found.get('cloud-pk.pem');
  if (cloudPkPem !== undefined && !/-----BEGIN (?:RSA )?PRIVATE KEY-----/.test(cloudPkPem))
    throw bad('cloud-pk.pem in it is not a PEM private key.');
  return { eucarc, cloudCertPem, ...(cloudPkPem !== undefined ? { cloudPkPem } : {}), entries };
}
