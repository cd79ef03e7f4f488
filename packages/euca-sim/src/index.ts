import { createHash, type KeyObject } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Bundle } from './bundle.ts';
import { DEFAULT_PART_SIZE } from './bundle.ts';
import { imageKey, imageSha256 } from './content.ts';
import { startControllerDb, type ControllerDb } from './controllerdb.ts';
import { handleEc2 } from './ec2.ts';
import { createEnv } from './env.ts';
import { handleAccounts, handleEuare, handleProperties } from './euare.ts';
import { FaultController, validateFaults, type FaultConfig } from './faults.ts';
import type { SimReply, SimRequest } from './http.ts';
import { renderEucalyptusConf } from './network.ts';
import { issuedCertificate, selfSignedCertificate, seededRsaKeyPair } from './rsa.ts';
import { generateScenario, type EucaVersion, type NetworkMode, type Scenario } from './scenario.ts';
import { servicePaths, startHttpServer, type RequestLogEntry } from './server.ts';
import { Walrus } from './walrus.ts';

export type { EucaVersion, NetworkMode, Scenario } from './scenario.ts';
export type {
  SimAccount,
  SimAddress,
  SimGroupGrant,
  SimIamGroup,
  SimImage,
  SimInstance,
  SimKeyPair,
  SimRule,
  SimSecurityGroup,
  SimSnapshot,
  SimUser,
  SimVmType,
  SimVolume,
  SimZone,
  ImageKind,
  InstanceState,
} from './scenario.ts';
export type { FaultConfig, Endpoint } from './faults.ts';
export type { RequestLogEntry } from './server.ts';
export type { Bundle, BundleObject } from './bundle.ts';
export { NETWORK_MODES, generateScenario } from './scenario.ts';
export { signQueryV2, signS3V2 } from './auth.ts';
export { imageKey, imageStream } from './content.ts';

export interface SimulatorOptions {
  /** 0 = any free port. Default 8773. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The host name written into its URLs and eucarc, as Eucalyptus writes the controller's public
   * address (default: `host`, or 127.0.0.1 when listening on every interface).
   */
  publicHost?: string;
  /** Default 3.4. */
  eucaVersion?: EucaVersion;
  /** `demo` (default) or `scale:N`. */
  scenario?: string;
  /** Default MANAGED. */
  networkMode?: NetworkMode;
  /** Default `euca-sim`. */
  seed?: string;
  /** Where credentials, eucalyptus.conf, bundles and the embedded database go (default: a temporary directory removed on close). */
  dir?: string;
  /** Size in bytes of machine images (default 16 MiB; kernels get a quarter, ramdisks an eighth). */
  imageSize?: number;
  /** Bundle part size in bytes (default 10 MiB, as euca-bundle-image). */
  partSize?: number;
  /** `scale:N`: images in all (default 5), the extra ones private to users in turn. */
  imageCount?: number;
  /**
   * Build every image's bundle before listening instead of on its first manifest request: a real
   * Walrus stores bundles, so benchmarks should not time the simulator making them.
   */
  prebuildBundles?: boolean;
  /** How long the first GetDecryptedImage of an image blocks (default 2000 ms). */
  assemblyMs?: number;
  /** Faults active from the start. */
  faults?: FaultConfig;
  /** Called for every answered request (the command's `--verbose` prints these). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Serve the test-only control endpoint under `/__sim/` (default false). */
  control?: boolean;
  /**
   * 3.4 only: `embedded` (default) starts a PostgreSQL under `dir`; `{ url }` uses that server (its
   * `<prefix>eucalyptus_auth` and `<prefix>eucalyptus_cloud` databases are dropped and re-created); `none` skips it.
   */
  controllerDb?: 'embedded' | 'none' | { url: string; databasePrefix?: string };
}

export interface SimulatorFiles {
  dir: string;
  eucarc: string;
  cloudPk: string;
  cloudCert: string;
  eucalyptusConf: string;
  /** The ground truth as JSON (secrets and private keys included: it is a test fixture). */
  scenarioJson: string;
}

export interface RunningSimulator {
  eucaVersion: EucaVersion;
  port: number;
  urls: {
    ec2: string;
    s3: string;
    accounts: string;
    properties: string;
    euare?: string;
    control?: string;
  };
  admin: { userName: string; accessKey: string; secretKey: string; accountNumber: string };
  files: SimulatorFiles;
  /** 3.4: the cloud controller database (`eucalyptus_auth`, `eucalyptus_cloud`). */
  controllerDb?: { url: string; authUrl: string; cloudUrl: string };
  /** Everything the simulated cloud holds, with each image's size and SHA-256. */
  scenario: Scenario;
  faults: {
    get(): FaultConfig;
    set(patch: Partial<Record<keyof FaultConfig, unknown>>): FaultConfig;
    reset(): void;
    readonly injected: FaultController['injected'];
  };
  /** Build (once) and describe an image's bundle (manifest and part files). */
  bundle(imageId: string): Promise<Bundle>;
  /** Forget decrypted-image caching, so the next GetDecryptedImage assembles again. */
  flushImageCache(): void;
  /** The `export KEY=value` lines the `sim` command prints. */
  eucarcLines(): string[];
  close(): Promise<void>;
}

