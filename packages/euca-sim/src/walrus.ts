import type { KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { verifyS3Request } from './auth.ts';
import { createBundle, type Bundle, type BundleObject } from './bundle.ts';
import { imageKey, imageStream } from './content.ts';
import { ownerId, sameOwner, secretFor, type SimEnv } from './env.ts';
import type { FaultController } from './faults.ts';
import type { SimReply, SimRequest } from './http.ts';
import type { SimImage, SimUser } from './scenario.ts';
import { renderXml } from './xml.ts';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const PREFIX = '/services/Walrus';

export interface WalrusOptions {
  env: SimEnv;
  faults: FaultController;
  /** Where bundles are written (Walrus' bukkits directory). */
  bukkitsDir: string;
  cloudPublicKey: KeyObject;
  /** Each image owner's X.509 key pair (what euca-bundle-image was given). */
  userKeys: Map<string, { publicKey: KeyObject; privateKey: KeyObject }>;
  partSize: number;
  /** How long the first GetDecryptedImage of an image blocks while it "assembles". */
  assemblyMs: number;
}

type CacheState = { state: 'assembling'; done: Promise<void> } | { state: 'cached' };

function s3Error(
  status: number,
  code: string,
  message: string,
  resource: string,
  requestId: string,
): SimReply {
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: renderXml('Error', {
      Code: code,
      Message: message,
      Resource: resource,
      RequestId: requestId,
    }),
    errorCode: code,
  };
}

interface Range {
  start: number;
  end: number;
}

