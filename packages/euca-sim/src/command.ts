import { Command, InvalidArgumentError, Option } from 'commander';
import type { Endpoint, FaultConfig } from './faults.ts';
import {
  startSimulator,
  type RequestLogEntry,
  type RunningSimulator,
  type SimulatorOptions,
} from './index.ts';
import { NETWORK_MODES, type NetworkMode } from './scenario.ts';

function int(name: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
}

function latencies(v: string): Partial<Record<Endpoint, number>> {
  const out: Partial<Record<Endpoint, number>> = {};
  for (const part of v.split(',')) {
    const [k = '', ms = ''] = part.split('=');
    if (!['ec2', 'walrus', 'euare', 'accounts', 'properties'].includes(k) || !(Number(ms) >= 0)) {
      throw new InvalidArgumentError(
        'expected ENDPOINT=MS[,…] with ENDPOINT one of ec2, walrus, euare, accounts, properties',
      );
    }
    out[k as Endpoint] = Number(ms);
  }
  return out;
}

interface SimFlags {
  port: number;
  host: string;
  publicHost?: string;
  eucaVersion: '2.0' | '3.4';
  scenario: string;
  networkMode: NetworkMode;
  seed: string;
  dir?: string;
  imageSize?: number;
  imageCount?: number;
  prebuildBundles?: boolean;
  partSize?: number;
  assemblyMs: number;
  control?: boolean;
  verbose?: boolean;
  controllerDb: string;
  controllerDbPrefix?: string;
  latency?: Partial<Record<Endpoint, number>>;
  errorRate?: number;
  throttleRate?: number;
  resetAfterBytes?: number;
  resetCount?: number;
  resetRate?: number;
  errorCount?: number;
  slowBody?: number;
  assemblyFailure?: boolean;
  assemblyTimeoutMs?: number;
}

