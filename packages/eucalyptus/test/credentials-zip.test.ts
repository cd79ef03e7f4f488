import { readFile } from 'node:fs/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '@euca2nova/euca-sim';
import { InventorySchema } from '@euca2nova/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { SourceError, createInventoryCommand, readCredentialsZip } from '../src/index.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** A zip of these entries, built with yazl (deflated unless told otherwise). */
function zipOf(files: [string, string | Buffer][], compress = true): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of files)
    z.addBuffer(typeof data === 'string' ? Buffer.from(data) : data, name, { compress });
  z.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    z.outputStream.on('error', reject);
  });
}

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).code).toBe('bad-input');
    return e as SourceError;
  }
  throw new Error('expected a failure');
}

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const PK = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n';
const EUCARC = [
  'EUCA_KEY_DIR=$(cd $(dirname ${BASH_SOURCE:-$0}); pwd -P)',
  'export EC2_URL=http://clc.example:8773/services/Eucalyptus',
  'export S3_URL=http://clc.example:8773/services/Walrus',
  "export EC2_ACCESS_KEY='AKIAEXAMPLE'",
  "export EC2_SECRET_KEY='c2VjcmV0'",
  'export EC2_CERT=${EUCA_KEY_DIR}/euca2-admin-1234abcd-cert.pem',
  '',
].join('\n');

describe('readCredentialsZip', () => {
  it('reads eucarc and cloud-cert.pem, and cloud-pk.pem when present', async () => {
    const base: [string, string][] = [
      ['eucarc', EUCARC],
      ['cloud-cert.pem', CERT],
      ['euca2-admin-1234abcd-pk.pem', PK],
      ['euca2-admin-1234abcd-cert.pem', CERT],
      ['jssecacerts', 'binary'],
    ];
    const got = await readCredentialsZip(await zipOf(base));
    expect(got.eucarc).toMatchObject({
      ec2Url: 'http://clc.example:8773/services/Eucalyptus',
      s3Url: 'http://clc.example:8773/services/Walrus',
      accessKey: 'AKIAEXAMPLE',
      secretKey: 'c2VjcmV0',
    });
    expect(got.cloudCertPem).toBe(CERT);
    expect(got.cloudPkPem).toBeUndefined();
    expect(got.entries).toHaveLength(5);
    // In one folder, stored uncompressed, with cloud-pk.pem.
    const nested = await readCredentialsZip(
      await zipOf(
        [...base, ['cloud-pk.pem', PK]].map(([n, d]) => [`admin/${n}`, d] as [string, string]),
        false,
      ),
    );
    expect(nested.cloudPkPem).toBe(PK);
  });

  it('rejects what is not a credentials zip with a clear error', async () => {
    expect((await failure(readCredentialsZip(Buffer.from(EUCARC)))).message).toMatch(
      /not a zip archive/,
    );
    const good = await zipOf([
      ['eucarc', EUCARC],
      ['cloud-cert.pem', CERT],
    ]);
    expect((await failure(readCredentialsZip(good.subarray(0, good.length - 30)))).message).toMatch(
      /not a readable zip/,
    );
    expect(
      (await failure(readCredentialsZip(await zipOf([['cloud-cert.pem', CERT]])))).message,
    ).toMatch(/no eucarc/);
    expect((await failure(readCredentialsZip(await zipOf([['eucarc', EUCARC]])))).message).toMatch(
      /no cloud-cert\.pem/,
    );
    const broken = await zipOf([
      ['eucarc', "export EC2_URL='http://x\n"],
      ['cloud-cert.pem', CERT],
    ]);
    expect((await failure(readCredentialsZip(broken))).message).toMatch(/eucarc.*line 1/);
  });

  it('refuses hostile archives: traversal, bombs, floods, duplicates', async () => {
    // A name climbing out of the folder: built as `xx/eucarc` then patched to `../eucarc`
    // (yazl refuses to write such names; an attacker's tool would not).
    const z = await zipOf([
      ['xx/eucarc', EUCARC],
      ['cloud-cert.pem', CERT],
    ]);
    const patched = Buffer.from(
      z.toString('latin1').replaceAll('xx/eucarc', '../eucarc'),
      'latin1',
    );
    expect((await failure(readCredentialsZip(patched))).message).toMatch(/\.\.\/eucarc|unsafe/);
    const abs = Buffer.from(z.toString('latin1').replaceAll('xx/eucarc', '/x/eucarc'), 'latin1');
    expect((await failure(readCredentialsZip(abs))).message).toMatch(/\/x\/eucarc|unsafe/);
    // A zip bomb: 64 MiB of zeros deflated to a few KiB.
    const bomb = await zipOf([
      ['eucarc', EUCARC],
      ['cloud-cert.pem', CERT],
      ['filler', Buffer.alloc(64 * 1024 * 1024)],
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect((await failure(readCredentialsZip(bomb))).message).toMatch(/more than \d+ bytes/);
    // An oversized eucarc.
    const fat = await zipOf([
      ['eucarc', EUCARC + '#'.repeat(2 * 1024 * 1024)],
      ['cloud-cert.pem', CERT],
    ]);
    expect((await failure(readCredentialsZip(fat))).message).toMatch(/eucarc is larger than/);
    // Too many entries.
    const flood = await zipOf(
      Array.from({ length: 300 }, (_, i) => [`f${i}`, 'x'] as [string, string]),
    );
    expect((await failure(readCredentialsZip(flood))).message).toMatch(/300 entries/);
    // Two eucarcs: which one is meant is not ours to guess.
    const twice = await zipOf([
      ['eucarc', EUCARC],
      ['a/eucarc', EUCARC],
      ['cloud-cert.pem', CERT],
    ]);
    expect((await failure(readCredentialsZip(twice))).message).toMatch(/more than once/);
  });
});

describe('euca2nova inventory --credentials-zip (2.0 simulator)', () => {
  let sim: Sim;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      scenario: 'demo',
      seed: 'zip',
      imageSize: 4096,
    });
    dir = await mkdtemp(join(tmpdir(), 'euca-zip-'));
  });
  afterAll(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('discovers the cloud from the zip alone', async () => {
    const zip = await zipOf([
      ['eucarc', await readFile(sim.files.eucarc, 'utf8')],
      ['cloud-cert.pem', await readFile(sim.files.cloudCert, 'utf8')],
      ['cloud-pk.pem', await readFile(sim.files.cloudPk, 'utf8')],
    ]);
    const file = join(dir, 'admin.zip');
    await writeFile(file, zip);
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (s: string) => {
      out += s;
      return true;
    };
    try {
      await createInventoryCommand().parseAsync(['node', 'inventory', '--credentials-zip', file]);
    } finally {
      process.stdout.write = write;
    }
    const inv = InventorySchema.parse(JSON.parse(out));
    expect(inv.instances).toHaveLength(sim.scenario.instances.length);
    expect(inv.users).toHaveLength(sim.scenario.users.length);
  });

  it('fails with bad-input on a file that is not a zip', async () => {
    await failure(
      createInventoryCommand().parseAsync([
        'node',
        'inventory',
        '--credentials-zip',
        sim.files.eucarc,
      ]),
    );
  });
});
