import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '@euca2nova/state';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bin the way an operator would, from the repository root's node_modules/.bin. */
function run(bin: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', bin), args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the euca2nova command', () => {
  it('prints its help and version', async () => {
    const help = await run('euca2nova', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: euca2nova');
    expect(help.stdout).toContain('serve');

    const version = await run('euca2nova', ['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('is also installed as nova-import-from-eucalyptus, the name the 2010 specification gave it', async () => {
    const help = await run('nova-import-from-eucalyptus', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: euca2nova');
  });

  it('exits 2 on an unknown command or a wrong configuration value', async () => {
    const unknown = await run('euca2nova', ['teleport']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'teleport'");

    const wrong = await run('euca2nova', ['serve'], { PORT: 'abc' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('PORT must be a whole number between 1 and 65535 (got "abc")');
  });

  it('serves until SIGTERM, then stops its embedded PostgreSQL and exits cleanly', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'euca2nova-cli-'));
    await chmod(dataDir, 0o755);
    const port = await freePort();
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'euca2nova'),
      ['serve', '--port', String(port)],
      {
        cwd: ROOT,
        env: { ...process.env, EUCA2NOVA_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      },
    );
    try {
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      for (let i = 0; i < 300 && !out.includes('running at'); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain(`running at http://127.0.0.1:${port}/`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await res.json()).toEqual({ status: 'ok' });

      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      // PostgreSQL removes its lock file only on a clean shutdown.
      expect(existsSync(join(dataDir, 'postgres', 'cluster', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'postgres', 'cluster', 'PG_VERSION'))).toBe(true);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('runs the Eucalyptus simulator: eucarc lines on stdout, EC2 served, clean stop on SIGTERM', async () => {
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'euca2nova'),
      ['sim', '--port', '0', '--euca-version', '2.0', '--scenario', 'demo'],
      { cwd: ROOT },
    );
    try {
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      for (let i = 0; i < 300 && !/EC2_SECRET_KEY=.*\n/.test(out); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const ec2Url = /^export EC2_URL=(\S+)$/m.exec(out)?.[1];
      expect(ec2Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/Eucalyptus$/);
      expect(out).toMatch(/^export EC2_ACCESS_KEY='?[A-Z0-9]{20}'?$/m);

      // Unsigned, so Eucalyptus' error envelope comes back: proof it speaks EC2, not just HTTP.
      const res = await fetch(`${ec2Url ?? ''}?Action=DescribeInstances&Version=2009-11-30`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await res.text()).toMatch(/<Response><Errors><Error><Code>\w+<\/Code>/);

      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