/** The `sim` command: start a simulated Eucalyptus cloud and print its eucarc lines. */
export function createSimCommand(): Command {
  return new Command('sim')
    .description(
      'Run a Eucalyptus simulator (EC2, Walrus, Accounts/Euare) on one port, with a deterministic scenario',
    )
    .addOption(
      new Option('--port <port>', 'port to listen on (0 = any free port)')
        .default(8773)
        .argParser(int('port')),
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option(
        '--public-host <name>',
        'host name written into the URLs and eucarc (default: the listening address)',
      ),
    )
    .addOption(
      new Option('--euca-version <version>', 'Eucalyptus release to emulate')
        .choices(['2.0', '3.4'])
        .default('3.4'),
    )
    .addOption(
      new Option(
        '--scenario <scenario>',
        'demo, or scale:N for N users with resources in proportion',
      )
        .default('demo')
        .argParser((v: string) => {
          if (v !== 'demo' && !/^scale:\d+$/.test(v))
            throw new InvalidArgumentError('expected demo or scale:N');
          return v;
        }),
    )
    .addOption(
      new Option('--network-mode <mode>', 'network mode of the scenario')
        .choices(NETWORK_MODES)
        .default('MANAGED'),
    )
    .addOption(new Option('--seed <seed>', 'seed of the scenario').default('euca-sim'))
    .addOption(
      new Option(
        '--dir <dir>',
        'where eucarc, cloud-pk.pem, eucalyptus.conf, bundles and the database go (default: a temporary directory)',
      ),
    )
    .addOption(
      new Option(
        '--image-size <bytes>',
        'size of machine images in bytes (default 16 MiB)',
      ).argParser(int('image size', 1)),
    )
    .addOption(
      new Option(
        '--image-count <n>',
        'scale:N only: images in all (default 5; extra ones are private to users)',
      ).argParser(int('image count', 5)),
    )
    .option(
      '--prebuild-bundles',
      'build every image bundle before listening (a real Walrus stores them; for benchmarks)',
    )
    .addOption(
      new Option('--part-size <bytes>', 'bundle part size (default 10 MiB)').argParser(
        int('part size', 1),
      ),
    )
    .addOption(
      new Option('--assembly-ms <ms>', 'how long the first GetDecryptedImage of an image blocks')
        .default(2000)
        .argParser(int('assembly time')),
    )
    .addOption(new Option('--verbose', 'log every request to stderr'))
    .addOption(new Option('--control', 'serve the test-only control endpoint under /__sim/'))
    .addOption(
      new Option(
        '--controller-db <url>',
        '3.4: "embedded", "none", or a PostgreSQL URL for the controller database',
      ).default('embedded'),
    )
    .addOption(
      new Option(
        '--controller-db-prefix <prefix>',
        'prefix of the context databases on a given PostgreSQL server',
      ),
    )
    .addOption(
      new Option('--latency <spec>', 'per-endpoint latency, e.g. ec2=100,walrus=20').argParser(
        latencies,
      ),
    )
    .addOption(
      new Option('--error-rate <fraction>', 'fraction of requests answered 500/503').argParser(
        fraction,
      ),
    )
    .addOption(
      new Option(
        '--throttle-rate <fraction>',
        'fraction of requests throttled (RequestLimitExceeded)',
      ).argParser(fraction),
    )
    .addOption(
      new Option(
        '--reset-after-bytes <n>',
        'reset Walrus connections after n body bytes',
      ).argParser(int('reset-after-bytes')),
    )
    .addOption(
      new Option('--reset-count <n>', 'cut only the first n Walrus bodies').argParser(
        int('reset-count'),
      ),
    )
    .addOption(
      new Option(
        '--reset-rate <fraction>',
        'fraction of Walrus bodies cut at a random point (seeded)',
      ).argParser(fraction),
    )
    .addOption(
      new Option('--error-count <n>', 'answer the first n requests with 500/503').argParser(
        int('error-count'),
      ),
    )
    .addOption(
      new Option('--slow-body <bytesPerSec>', 'send Walrus bodies at most this fast').argParser(
        int('slow-body', 1),
      ),
    )
    .addOption(
      new Option(
        '--assembly-failure',
        'image assemblies (GetDecryptedImage) fail after their timeout',
      ),
    )
    .addOption(
      new Option('--assembly-timeout-ms <ms>', 'how long a failing assembly blocks').argParser(
        int('assembly timeout'),
      ),
    )
    .action(async (flags: SimFlags) => {
      const faults: FaultConfig = {
        ...(flags.latency ? { latencyMs: flags.latency } : {}),
        ...(flags.errorRate !== undefined ? { errorRate: flags.errorRate } : {}),
        ...(flags.throttleRate !== undefined ? { throttleRate: flags.throttleRate } : {}),
        ...(flags.resetAfterBytes !== undefined ? { resetAfterBytes: flags.resetAfterBytes } : {}),
        ...(flags.resetCount !== undefined ? { resetCount: flags.resetCount } : {}),
        ...(flags.resetRate !== undefined ? { resetRate: flags.resetRate } : {}),
        ...(flags.errorCount !== undefined ? { errorCount: flags.errorCount } : {}),
        ...(flags.slowBody !== undefined ? { slowBodyBytesPerSec: flags.slowBody } : {}),
        ...(flags.assemblyFailure === true ? { assemblyFailure: true } : {}),
        ...(flags.assemblyTimeoutMs !== undefined
          ? { assemblyTimeoutMs: flags.assemblyTimeoutMs }
          : {}),
      };
      const options: SimulatorOptions = {
        port: flags.port,
        host: flags.host,
        ...(flags.publicHost !== undefined ? { publicHost: flags.publicHost } : {}),
        eucaVersion: flags.eucaVersion,
        scenario: flags.scenario,
        networkMode: flags.networkMode,
        seed: flags.seed,
        assemblyMs: flags.assemblyMs,
        faults,
        control: flags.control === true,
        ...(flags.verbose === true
          ? {
              onRequest: (e: RequestLogEntry) => {
                process.stderr.write(
                  `${new Date().toISOString()} ${e.method} ${e.path} ${e.action ?? '-'} ${String(e.status)}${e.errorCode !== undefined ? ` ${e.errorCode}` : ''} ${String(e.ms)}ms\n`,
                );
              },
            }
          : {}),
        controllerDb:
          flags.controllerDb === 'embedded' || flags.controllerDb === 'none'
            ? flags.controllerDb
            : {
                url: flags.controllerDb,
                ...(flags.controllerDbPrefix !== undefined
                  ? { databasePrefix: flags.controllerDbPrefix }
                  : {}),
              },
        ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
        ...(flags.imageSize !== undefined ? { imageSize: flags.imageSize } : {}),
        ...(flags.imageCount !== undefined ? { imageCount: flags.imageCount } : {}),
        ...(flags.prebuildBundles === true ? { prebuildBundles: true } : {}),
        ...(flags.partSize !== undefined ? { partSize: flags.partSize } : {}),
      };
      const sim: RunningSimulator = await startSimulator(options);
      process.stdout.write(`${sim.eucarcLines().join('\n')}\n`);
      const s = sim.scenario;
      process.stderr.write(
        `euca-sim: Eucalyptus ${sim.eucaVersion}, scenario ${s.name} (${s.networkMode}), ${s.users.length} users, ${s.instances.length} instances, ` +
          `${s.images.length} images; stop with Ctrl-C\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.close();
      process.stderr.write('euca-sim: stopped\n');
    });
}
