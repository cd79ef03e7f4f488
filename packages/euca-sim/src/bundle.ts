import { once } from 'node:events';
import {
  createCipheriv,
  createHash,
  createSign,
  publicEncrypt,
  constants,
  type KeyObject,
} from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { imageStream } from './content.ts';
import type { SimImage } from './scenario.ts';
import { Rng } from './rand.ts';
import XMLBuilder from 'fast-xml-builder';

/** euca2ools' default part size: 10 MiB. */
export const DEFAULT_PART_SIZE = 10 * 1024 * 1024;

export interface BundleObject {
  key: string;
  size: number;
  /** Hex MD5, the S3 ETag. */
  md5: string;
  file: string;
}

export interface Bundle {
  manifest: BundleObject;
  parts: BundleObject[];
  /** SHA-1 (hex) of the unencrypted tarball, as in the manifest's image/digest. */
  tarSha1: string;
}

export interface BundleInputs {
  image: SimImage;
  /** The owner as the manifest's image/user shows it (user name in 2.0, account number in 3.x). */
  ownerId: string;
  seed: string;
  contentKey: Buffer;
  cloudPublicKey: KeyObject;
  /** The bundling user's key pair: `user_encrypted_key/iv` are encrypted to it and it signs the manifest. */
  ownerPublicKey: KeyObject;
  ownerPrivateKey: KeyObject;
  dir: string;
  partSize: number;
}

const xml = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
});

