import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../src/index.ts';

const run = promisify(execFile);

/** Make sure the real AWS CLI is there: install Debian's `awscli` where it is missing (never skip). */
function ensureAwsCli(): string {
  try {
    return execFileSync('aws', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', 'awscli'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return execFileSync('aws', ['--version'], { encoding: 'utf8' }).trim();
  }
}

describe('the real AWS CLI against the 3.4 simulator', () => {
  let sim: RunningSimulator;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    expect(ensureAwsCli()).toMatch(/^aws-cli\//);
    sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      seed: 'T',
      imageSize: 4096,
      controllerDb: 'none',
    });
    env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: sim.admin.accessKey,
      AWS_SECRET_ACCESS_KEY: sim.admin.secretKey,
      AWS_DEFAULT_REGION: 'eucalyptus',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
  }, 600_000);
  afterAll(async () => {
    await sim.close();
  });

  async function aws(...args: string[]): Promise<Record<string, unknown[]>> {
    const { stdout } = await run(
      'aws',
      ['ec2', ...args, '--endpoint-url', sim.urls.ec2, '--output', 'json'],
      { env },
    );
    return JSON.parse(stdout) as Record<string, unknown[]>;
  }

  it("lists every user's instances (verbose)", async () => {
    const out = (await aws('describe-instances', '--instance-ids', 'verbose')) as {
      Reservations: { OwnerId: string; Instances: { InstanceId: string }[] }[];
    };
    const got = out.Reservations.flatMap((r) =>
      r.Instances.map((i) => `${r.OwnerId} ${i.InstanceId}`),
    ).sort();
    const accountOf = new Map(sim.scenario.users.map((u) => [u.name, u.accountNumber]));
    expect(got).toEqual(
      sim.scenario.instances.map((i) => `${accountOf.get(i.owner) ?? ''} ${i.id}`).sort(),
    );
  });

  it("lists every user's volumes (verbose)", async () => {
    const out = (await aws('describe-volumes', '--volume-ids', 'verbose')) as {
      Volumes: { VolumeId: string; Size: number }[];
    };
    expect(out.Volumes.map((v) => `${v.VolumeId} ${v.Size}`).sort()).toEqual(
      sim.scenario.volumes.map((v) => `${v.id} ${v.sizeGiB}`).sort(),
    );
  });

  it('lists every image, with owners and launch permissions', async () => {
    const out = (await aws('describe-images')) as {
      Images: { ImageId: string; OwnerId: string; Public: boolean }[];
    };
    const accountOf = new Map(sim.scenario.users.map((u) => [u.name, u.accountNumber]));
    expect(out.Images.map((i) => `${i.ImageId} ${i.OwnerId} ${String(i.Public)}`).sort()).toEqual(
      sim.scenario.images
        .filter((i) => i.state === 'available')
        .map((i) => `${i.id} ${accountOf.get(i.owner) ?? ''} ${String(i.isPublic)}`)
        .sort(),
    );
    const shared = sim.scenario.images.find((i) => i.launchPermissions.length > 0);
    const attr = (await aws(
      'describe-image-attribute',
      '--image-id',
      shared?.id ?? '',
      '--attribute',
      'launchPermission',
    )) as unknown as { LaunchPermissions: { UserId: string }[] };
    expect(attr.LaunchPermissions).toEqual([{ UserId: accountOf.get('bob') }]);
  });
});
