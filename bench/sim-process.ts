// The simulator in a child process of its own, so that a benchmark's process measures the client
// alone (CPU time, peak RSS).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface SimProcess {
  readonly child: ChildProcessByStdio<null, Readable, null>;
  /** What it printed as `export NAME='value'` (its eucarc lines). */
  readonly env: Record<string, string>;
}

/**
 * Start `euca-sim` with `args` and resolve once `ready(env)` holds for the eucarc lines it printed
 * (they come after the server listens; the banner goes to stderr).
 */
export async function startSimProcess(
  args: readonly string[],
  ready: (env: Readonly<Record<string, string>>) => boolean,
): Promise<SimProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, '../packages/euca-sim/src/main.ts'), '--port', '0', ...args],
    { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const env: Record<string, string> = {};
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`simulator exited with ${String(code)}`));
    });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      for (const m of out.matchAll(/^export (\w+)='?([^'\n]*)'?$/gm))
        if (m[1] !== undefined && m[2] !== undefined) env[m[1]] = m[2];
      if (ready(env)) resolve();
    });
  });
  return { child, env };
}
