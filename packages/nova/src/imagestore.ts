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

/**
 * Write every buffer at `position` (or the file's current position when null) with as few
 * system calls as the kernel allows: one writev per batch, continuing after a short write.
 */
async function writevAll(
  fh: FileHandle,
  bufs: readonly Uint8Array[],
  position: number | null,
): Promise<number> {
  let pending = [...bufs];
  let total = 0;
  while (pending.length > 0) {
    const { bytesWritten } = await fh.writev(
      pending,
      position === null ? undefined : position + total,
    );
    total += bytesWritten;
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const b of pending) {
      if (skip >= b.byteLength) {
        skip -= b.byteLength;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    pending = rest;
  }
  return total;
}

/** Chunks from the network are small (often 16-64 KiB); writes go out in batches of this size. */
const WRITE_BATCH = 1024 * 1024;

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

async function existingImage(
  finalDir: string,
  info: NovaImageInfo,
  infoText: string,
  expectedSha256: string | undefined,
): Promise<WriteImageResult | undefined> {
  const existing = await stat(finalDir).catch(() => undefined);
  if (existing === undefined) return undefined;
  // Compare what is there with what we were asked to write; never overwrite.
  const haveInfo = await readFile(join(finalDir, 'info.json'), 'utf8').catch(() => '');
  const haveSha = await sha256OfFile(join(finalDir, 'image')).catch(() => '');
  const fields: string[] = [];
  if (haveInfo !== infoText) fields.push('info.json');
  if (expectedSha256 !== undefined && haveSha !== expectedSha256) fields.push('image');
  const size = (await stat(join(finalDir, 'image')).catch(() => undefined))?.size ?? 0;
  return {
    action: fields.length === 0 ? 'skipped' : 'conflict',
    imageId: info.imageId,
    bytes: size,
    sha256: haveSha,
    ...(fields.length > 0 ? { fields } : {}),
  };
}

function checkIds(info: NovaImageInfo): void {
  parseEc2Id(info.imageId, { prefixes: ['emi', 'eki', 'eri', 'ami', 'aki', 'ari'] });
  for (const ref of [info.kernelId, info.ramdiskId]) {
    if (ref !== undefined) parseEc2Id(ref, { prefixes: ['eki', 'eri', 'aki', 'ari'] });
  }
}

async function checkSpace(imagesPath: string, imageId: string, needed: number): Promise<void> {
  const fs = await statfs(imagesPath).catch((e: unknown) => {
    throw new NovaTargetError(
      'images-path',
      `The image store ${imagesPath} is not usable: ${(e as Error).message}`,
    );
  });
  if (fs.bavail * fs.bsize < needed + 1_048_576) {
    throw new NovaTargetError(
      'disk-full',
      `Not enough space under ${imagesPath} for ${imageId}: ${String(needed)} bytes needed, ${String(fs.bavail * fs.bsize)} free.`,
    );
  }
}

/**
 * Append `data` to an open file while hashing it: chunks are gathered into ~1 MiB batches, one
 * batch being written while the next is read and hashed.
 */
async function appendHashed(
  write: (bufs: readonly Uint8Array[]) => Promise<void>,
  data: Readable | AsyncIterable<Uint8Array>,
  hash: ReturnType<typeof createHash>,
  start: number,
  options: { signal?: AbortSignal | undefined; onProgress?: ((bytes: number) => void) | undefined },
): Promise<number> {
  let bytes = start;
  // Chunks are never reused by their producer (streams hand out fresh buffers), so holding one
  // across iterations is safe.
  let writing: Promise<void> = Promise.resolve();
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    await writing;
    const out = batch;
    const n = batchBytes;
    batch = [];
    batchBytes = 0;
    writing = write(out).then(() => {
      written += n;
      options.onProgress?.(written);
    });
  };
  let written = start;
  try {
    for await (const chunk of data) {
      throwIfAborted(options.signal);
      const buf = chunk as Uint8Array;
      bytes += buf.byteLength;
      hash.update(buf);
      batch.push(buf);
      batchBytes += buf.byteLength;
      if (batchBytes >= WRITE_BATCH) await flush();
    }
    if (batchBytes > 0) await flush();
  } finally {
    await writing.catch(() => undefined);
  }
  await writing;
  return bytes;
}

async function finish(
  imagesPath: string,
  workDir: string,
  finalDir: string,
  info: NovaImageInfo,
  infoText: string,
  sha256: string,
  bytes: number,
  options: WriteImageOptions,
): Promise<WriteImageResult> {
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
    throw new NovaTargetError(
      'checksum',
      `Image ${info.imageId}: SHA-256 ${sha256} does not match the expected ${options.expectedSha256}.`,
    );
  }
  if (options.expectedBytes !== undefined && bytes !== options.expectedBytes) {
    throw new NovaTargetError(
      'size',
      `Image ${info.imageId}: ${String(bytes)} bytes arrived, the source announced ${String(options.expectedBytes)}.`,
    );
  }
  await rm(join(workDir, 'info.json'), { force: true });
  const ih = await open(join(workDir, 'info.json'), 'wx', 0o644);
  try {
    await ih.writeFile(infoText);
    await ih.sync();
  } finally {
    await ih.close();
  }
  await fsyncPath(workDir);
  throwIfAborted(options.signal);
  await rename(workDir, finalDir);
  await fsyncPath(imagesPath);
  return { action: 'inserted', imageId: info.imageId, bytes, sha256 };
}

