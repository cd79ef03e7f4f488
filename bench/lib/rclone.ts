// The peer an operator would pick instead of euca2nova for the image bytes: `rclone copy` of the
// bundles from Walrus (Debian's rclone, S3 signature v2), timed. rclone moves the encrypted parts
// as they are stored; it neither decrypts nor reassembles them, so its time is a floor for "copy
// the images somewhere else" with a general tool, before any unbundling.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** rclone's environment: no config file, and no AWS_CA_BUNDLE (rclone 1.60 refuses a custom CA
 * bundle on its plain-HTTP transport with "LoadCustomCABundleError"). */
function rcloneEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, RCLONE_CONFIG: '/dev/null' };
  delete env.AWS_CA_BUNDLE;
  return env;
}

/** rclone's version line, or an Error that says how to install it. */
export async function rcloneVersion(): Promise<string> {
  try {
    const { stdout } = await run('rclone', ['version'], { env: rcloneEnv() });
    return stdout.split('\n')[0]?.trim() ?? 'rclone';
  } catch {
    throw new Error('rclone is not installed: apt-get install -y rclone (Debian)');
  }
}

export interface RcloneSource {
  /** Walrus' URL, e.g. http://127.0.0.1:8773/services/Walrus (a path prefix is kept). */
  readonly s3Url: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface RcloneCopy {
  readonly bytes: number;
  readonly files: number;
  readonly seconds: number;
}

/**
 * `rclone copy` of the objects of each bundle into a scratch folder (deleted afterwards), timed
 * from spawn to exit. `manifests` are Walrus locations (`bucket/name.manifest.xml`): the manifest
 * and its parts (`name.part.*`) are copied, `transfers` at a time.
 */
export async function rcloneCopyBundles(
  source: RcloneSource,
  manifests: readonly string[],
  options: { transfers: number; scratch: string },
): Promise<RcloneCopy> {
  const byBucket = new Map<string, string[]>();
  for (const m of manifests) {
    const [bucket, ...rest] = m.split('/');
    const name = rest.join('/').replace(/\.manifest\.xml$/, '');
    if (bucket === undefined || name === '') throw new Error(`not a manifest location: ${m}`);
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), name]);
  }
  const dest = await mkdtemp(join(options.scratch, 'rclone-'));
  const t0 = performance.now();
  try {
    for (const [bucket, names] of byBucket) {
      const args = [
        'copy',
        `:s3:${bucket}`,
        join(dest, bucket),
        '--s3-provider',
        'Other',
        '--s3-endpoint',
        source.s3Url,
        '--s3-access-key-id',
        source.accessKey,
        '--s3-secret-access-key',
        source.secretKey,
        '--s3-v2-auth',
        '--s3-force-path-style=true',
        '--transfers',
        String(options.transfers),
        '--checkers',
        String(options.transfers),
        ...names.flatMap((n) => ['--include', `${n}.*`]),
      ];
      await new Promise<void>((resolve, reject) => {
        const child = spawn('rclone', args, {
          env: rcloneEnv(),
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
        child.on('error', reject);
        child.on('close', (code) => {
          // rclone's own message, without the arguments (they hold the secret key).
          if (code === 0) resolve();
          else reject(new Error(`rclone copy ended with ${String(code)}: ${err.slice(-500)}`));
        });
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    let bytes = 0;
    let files = 0;
    for (const bucket of byBucket.keys())
      for (const f of await readdir(join(dest, bucket))) {
        bytes += (await stat(join(dest, bucket, f))).size;
        files++;
      }
    return { bytes, files, seconds };
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}
