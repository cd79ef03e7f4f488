import { execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimCommand } from '../src/command.ts';
import { queryV2 } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

describe('sim command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'euca-sim-cmd-'));
  chmodSync(dir, 0o755); // as an operator's folder is; mkdtemp makes it 0700
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a commander command named sim with the documented options', () => {
    const cmd = createSimCommand();
    expect(cmd.name()).toBe('sim');
    const flags = cmd.options.map((o) => o.long);
    const expected = [
      '--port',
      '--public-host',
      '--euca-version',
      '--scenario',
      '--network-mode',
      '--seed',
      '--dir',
      '--controller-db',
    ];
    expected.push(
      '--controller-db-prefix',
      '--latency',
      '--error-rate',
      '--error-count',
      '--throttle-rate',
    );
    expected.push(
      '--verbose',
      '--reset-after-bytes',
      '--reset-count',
      '--reset-rate',
      '--slow-body',
      '--assembly-failure',
      '--assembly-timeout-ms',
    );
    for (const f of expected) expect(flags).toContain(f);
  });

  it('starts, prints eucarc lines and file paths, writes the files, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      TSX,
      [
        MAIN,
        '--port',
        '0',
        '--euca-version',
        '3.4',
        '--network-mode',
        'STATIC',
        '--seed',
        'cmd',
        '--dir',
        dir,
        '--verbose',
        '--image-size',
        '4096',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('EUCALYPTUS_DB_URL=')) resolve();
      });
      child.once('exit', (code) => {
        reject(new Error(`exited early (${String(code)}): ${err}`));
      });
    });
    const vars = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => /^export ([A-Z_0-9]+)=(.*)$/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^'|'$/g, '')]),
    );
    expect(vars['EC2_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/Eucalyptus$/);
    expect(vars['S3_URL']).toMatch(/\/services\/Walrus$/);
    expect(vars['EUARE_URL']).toMatch(/\/services\/Euare$/);
    expect(vars['EUCALYPTUS_DB_URL']).toMatch(/^postgres(ql)?:\/\/root:/);
    for (const f of ['EUCARC', 'EUCALYPTUS_CLOUD_PK', 'EUCALYPTUS_CERT', 'EUCALYPTUS_CONF'])
      expect(existsSync(vars[f] ?? '')).toBe(true);
    expect(readFileSync(vars['EUCALYPTUS_CLOUD_PK'] ?? '', 'utf8')).toContain(
      'BEGIN RSA PRIVATE KEY',
    );
    const conf = readFileSync(vars['EUCALYPTUS_CONF'] ?? '', 'utf8');
    expect(conf).toContain('VNET_MODE="STATIC"');
    expect(conf).toMatch(/VNET_MACMAP="(D0:0D:[0-9A-F:]+=[\d.]+ ?)+"/);
    const sourced = execFileSync(
      'bash',
      ['-c', `source ${vars['EUCARC'] ?? ''} && echo "$EC2_URL $EC2_ACCESS_KEY $EUCALYPTUS_CERT"`],
      { encoding: 'utf8' },
    ).trim();
    expect(sourced).toBe(
      `${vars['EC2_URL'] ?? ''} ${vars['EC2_ACCESS_KEY'] ?? ''} ${join(dir, 'cloud-cert.pem')}`,
    );
    const creds = execFileSync(
      'bash',
      [
        '-c',
        `source ${vars['EUCARC'] ?? ''} && echo "$EC2_CERT $EC2_PRIVATE_KEY $EC2_USER_ID $AWS_CREDENTIAL_FILE"`,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split(' ');
    const userCert = new X509Certificate(readFileSync(creds[0] ?? '', 'utf8'));
    const cloudCert = new X509Certificate(readFileSync(vars['EUCALYPTUS_CERT'] ?? '', 'utf8'));
    expect(userCert.verify(cloudCert.publicKey)).toBe(true);
    expect(userCert.checkPrivateKey(createPrivateKey(readFileSync(creds[1] ?? '', 'utf8')))).toBe(
      true,
    );
    expect(creds[2]).toMatch(/^\d{12}$/);
    expect(readFileSync(creds[3] ?? '', 'utf8')).toContain(
      `AWSAccessKeyId=${vars['EC2_ACCESS_KEY'] ?? ''}`,
    );
    const r = await queryV2(
      vars['EC2_URL'] ?? '',
      { Action: 'DescribeRegions', Version: '2013-08-15' },
      { accessKey: vars['EC2_ACCESS_KEY'] ?? '', secretKey: vars['EC2_SECRET_KEY'] ?? '' },
    );
    expect(r.status).toBe(200);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toContain('euca-sim: stopped');
    expect(err).toMatch(/POST \/services\/Eucalyptus DescribeRegions 200 \d+ms/);
  });
});