/**
 * The admin's eucarc, shaped like the one in a Eucalyptus credentials zip (2.0 / 3.x), with the key
 * files it names written beside it.
 */
function eucarcText(
  sim: Pick<RunningSimulator, 'urls' | 'admin' | 'eucaVersion'>,
  s: Scenario,
  certBase: string,
): string {
  const admin = s.users.find((u) => u.isAdmin);
  const userId =
    sim.eucaVersion === '2.0'
      ? `0001${(admin?.certificateSerial ?? '').replace(/\D/g, '').padEnd(8, '7').slice(0, 8)}`
      : sim.admin.accountNumber;
  const lines = [
    'EUCA_KEY_DIR=$(cd $(dirname ${BASH_SOURCE:-$0}); pwd -P)',
    `export S3_URL=${sim.urls.s3}`,
    `export EC2_URL=${sim.urls.ec2}`,
    ...(sim.urls.euare !== undefined
      ? [`export EUARE_URL=${sim.urls.euare}`, `export AWS_IAM_URL=${sim.urls.euare}`]
      : []),
    `export EC2_PRIVATE_KEY=\${EUCA_KEY_DIR}/${certBase}-pk.pem`,
    `export EC2_CERT=\${EUCA_KEY_DIR}/${certBase}-cert.pem`,
    'export EC2_JVM_ARGS=-Djavax.net.ssl.trustStore=${EUCA_KEY_DIR}/jssecacerts',
    'export EUCALYPTUS_CERT=${EUCA_KEY_DIR}/cloud-cert.pem',
    ...(sim.eucaVersion === '3.4'
      ? [
          `export EC2_ACCOUNT_NUMBER='${sim.admin.accountNumber}'`,
          'export AWS_CREDENTIAL_FILE=${EUCA_KEY_DIR}/iamrc',
        ]
      : []),
    `export EC2_ACCESS_KEY='${sim.admin.accessKey}'`,
    `export EC2_SECRET_KEY='${sim.admin.secretKey}'`,
    ...(sim.eucaVersion === '3.4'
      ? [
          `export AWS_ACCESS_KEY='${sim.admin.accessKey}'`,
          `export AWS_SECRET_KEY='${sim.admin.secretKey}'`,
        ]
      : []),
    ...(sim.eucaVersion === '2.0'
      ? ['# This is a bogus value; Eucalyptus does not need this but client tools do.']
      : []),
    `export EC2_USER_ID='${userId}'`,
    `alias ec2-bundle-image="ec2-bundle-image --cert \${EC2_CERT} --privatekey \${EC2_PRIVATE_KEY} --user ${userId} --ec2cert \${EUCALYPTUS_CERT}"`,
    'alias ec2-upload-bundle="ec2-upload-bundle -a ${EC2_ACCESS_KEY} -s ${EC2_SECRET_KEY} --url ${S3_URL} --ec2cert ${EUCALYPTUS_CERT}"',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The SHA-256 of an image's content. The content is a pure function of (seed, id, size), so the digest
 * is cached on disk: hashing 10 GiB on every start would cost more than all the rest of the start-up.
 */
async function cachedImageSha256(seed: string, id: string, size: number): Promise<string> {
  const name = createHash('sha256')
    .update(`v1\u0000${seed}\u0000${id}\u0000${String(size)}`)
    .digest('hex');
  const dir = join(tmpdir(), 'euca-sim-cache');
  const file = join(dir, `${name}.sha256`);
  try {
    const cached = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(cached)) return cached;
  } catch {
    // not cached yet
  }
  const digest = await imageSha256(imageKey(seed, id), size);
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${String(process.pid)}.tmp`;
    await writeFile(tmp, `${digest}\n`);
    await rename(tmp, file);
  } catch {
    // a cache is optional
  }
  return digest;
}

function readJson(req: SimRequest): unknown {
  const text = req.body.toString('utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
}

function json(status: number, body: unknown): SimReply {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: `${JSON.stringify(body, null, 2)}\n`,
  };
}

/** Start a simulated Eucalyptus cloud. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  // Checked at run time too: the command passes what the user typed.
  const asked: string = options.eucaVersion ?? '3.4';
  if (asked !== '2.0' && asked !== '3.4')
    throw new Error(`unsupported Eucalyptus version ${asked} (2.0 or 3.4)`);
  const version: EucaVersion = asked;
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? 'euca-sim';
  const scenario = generateScenario({
    scenario: options.scenario ?? 'demo',
    seed,
    eucaVersion: version,
    networkMode: options.networkMode ?? 'MANAGED',
    ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
    ...(options.imageCount !== undefined ? { imageCount: options.imageCount } : {}),
  });
  for (const img of scenario.images) img.sha256 = await cachedImageSha256(seed, img.id, img.size);

  const ownDir = options.dir === undefined;
  const dir =
    options.dir !== undefined ? resolve(options.dir) : await mkdtemp(join(tmpdir(), 'euca-sim-'));
  await mkdir(dir, { recursive: true });
  // mkdtemp makes a 0700 folder; as root, the embedded PostgreSQL (running as `postgres`) must
  // traverse it. Only a folder the simulator made itself is opened up; a --dir is the caller's.
  if (ownDir) await chmod(dir, 0o755);
  const cloud = seededRsaKeyPair(seed, 'cloud');
  const files: SimulatorFiles = {
    dir,
    eucarc: join(dir, 'eucarc'),
    cloudPk: join(dir, 'cloud-pk.pem'),
    cloudCert: join(dir, 'cloud-cert.pem'),
    eucalyptusConf: join(dir, 'eucalyptus.conf'),
    scenarioJson: join(dir, 'scenario.json'),
  };
  await writeFile(files.cloudPk, cloud.privatePem, { mode: 0o600 });
  await writeFile(files.cloudCert, selfSignedCertificate(cloud, 'cloud', '0A1B2C3D'));
  await writeFile(files.eucalyptusConf, renderEucalyptusConf(scenario.network, version));

  // X.509 credentials of the admin and of every image owner, issued by the cloud certificate.
  const userKeys = new Map<string, { publicKey: KeyObject; privateKey: KeyObject }>();
  const owners = new Set([
    ...scenario.images.map((i) => i.owner),
    ...scenario.users.filter((u) => u.isAdmin).map((u) => u.name),
  ]);
  for (const u of scenario.users) {
    if (!owners.has(u.name)) continue;
    const pair = seededRsaKeyPair(seed, `user-cert:${u.name}`);
    u.x509 = {
      certificatePem: issuedCertificate(
        pair,
        cloud,
        { commonName: 'www.eucalyptus.com', organizationName: u.name },
        'cloud',
        u.certificateSerial,
      ),
      privateKeyPem: pair.privatePem,
    };
    userKeys.set(u.name, { publicKey: pair.publicKey, privateKey: pair.privateKey });
  }

  const faults = new FaultController(seed, options.faults ? validateFaults(options.faults) : {});
  let controllerDb: ControllerDb | undefined;
  const dbChoice = options.controllerDb ?? 'embedded';
  if (version === '3.4' && dbChoice !== 'none') {
    controllerDb = await startControllerDb(scenario, {
      ...(typeof dbChoice === 'object'
        ? {
            url: dbChoice.url,
            ...(dbChoice.databasePrefix !== undefined
              ? { databasePrefix: dbChoice.databasePrefix }
              : {}),
          }
        : {}),
      dataDir: join(dir, 'db', 'data'),
      host,
    }).catch(async (e: unknown) => {
      if (ownDir) await rm(dir, { recursive: true, force: true });
      throw e;
    });
  }

  const urls: RunningSimulator['urls'] = { ec2: '', s3: '', accounts: '', properties: '' };
  const env = createEnv(scenario, urls);
  const walrus = new Walrus({
    env,
    faults,
    bukkitsDir: join(dir, 'bukkits'),
    cloudPublicKey: cloud.publicKey,
    userKeys,
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    assemblyMs: options.assemblyMs ?? 2000,
  });
  const bundleOf = (imageId: string): Promise<Bundle> => {
    const img = scenario.images.find((i) => i.id === imageId);
    if (!img) return Promise.reject(new Error(`no image ${imageId}`));
    return walrus.bundle(img);
  };
  if (options.prebuildBundles === true) {
    for (const img of scenario.images) await walrus.bundle(img);
  }

  const control = (req: SimRequest): SimReply => {
    const path = req.path;
    try {
      if (path === '/__sim/faults') {
        if (req.method === 'GET')
          return json(200, { faults: faults.get(), injected: faults.injected });
        if (req.method === 'PUT' || req.method === 'POST') {
          const patch = readJson(req);
          if (typeof patch !== 'object' || patch === null)
            return json(400, { error: 'expected a JSON object' });
          return json(200, { faults: faults.set(patch) });
        }
        if (req.method === 'DELETE') {
          faults.reset();
          return json(200, { faults: faults.get() });
        }
      }
      if (path === '/__sim/image-cache' && req.method === 'DELETE') {
        walrus.flushImageCache();
        return json(200, { flushed: true });
      }
      if (path === '/__sim/scenario' && req.method === 'GET') return json(200, scenario);
      return json(404, { error: `no control resource ${req.method} ${path}` });
    } catch (e) {
      return json(400, { error: e instanceof Error ? e.message : String(e) });
    }
  };

  let server;
  try {
    server = await startHttpServer(
      version,
      {
        ec2: (req) => handleEc2(env, req),
        walrus: (req) => walrus.handle(req),
        accounts: (req) => handleAccounts(env, req),
        properties: (req) => handleProperties(env, req),
        ...(version !== '2.0' ? { euare: (req: SimRequest) => handleEuare(env, req) } : {}),
        ...(options.control === true ? { control } : {}),
      },
      faults,
      host,
      options.port ?? 8773,
      options.onRequest,
    );
  } catch (e) {
    await controllerDb?.close();
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const shown = options.publicHost ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  const base = `http://${shown.includes(':') ? `[${shown}]` : shown}:${server.port}`;
  const paths = servicePaths(version);
  urls.ec2 = `${base}${paths.ec2 ?? ''}`;
  urls.s3 = `${base}${paths.walrus ?? ''}`;
  urls.accounts = `${base}${paths.accounts ?? ''}`;
  urls.properties = `${base}${paths.properties ?? ''}`;
  if (paths.euare !== undefined) urls.euare = `${base}${paths.euare}`;
  if (options.control === true) urls.control = `${base}/__sim`;

  const adminUser = scenario.users.find((u) => u.isAdmin);
  if (!adminUser) throw new Error('scenario has no admin');
  const sim: RunningSimulator = {
    eucaVersion: version,
    port: server.port,
    urls,
    admin: {
      userName: adminUser.name,
      accessKey: adminUser.accessKey,
      secretKey: adminUser.secretKey,
      accountNumber: adminUser.accountNumber,
    },
    files,
    ...(controllerDb
      ? {
          controllerDb: {
            url: controllerDb.url,
            authUrl: controllerDb.authUrl,
            cloudUrl: controllerDb.cloudUrl,
          },
        }
      : {}),
    scenario,
    faults: {
      get: () => faults.get(),
      set: (patch) => faults.set(patch),
      reset: () => {
        faults.reset();
      },
      injected: faults.injected,
    },
    bundle: bundleOf,
    flushImageCache: () => {
      walrus.flushImageCache();
    },
    eucarcLines: () => [
      `export EC2_URL=${urls.ec2}`,
      `export S3_URL=${urls.s3}`,
      ...(urls.euare !== undefined ? [`export EUARE_URL=${urls.euare}`] : []),
      `export EC2_ACCESS_KEY='${adminUser.accessKey}'`,
      `export EC2_SECRET_KEY='${adminUser.secretKey}'`,
      `export EUCARC=${files.eucarc}`,
      `export EUCALYPTUS_CLOUD_PK=${files.cloudPk}`,
      `export EUCALYPTUS_CERT=${files.cloudCert}`,
      `export EUCALYPTUS_CONF=${files.eucalyptusConf}`,
      ...(controllerDb ? [`export EUCALYPTUS_DB_URL=${controllerDb.url}`] : []),
    ],
    close: async () => {
      await server.close();
      await controllerDb?.close();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
  // The admin's own X.509 credentials, issued by the cloud certificate, as in a credentials zip.
  const certBase = `euca2-admin-${createHash('sha1').update(`${seed}admin`).digest('hex').slice(0, 8)}`;
  await writeFile(join(dir, `${certBase}-pk.pem`), adminUser.x509?.privateKeyPem ?? '', {
    mode: 0o600,
  });
  await writeFile(join(dir, `${certBase}-cert.pem`), adminUser.x509?.certificatePem ?? '');
  if (version === '3.4') {
    await writeFile(
      join(dir, 'iamrc'),
      `AWSAccessKeyId=${adminUser.accessKey}\nAWSSecretKey=${adminUser.secretKey}\n`,
      { mode: 0o600 },
    );
  }
  await writeFile(files.eucarc, eucarcText(sim, scenario, certBase), { mode: 0o600 });
  await writeFile(files.scenarioJson, `${JSON.stringify(scenario, null, 2)}\n`, { mode: 0o600 });
  return sim;
}