function diskFull(e: unknown, imagesPath: string, imageId: string, kept: boolean): unknown {
  if ((e as { code?: string }).code === 'ENOSPC') {
    return new NovaTargetError(
      'disk-full',
      `The image store ${imagesPath} is full: ${imageId} was not written (${kept ? 'the partial copy is kept to resume from' : 'nothing left behind'}).`,
      { cause: e },
    );
  }
  return e;
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
  checkIds(info);
  throwIfAborted(options.signal);
  const finalDir = join(imagesPath, info.imageId);
  const infoText = canonicalInfo(info);
  const present = await existingImage(finalDir, info, infoText, options.expectedSha256);
  if (present !== undefined) return present;
  if (options.expectedBytes !== undefined)
    await checkSpace(imagesPath, info.imageId, options.expectedBytes);
  const tmpDir = join(imagesPath, `.${info.imageId}.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmpDir, { mode: 0o755 });
  try {
    const hash = createHash('sha256');
    const fh = await open(join(tmpDir, 'image'), 'wx', 0o644);
    let bytes: number;
    try {
      bytes = await appendHashed(
        async (bufs) => {
          await writevAll(fh, bufs, null);
        },
        data,
        hash,
        0,
        options,
      );
      await fh.sync();
    } finally {
      await fh.close();
    }
    return await finish(
      imagesPath,
      tmpDir,
      finalDir,
      info,
      infoText,
      hash.digest('hex'),
      bytes,
      options,
    );
  } catch (e) {
    await rm(tmpDir, { recursive: true, force: true });
    throw diskFull(e, imagesPath, info.imageId, false);
  }
}

export interface ResumableSource {
  /** The image's bytes from `offset` on. */
  readonly stream: Readable | AsyncIterable<Uint8Array>;
}

export interface WriteImageResumableOptions extends WriteImageOptions {
  /** Called with the bytes on disk so far (including those of an earlier, interrupted attempt). */
  readonly onProgress?: (bytesDone: number) => void;
}

/** Where an interrupted copy of `imageId` waits to be resumed. */
export function partialImageDir(imagesPath: string, imageId: string): string {
  return join(imagesPath, `.${imageId}.partial`);
}

/**
 * Like `writeImage`, but an interrupted copy (error, abort, or a killed process) keeps its bytes in
 * `.<imageId>.partial/` and the next call continues from that byte offset: `open(offset)` must
 * return the image from there on. The bytes already on disk are hashed again so the final
 * checksum covers the whole file. A copy whose checksum or size turns out wrong is removed, so
 * the next attempt starts clean. Callers must not run two copies of one image at the same time.
 */
export async function writeImageResumable(
  imagesPath: string,
  info: NovaImageInfo,
  openAt: (offset: number) => Promise<ResumableSource>,
  options: WriteImageResumableOptions = {},
): Promise<WriteImageResult & { resumedFrom: number }> {
  checkIds(info);
  throwIfAborted(options.signal);
  const finalDir = join(imagesPath, info.imageId);
  const infoText = canonicalInfo(info);
  const present = await existingImage(finalDir, info, infoText, options.expectedSha256);
  if (present !== undefined) return { ...present, resumedFrom: 0 };
  const workDir = partialImageDir(imagesPath, info.imageId);
  await mkdir(workDir, { recursive: true, mode: 0o755 });
  const fh = await open(join(workDir, 'image'), constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const hash = createHash('sha256');
    const offset = (await fh.stat()).size;
    if (offset > 0) {
      for await (const chunk of fh.createReadStream({
        start: 0,
        end: offset - 1,
        autoClose: false,
      }))
        hash.update(chunk as Buffer);
    }
    if (options.expectedBytes !== undefined && offset > options.expectedBytes) {
      throw new NovaTargetError(
        'size',
        `The partial copy of ${info.imageId} is longer than the image; it is discarded.`,
      );
    }
    if (options.expectedBytes !== undefined)
      await checkSpace(imagesPath, info.imageId, options.expectedBytes - offset);
    options.onProgress?.(offset);
    let bytes = offset;
    if (options.expectedBytes === undefined || offset < options.expectedBytes) {
      const source = await openAt(offset);
      let position = offset;
      // Positional writes: the hashing read above must not decide where new bytes land.
      bytes = await appendHashed(
        async (bufs) => {
          position += await writevAll(fh, bufs, position);
        },
        source.stream,
        hash,
        offset,
        options,
      );
    }
    await fh.sync();
    await fh.close();
    const result = await finish(
      imagesPath,
      workDir,
      finalDir,
      info,
      infoText,
      hash.digest('hex'),
      bytes,
      options,
    );
    return { ...result, resumedFrom: offset };
  } catch (e) {
    await fh.close().catch(() => undefined);
    if (e instanceof NovaTargetError && (e.code === 'checksum' || e.code === 'size')) {
      await rm(workDir, { recursive: true, force: true });
    }
    throw diskFull(e, imagesPath, info.imageId, true);
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
