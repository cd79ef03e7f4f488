// Shared by the CLI tests: run the real command in a child process, start a simulated cloud.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '@euca2nova/euca-sim';
import { testAdminUrl } from '@euca2nova/state/testing';

export type NetworkMode = NonNullable<SimulatorOptions['networkMode']>;

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'apps', 'cli', 'bin', 'euca2nova.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start the command; `done` resolves with its exit code and output. */
export function spawnCli(
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcessByStdio<null, Readable, Readable>; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return spawnCli(args, env).done;
}

export async function simulated(
  version: '2.0' | '3.4',
  mode: NetworkMode,
  options: Partial<SimulatorOptions> = {},
): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    eucaVersion: version,
    scenario: 'demo',
    seed: 'cli',
    imageSize: 128 * 1024,
    networkMode: mode,
    assemblyMs: 5,
    dir: await mkdtemp(join(tmpdir(), 'cli-sim-')),
    controllerDb:
      version === '2.0'
        ? 'none'
        : { url: testAdminUrl(), databasePrefix: `c${randomBytes(3).toString('hex')}_` },
    ...options,
  });
}

/** Every secret key the simulated cloud holds (admin and users). */
export function secretsOf(sim: RunningSimulator): string[] {
  const found = new Set<string>([sim.admin.secretKey]);
  JSON.stringify(sim.scenario, (key, value: unknown) => {
    if (/secret/i.test(key) && typeof value === 'string' && value.length >= 8) found.add(value);
    return value;
  });
  return [...found];
}
