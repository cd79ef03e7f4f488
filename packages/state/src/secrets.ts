import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Problems with the key that seals secrets at rest: say which and what to do, never the key. */
export class StateKeyError extends Error {
  override readonly name = 'StateKeyError';
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The AES-256-GCM key that seals credentials in the state database. It comes from configuration
 * (`EUCA2NOVA_SECRET_KEY`, 32 bytes in base64) or from a key file created once with 0600
 * permissions; every process that reads the same state database (server, CLI, workers on other
 * machines) needs the same key.
 */
export class StateKey {
  readonly #key: Buffer;
  /** Where the key came from, for messages: never the key itself. */
  readonly origin: string;

  constructor(key: Buffer, origin: string) {
    if (key.length !== 32)
      throw new StateKeyError(
        `The state key from ${origin} has ${String(key.length)} bytes; AES-256 needs 32 (base64 of 32 random bytes, e.g. "openssl rand -base64 32").`,
      );
    this.#key = Buffer.from(key);
    this.origin = origin;
  }

  /** `version | iv | tag | ciphertext`; the version byte is authenticated with the content. */
  seal(plaintext: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const header = Buffer.from([VERSION]);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
  }

  unseal(sealed: Buffer): string {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION)
      throw new StateKeyError('A sealed secret in the state database is damaged.');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(sealed.subarray(0, 1));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new StateKeyError(
        `Secrets in the state database cannot be opened with the key from ${this.origin}: they were sealed under another key. Use the key file (or EUCA2NOVA_SECRET_KEY) of the process that stored them.`,
      );
    }
  }

  sealJson(value: unknown): Buffer {
    return this.seal(JSON.stringify(value));
  }

  unsealJson(sealed: Buffer): unknown {
    return JSON.parse(this.unseal(sealed));
  }

  toJSON(): string {
    return `[StateKey from ${this.origin}]`;
  }
}

export const STATE_KEY_FILE = 'state.key';

/**
 * The configured key, else `<dataDir>/state.key`, created with 0600 on first use. An existing key
 * file that others may read is refused rather than trusted.
 */
export async function loadStateKey(options: {
  /** Base64 of 32 bytes, from configuration. */
  base64?: string | undefined;
  dataDir: string;
}): Promise<StateKey> {
  if (options.base64 !== undefined && options.base64 !== '') {
    return new StateKey(Buffer.from(options.base64, 'base64'), 'EUCA2NOVA_SECRET_KEY');
  }
  const path = join(options.dataDir, STATE_KEY_FILE);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(`${randomBytes(32).toString('base64')}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
  const fh = await open(path, 'r');
  try {
    const { mode } = await fh.stat();
    if ((mode & 0o077) !== 0)
      throw new StateKeyError(
        `The key file ${path} may be read by other users (mode ${(mode & 0o777).toString(8)}); run "chmod 600 ${path}".`,
      );
  } finally {
    await fh.close();
  }
  const text = (await readFile(path, 'utf8')).trim();
  return new StateKey(Buffer.from(text, 'base64'), path);
}
