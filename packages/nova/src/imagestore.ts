import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  statfs,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseEc2Id, type Image, type Inventory, type PlanMappings } from '@euca2nova/model';
import { NovaTargetError, throwIfAborted } from './db.ts';
import { novaImageId, projectOfOwner } from './identity.ts';

/** `info.json` as nova-objectstore's RegisterImage writes it (nova-bexar.md §4.1). */
export interface NovaImageInfo {
  imageId: string;
  imageLocation: string;
  imageOwnerId: string;
  isPublic: boolean;
  architecture: string;
  imageType: 'machine' | 'kernel' | 'ramdisk';
  imageState: 'available';
  kernelId?: string;
  ramdiskId?: string;
  displayName?: string;
  description?: string;
}

export function buildImageInfo(
  image: Image,
  inventory: Pick<Inventory, 'users'>,
  mode: PlanMappings['imageIdPrefix'],
): NovaImageInfo {
  const owner = projectOfOwner(image.owner, inventory);
  if (owner === undefined)
    throw new NovaTargetError('image-owner', `Image ${image.imageId}: owner unknown`);
  const info: NovaImageInfo = {
    imageId: novaImageId(image.imageId, mode),
    imageLocation: image.imageLocation ?? '',
    imageOwnerId: owner,
    isPublic: image.isPublic || image.launchPermissions.some((p) => 'group' in p),
    architecture: image.architecture,
    imageType: image.imageType,
    imageState: 'available',
  };
  if (image.kernelId !== undefined) info.kernelId = novaImageId(image.kernelId, mode);
  if (image.ramdiskId !== undefined) info.ramdiskId = novaImageId(image.ramdiskId, mode);
  if (image.name !== undefined) info.displayName = image.name;
  if (image.description !== undefined) info.description = image.description;
  return info;
}

export interface WriteImageOptions {
  readonly expectedSha256?: string;
  readonly expectedBytes?: number;
  readonly signal?: AbortSignal;
}

export interface WriteImageResult {
  readonly action: 'inserted' | 'skipped' | 'conflict';
  readonly imageId: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly fields?: readonly string[];
}

function canonicalInfo(info: NovaImageInfo): string {
  return `${JSON.stringify(info, Object.keys(info).sort())}\n`;
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.byteLength) {
    const { bytesWritten } = await fh.write(buf, off, buf.byteLength - off);
    off += bytesWritten;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * Write one image into `<imagesPath>/<imageId>/{image,info.json}`: everything goes to a hidden
 * temporary directory first, the payload is hashed while written and checked against
 * `expectedSha256`, both files and the directory are fsynced, then the directory is renamed into
 * place. An existing image with the same payload and info is skipped; a different one is a
 * conflict and is left untouched. On any error (bad checksum, ENOSPC, abort) nothing stays behind.
 */
export async function writeImage(
  imagesPath: string,
  info: NovaImageInfo,
  data: Readable | AsyncIterable<Uint8Array>,
  options: WriteImageOptions = {},
): Promise<WriteImageResult> {
  parseEc2Id(info.imageId, { prefixes: ['emi', 'eki', 'eri', 'ami', 'aki', 'ari'] });
  for (const ref of [info.kernelId, info.ramdiskId]) {
    if (ref !== undefined) parseEc2Id(ref, { prefixes: ['eki', 'eri', 'aki', 'ari'] });
  }
  throwIfAborted(options.signal);
  const finalDir = join(imagesPath, info.imageId);
  const infoText = canonicalInfo(info);
  const existing = await stat(finalDir).catch(() => undefined);
  if (existing !== undefined) {
    // Drain nothing: compare what is there with what we were asked to write.
    const haveInfo = await readFile(join(finalDir, 'info.json'), 'utf8').catch(() => '');
    const haveSha = await sha256OfFile(join(finalDir, 'image')).catch(() => '');
    const fields: string[] = [];
    if (haveInfo !== infoText) fields.push('info.json');
    if (options.expectedSha256 !== undefined && haveSha !== options.expectedSha256)
      fields.push('image');
    const size = (await stat(join(finalDir, 'image')).catch(() => undefined))?.size ?? 0;
    return {
      action: fields.length === 0 ? 'skipped' : 'conflict',
      imageId: info.imageId,
      bytes: size,
      sha256: haveSha,
      ...(fields.length > 0 ? { fields } : {}),
    };
  }
  if (options.expectedBytes !== undefined) {
    const fs = await statfs(imagesPath).catch((e: unknown) => {
      throw new NovaTargetError(
        'images-path',
        `The image store ${imagesPath} is not usable: ${(e as Error).message}`,
      );
    });
    if (fs.bavail * fs.bsize < options.expectedBytes + 1_048_576) {
      throw new NovaTargetError(
        'disk-full',
        `Not enough space under ${imagesPath} for ${info.imageId}: ${String(options.expectedBytes)} bytes needed, ${String(fs.bavail * fs.bsize)} free.`,
      );
    }
  }
  const tmpDir = join(imagesPath, `.${info.imageId}.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmpDir, { mode: 0o755 });
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    const fh = await open(join(tmpDir, 'image'), 'wx', 0o644);
    try {
      // One write in flight while the next chunk is read and hashed. Chunks are never reused by
      // their producer (streams hand out fresh buffers), so holding one across iterations is safe.
      let writing: Promise<void> = Promise.resolve();
      try {
        for await (const chunk of data) {
          throwIfAborted(options.signal);
          const buf = chunk as Uint8Array;
          bytes += buf.byteLength;
          hash.update(buf);
          await writing;
          writing = writeAll(fh, buf);
        }
      } finally {
        await writing.catch(() => undefined);
      }
      await writing;
      await fh.sync();
    } finally {
      await fh.close();
    }
    const sha256 = hash.digest('hex');
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
      throw new NovaTargetError(
        'checksum',
        `Image ${info.imageId}: SHA-256 ${sha256} does not match the expected ${options.expectedSha256}.`,
      );
    }
    const ih = await open(join(tmpDir, 'info.json'), 'wx', 0o644);
    try {
      await ih.writeFile(infoText);
      await ih.sync();
    } finally {
      await ih.close();
    }
    await fsyncPath(tmpDir);
    throwIfAborted(options.signal);
    await rename(tmpDir, finalDir);
    await fsyncPath(imagesPath);
    return { action: 'inserted', imageId: info.imageId, bytes, sha256 };
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    if ((e as { code?: string }).code === 'ENOSPC') {
      throw new NovaTargetError(
        'disk-full',
        `The image store ${imagesPath} is full: ${info.imageId} was not written (nothing left behind).`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** Every `info.json` under the image store (what nova-objectstore lists). */
export async function readImageStore(imagesPath: string): Promise<NovaImageInfo[]> {
  const entries = await readdir(imagesPath, { withFileTypes: true }).catch(() => []);
  const out: NovaImageInfo[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const text = await readFile(join(imagesPath, e.name, 'info.json'), 'utf8').catch(
      () => undefined,
    );
    if (text === undefined) continue;
    out.push(JSON.parse(text) as NovaImageInfo);
  }
  return out.sort((a, b) => a.imageId.localeCompare(b.imageId));
}