/** Writes a byte stream as `<prefix>.part.NN` files of `partSize` bytes, with SHA-1 and MD5 of each. */
class PartWriter extends Writable {
  readonly parts: (BundleObject & { sha1: string })[] = [];
  private current?: {
    stream: ReturnType<typeof createWriteStream>;
    sha1: ReturnType<typeof createHash>;
    md5: ReturnType<typeof createHash>;
    size: number;
    key: string;
    file: string;
  };

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly partSize: number,
  ) {
    super();
  }

  private open(): NonNullable<PartWriter['current']> {
    const index = this.parts.length + (this.current ? 1 : 0);
    const key = `${this.prefix}.part.${String(index).padStart(2, '0')}`;
    const file = join(this.dir, key);
    const cur = {
      stream: createWriteStream(file),
      sha1: createHash('sha1'),
      md5: createHash('md5'),
      size: 0,
      key,
      file,
    };
    this.current = cur;
    return cur;
  }

  private async closeCurrent(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    await new Promise<void>((resolve, reject) => {
      cur.stream.end((err?: Error | null) => {
        if (err) reject(err);
        else resolve();
      });
    });
    this.parts.push({
      key: cur.key,
      file: cur.file,
      size: cur.size,
      md5: cur.md5.digest('hex'),
      sha1: cur.sha1.digest('hex'),
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    void (async () => {
      let rest = chunk;
      while (rest.length > 0) {
        const cur = this.current ?? this.open();
        const n = Math.min(rest.length, this.partSize - cur.size);
        const piece = rest.subarray(0, n);
        cur.sha1.update(piece);
        cur.md5.update(piece);
        cur.size += n;
        if (!cur.stream.write(piece)) await once(cur.stream, 'drain');
        rest = rest.subarray(n);
        if (cur.size === this.partSize) await this.closeCurrent();
      }
    })().then(() => {
      done();
    }, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.closeCurrent().then(() => {
      done();
    }, done);
  }
}

/** Taps a stream to hash it on the way through. */
function hashTap(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

/**
 * Bundle an image the way euca-bundle-image does: tar → SHA-1 → gzip → AES-128-CBC (random key and
 * IV, each encrypted as a hex string to the cloud certificate with RSA PKCS#1 v1.5) → 10 MiB parts,
 * plus a signed manifest. The files land in `dir/<bucket>/`, like Walrus' bukkits directory.
 */
export async function createBundle(inp: BundleInputs): Promise<Bundle> {
  const { image } = inp;
  const bucketDir = join(inp.dir, image.bucket);
  await mkdir(bucketDir, { recursive: true });
  const rng = new Rng(inp.seed, `bundle:${image.id}`);
  const aesKey = rng.bytes(16);
  const aesIv = rng.bytes(16);

  const pack = tar.pack();
  const tarSha1 = createHash('sha1');
  const parts = new PartWriter(bucketDir, image.fileName, inp.partSize);
  const entry = pack.entry({
    name: image.fileName,
    size: image.size,
    mode: 0o644,
    mtime: new Date(Date.UTC(2013, 0, 1)),
    uid: 0,
    gid: 0,
    uname: 'root',
    gname: 'root',
  });
  const feed = pipeline(imageStream(inp.contentKey, image.size), entry).then(() => {
    pack.finalize();
  });
  await Promise.all([
    feed,
    pipeline(
      pack,
      hashTap(tarSha1),
      // Stored deflate blocks: the pseudo-random content is incompressible at any level, and level 0
      // bundles three times faster than level 1 (a valid gzip stream all the same).
      createGzip({ level: 0, chunkSize: 1024 * 1024 }),
      createCipheriv('aes-128-cbc', aesKey, aesIv),
      parts,
    ),
  ]);
  const digest = tarSha1.digest('hex');
  const bundledSize = parts.parts.reduce((n, p) => n + p.size, 0);

  const encrypt = (key: KeyObject, hex: string): string =>
    publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(hex)).toString('hex');
  const machineConfiguration = {
    architecture: image.architecture,
    ...(image.kind === 'kernel'
      ? { kernel_id: 'true' }
      : image.kind === 'ramdisk'
        ? { ramdisk_id: 'true' }
        : {}),
    ...(image.kind === 'machine' && image.kernelId !== undefined
      ? { kernel_id: image.kernelId }
      : {}),
    ...(image.kind === 'machine' && image.ramdiskId !== undefined
      ? { ramdisk_id: image.ramdiskId }
      : {}),
  };
  const imageNode = {
    name: image.fileName,
    user: inp.ownerId,
    type: image.kind,
    digest: { '@_algorithm': 'SHA1', '#text': digest },
    size: image.size,
    bundled_size: bundledSize,
    ec2_encrypted_key: {
      '@_algorithm': 'AES-128-CBC',
      '#text': encrypt(inp.cloudPublicKey, aesKey.toString('hex')),
    },
    user_encrypted_key: {
      '@_algorithm': 'AES-128-CBC',
      '#text': encrypt(inp.ownerPublicKey, aesKey.toString('hex')),
    },
    ec2_encrypted_iv: encrypt(inp.cloudPublicKey, aesIv.toString('hex')),
    user_encrypted_iv: encrypt(inp.ownerPublicKey, aesIv.toString('hex')),
    parts: {
      '@_count': parts.parts.length,
      part: parts.parts.map((p, i) => ({
        '@_index': i,
        filename: p.key,
        digest: { '@_algorithm': 'SHA1', '#text': p.sha1 },
      })),
    },
  };
  const mcXml = xml.build({ machine_configuration: machineConfiguration });
  const imgXml = xml.build({ image: imageNode });
  const signature = createSign('RSA-SHA1')
    .update(mcXml + imgXml)
    .sign(inp.ownerPrivateKey, 'hex');
  const manifestXml =
    '<?xml version="1.0" ?>' +
    '<manifest><version>2007-10-10</version>' +
    '<bundler><name>euca-tools</name><version>1.3</version><release>31337</release></bundler>' +
    `${mcXml}${imgXml}<signature>${signature}</signature></manifest>`;
  const manifestFile = join(bucketDir, image.manifestKey);
  await writeFile(`${manifestFile}.tmp`, manifestXml);
  await rename(`${manifestFile}.tmp`, manifestFile);
  return {
    manifest: {
      key: image.manifestKey,
      file: manifestFile,
      size: Buffer.byteLength(manifestXml),
      md5: createHash('md5').update(manifestXml).digest('hex'),
    },
    parts: parts.parts.map(({ key, file, size, md5 }) => ({ key, file, size, md5 })),
    tarSha1: digest,
  };
}