/** Parse a single `bytes=` range; `undefined` = whole object, `null` = unsatisfiable. */
function parseRange(header: string | undefined, size: number): Range | undefined | null {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

/** Walrus: path-style S3 at `/services/Walrus`, with real bundles and `EucaOperation: GetDecryptedImage`. */
export class Walrus {
  private readonly bundles = new Map<string, Promise<Bundle>>();
  private readonly cache = new Map<string, CacheState>();

  constructor(private readonly o: WalrusOptions) {}

  /** Build (once) and return an image's bundle. */
  bundle(image: SimImage): Promise<Bundle> {
    let b = this.bundles.get(image.id);
    if (!b) {
      b = createBundle({
        image,
        ownerId: ownerId(this.o.env, image.owner),
        seed: this.o.env.scenario.seed,
        contentKey: imageKey(this.o.env.scenario.seed, image.id),
        cloudPublicKey: this.o.cloudPublicKey,
        ownerPublicKey: this.ownerKeys(image.owner).publicKey,
        ownerPrivateKey: this.ownerKeys(image.owner).privateKey,
        dir: this.o.bukkitsDir,
        partSize: this.o.partSize,
      });
      b.catch(() => this.bundles.delete(image.id));
      this.bundles.set(image.id, b);
    }
    return b;
  }

  private ownerKeys(owner: string): { publicKey: KeyObject; privateKey: KeyObject } {
    const k = this.o.userKeys.get(owner);
    if (!k) throw new Error(`no X.509 key for image owner ${owner}`);
    return k;
  }

  /** Forget which images are "cached" decrypted, so the next GetDecryptedImage assembles again. */
  flushImageCache(): void {
    this.cache.clear();
  }

  private buckets(): Map<string, SimImage[]> {
    const out = new Map<string, SimImage[]>();
    for (const img of this.o.env.scenario.images) {
      const list = out.get(img.bucket) ?? [];
      list.push(img);
      out.set(img.bucket, list);
    }
    return out;
  }

  private canRead(user: SimUser, owner: string): boolean {
    return user.isAdmin || sameOwner(this.o.env, user.name, owner);
  }

  async handle(req: SimRequest): Promise<SimReply> {
    const env = this.o.env;
    const auth = verifyS3Request(req, (k) => secretFor(env, k), PREFIX);
    if (!auth.ok) {
      const code =
        auth.code === 'AuthFailure' && auth.message.includes('does not match')
          ? 'SignatureDoesNotMatch'
          : 'AccessDenied';
      return s3Error(403, code, auth.message, req.path, req.requestId);
    }
    const user = env.userByAccessKey.get(auth.accessKey);
    if (!user)
      return s3Error(403, 'InvalidAccessKeyId', 'Unknown access key', req.path, req.requestId);
    const rest = req.path.slice(PREFIX.length).replace(/^\/+/, '');
    const slash = rest.indexOf('/');
    const bucket = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const key = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return s3Error(
        501,
        'NotImplemented',
        `${method} is not implemented by the simulator`,
        req.path,
        req.requestId,
      );
    }
    if (bucket === '') return this.listAllMyBuckets(user);
    const images = this.buckets().get(bucket);
    if (!images)
      return s3Error(
        404,
        'NoSuchBucket',
        'The specified bucket does not exist',
        `/${bucket}`,
        req.requestId,
      );
    const bucketOwner = images[0]?.owner ?? '';
    if (key === '') {
      if (!this.canRead(user, bucketOwner))
        return s3Error(403, 'AccessDenied', 'Access Denied', `/${bucket}`, req.requestId);
      return this.listBucket(bucket, images, req);
    }
    const op = req.headers['eucaoperation'];
    if (op === 'GetDecryptedImage') return this.getDecryptedImage(user, images, key, req);
    for (const img of images) {
      if (key !== img.manifestKey && !key.startsWith(`${img.fileName}.part.`)) continue;
      const b = await this.bundle(img);
      const obj = key === img.manifestKey ? b.manifest : b.parts.find((p) => p.key === key);
      if (!obj) break;
      if (!this.canRead(user, img.owner))
        return s3Error(403, 'AccessDenied', 'Access Denied', `/${bucket}/${key}`, req.requestId);
      return this.serveObject(
        obj,
        req,
        img.manifestKey === key ? 'text/xml' : 'application/octet-stream',
      );
    }
    return s3Error(
      404,
      'NoSuchKey',
      'The specified key does not exist.',
      `/${bucket}/${key}`,
      req.requestId,
    );
  }

  private listAllMyBuckets(user: SimUser): SimReply {
    const env = this.o.env;
    // Walrus lists only the caller's own buckets, even for an admin.
    const mine = [...this.buckets()].filter(([, imgs]) =>
      sameOwner(env, user.name, imgs[0]?.owner ?? ''),
    );
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: renderXml(
        'ListAllMyBucketsResult',
        {
          Owner: { ID: ownerId(env, user.name), DisplayName: user.name },
          Buckets:
            mine.length > 0
              ? {
                  Bucket: mine.map(([name]) => ({
                    Name: name,
                    CreationDate: '2013-01-01T00:00:00.000Z',
                  })),
                }
              : '',
        },
        S3_NS,
      ),
    };
  }

  private async listBucket(bucket: string, images: SimImage[], req: SimRequest): Promise<SimReply> {
    const env = this.o.env;
    const prefix = req.params.get('prefix') ?? '';
    const marker = req.params.get('marker') ?? '';
    const delimiter = req.params.get('delimiter') ?? '';
    const maxKeys = Math.max(
      0,
      Math.min(1000, Number(req.params.get('max-keys') ?? '1000') || 1000),
    );
    const objects: (BundleObject & { owner: string })[] = [];
    for (const img of images) {
      const b = await this.bundle(img);
      for (const o of [b.manifest, ...b.parts]) objects.push({ ...o, owner: img.owner });
    }
    objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const contents: typeof objects = [];
    const common = new Set<string>();
    let truncated = false;
    let count = 0;
    for (const o of objects) {
      if (!o.key.startsWith(prefix) || o.key <= marker) continue;
      if (count >= maxKeys) {
        truncated = true;
        break;
      }
      if (delimiter !== '') {
        const i = o.key.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const cp = o.key.slice(0, i + delimiter.length);
          if (!common.has(cp)) {
            common.add(cp);
            count++;
          }
          continue;
        }
      }
      contents.push(o);
      count++;
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: renderXml(
        'ListBucketResult',
        {
          Name: bucket,
          Prefix: prefix,
          Marker: marker,
          MaxKeys: maxKeys,
          ...(delimiter !== '' ? { Delimiter: delimiter } : {}),
          IsTruncated: truncated,
          Contents: contents.map((o) => ({
            Key: o.key,
            LastModified: '2013-01-01T00:00:00.000Z',
            ETag: `"${o.md5}"`,
            Size: o.size,
            Owner: { ID: ownerId(env, o.owner), DisplayName: o.owner },
            StorageClass: 'STANDARD',
          })),
          CommonPrefixes: [...common].map((p) => ({ Prefix: p })),
        },
        S3_NS,
      ),
    };
  }

  private rangedReply(
    size: number,
    req: SimRequest,
    headers: Record<string, string>,
    open: (start: number, end: number) => Readable,
  ): SimReply {
    const range = parseRange(req.headers.range, size);
    if (range === null) {
      return {
        ...s3Error(
          416,
          'InvalidRange',
          'The requested range is not satisfiable',
          req.path,
          req.requestId,
        ),
        headers: { 'content-type': 'application/xml', 'content-range': `bytes */${size}` },
      };
    }
    const head = req.method.toUpperCase() === 'HEAD';
    const base = {
      ...headers,
      'accept-ranges': 'bytes',
      'last-modified': 'Tue, 01 Jan 2013 00:00:00 GMT',
    };
    if (!range) {
      return {
        status: 200,
        headers: { ...base, 'content-length': String(size) },
        ...(head ? {} : { body: open(0, size) }),
        streamed: true,
      };
    }
    return {
      status: 206,
      headers: {
        ...base,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${size}`,
      },
      ...(head ? {} : { body: open(range.start, range.end + 1) }),
      streamed: true,
    };
  }

  private serveObject(obj: BundleObject, req: SimRequest, contentType: string): SimReply {
    return this.rangedReply(
      obj.size,
      req,
      { 'content-type': contentType, etag: `"${obj.md5}"` },
      (start, end) =>
        end > start ? createReadStream(obj.file, { start, end: end - 1 }) : Readable.from([]),
    );
  }

  /**
   * `EucaOperation: GetDecryptedImage`: the first request for an image blocks while Walrus assembles,
   * decrypts and untars the bundle (the ImageCacher); later ones stream the cached raw image at once.
   * A failed assembly answers 404 NoSuchEntity ("caching failure") after its timeout.
   */
  private async getDecryptedImage(
    user: SimUser,
    images: SimImage[],
    key: string,
    req: SimRequest,
  ): Promise<SimReply> {
    const img = images.find((i) => i.manifestKey === key);
    if (!img)
      return s3Error(
        404,
        'NoSuchKey',
        'The specified key does not exist.',
        req.path,
        req.requestId,
      );
    if (!this.canRead(user, img.owner))
      return s3Error(403, 'AccessDenied', 'Access Denied', req.path, req.requestId);
    let entry = this.cache.get(img.id);
    if (!entry) {
      const faults = this.o.faults.get();
      const fail = faults.assemblyFailure === true;
      const wait = fail ? (faults.assemblyTimeoutMs ?? this.o.assemblyMs) : this.o.assemblyMs;
      const done = sleep(wait).then(() => {
        if (fail) {
          this.cache.delete(img.id);
          this.o.faults.injected.assemblyFailure++;
          throw new Error('caching failure');
        }
        this.cache.set(img.id, { state: 'cached' });
      });
      entry = { state: 'assembling', done };
      this.cache.set(img.id, entry);
    }
    if (entry.state === 'assembling') {
      try {
        await entry.done;
      } catch {
        return s3Error(
          404,
          'NoSuchEntity',
          `Caching failure: could not assemble ${img.location}`,
          req.path,
          req.requestId,
        );
      }
    }
    const contentKey = imageKey(this.o.env.scenario.seed, img.id);
    if (req.params.get('IsCompressed') === 'true') {
      return {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
        ...(req.method.toUpperCase() === 'HEAD'
          ? {}
          : {
              body: imageStream(contentKey, img.size).pipe(
                createGzip({ level: 1, chunkSize: 1024 * 1024 }),
              ),
            }),
        streamed: true,
      };
    }
    return this.rangedReply(
      img.size,
      req,
      { 'content-type': 'application/octet-stream' },
      (start, end) => imageStream(contentKey, img.size, start, end),
    );
  }
}

export const WALRUS_PREFIX = PREFIX;
