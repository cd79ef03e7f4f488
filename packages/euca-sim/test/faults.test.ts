import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator, type SimImage } from '../src/index.ts';
import { at, parseXml, queryV2, s3v2 } from './helpers.ts';

async function control(
  sim: RunningSimulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.urls.control ?? ''}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('faults and the control endpoint', () => {
  let sim: RunningSimulator;
  let ec2: EC2Client;
  let img: SimImage;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '3.4',
      seed: 'T',
      imageSize: 256 * 1024,
      assemblyMs: 50,
      control: true,
      controllerDb: 'none',
    });
    ec2 = new EC2Client({
      endpoint: sim.urls.ec2,
      region: 'eucalyptus',
      credentials: { accessKeyId: sim.admin.accessKey, secretAccessKey: sim.admin.secretKey },
      maxAttempts: 1,
    });
    const found = sim.scenario.images.find((i) => i.kind === 'machine' && i.owner === 'admin');
    if (!found) throw new Error('no image');
    img = found;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('is off unless enabled', async () => {
    const other = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      seed: 'T',
      imageSize: 1024,
    });
    try {
      expect(
        (await fetch(`${other.urls.ec2.replace('/services/Eucalyptus', '')}/__sim/faults`)).status,
      ).toBe(404);
      expect(other.urls.control).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('adds per-endpoint latency', async () => {
    await control(sim, 'PUT', '/faults', { latencyMs: { ec2: 250 } });
    const t0 = Date.now();
    await ec2.send(new DescribeRegionsCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    const t1 = Date.now();
    await s3v2(sim.urls.s3, '/', sim.admin);
    expect(Date.now() - t1).toBeLessThan(200);
    await control(sim, 'DELETE', '/faults');
  });

  it('answers 500/503 and RequestLimitExceeded at the configured rates', async () => {
    await control(sim, 'PUT', '/faults', { errorRate: 1, endpoints: ['ec2'] });
    const e1 = await ec2.send(new DescribeRegionsCommand({})).catch((e: unknown) => e);
    const e2 = await ec2.send(new DescribeRegionsCommand({})).catch((e: unknown) => e);
    expect(
      [e1, e2]
        .map((e) => (e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode)
        .sort(),
    ).toEqual([500, 503]);
    expect((await s3v2(sim.urls.s3, '/', sim.admin)).status).toBe(200);
    await control(sim, 'PUT', '/faults', { errorRate: null, endpoints: null, throttleRate: 1 });
    await expect(ec2.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
    });
    const s3 = await s3v2(sim.urls.s3, '/', sim.admin);
    expect(s3.status).toBe(503);
    expect(at(parseXml(await s3.text()), 'Error', 'Code')).toBe('SlowDown');
    const { json } = await control(sim, 'GET', '/faults');
    expect((json['injected'] as Record<string, number>)['throttle']).toBeGreaterThanOrEqual(2);
    await control(sim, 'PUT', '/faults', { throttleRate: 0.5 });
    let ok = 0;
    for (let i = 0; i < 40; i++)
      if (
        (
          await queryV2(
            sim.urls.ec2,
            { Action: 'DescribeRegions', Version: '2013-08-15' },
            sim.admin,
          )
        ).status === 200
      )
        ok++;
    expect(ok).toBeGreaterThan(5);
    expect(ok).toBeLessThan(35);
    await control(sim, 'DELETE', '/faults');
  });

  it('resets the connection in the middle of a Walrus body', async () => {
    sim.faults.set({ resetAfterBytes: 50_000 });
    const res = await s3v2(sim.urls.s3, `/${img.bucket}/${img.manifestKey}`, sim.admin, {
      EucaOperation: 'GetDecryptedImage',
    });
    expect(res.status).toBe(200);
    let received = 0;
    const error = await (async () => {
      for await (const chunk of res.body ?? []) received += (chunk as Uint8Array).length;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received).toBeLessThanOrEqual(50_000);
    expect(received).toBeLessThan(img.size);
    sim.faults.reset();
  });

  it('fails exactly the next N requests, and cuts exactly N bodies, then heals', async () => {
    sim.faults.set({ errorCount: 2, endpoints: ['ec2'] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (
          await queryV2(
            sim.urls.ec2,
            { Action: 'DescribeRegions', Version: '2013-08-15' },
            sim.admin,
          )
        ).status,
      );
    expect(statuses).toEqual([500, 503, 200, 200]);
    sim.faults.reset();
    sim.faults.set({ resetAfterBytes: 10_000, resetCount: 1 });
    const path = `/${img.bucket}/${img.manifestKey}`;
    const first = await s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' });
    await expect(first.arrayBuffer()).rejects.toThrow();
    const second = await s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' });
    expect((await second.arrayBuffer()).byteLength).toBe(img.size);
    sim.faults.reset();
  });

  it('cuts a seeded fraction of Walrus bodies, each at a random point strictly inside it', async () => {
    const path = `/${img.bucket}/${img.manifestKey}`;
    const read = async (): Promise<number | 'whole'> => {
      const res = await s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' });
      let received = 0;
      try {
        for await (const chunk of res.body ?? []) received += (chunk as Uint8Array).length;
      } catch {
        return received;
      }
      return received === img.size ? 'whole' : received;
    };
    // Warm the assembly cache so the reads below are bodies only.
    await read();
    const before = sim.faults.injected.reset;
    sim.faults.set({ resetRate: 1 });
    const points: number[] = [];
    for (let i = 0; i < 4; i++) {
      const got = await read();
      if (got === 'whole') throw new Error('a body came through whole at resetRate 1');
      points.push(got);
    }
    // Somewhere inside each body (a byte or more sent, some missing), not at one fixed byte.
    for (const p of points) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(img.size);
    }
    expect(new Set(points).size).toBeGreaterThan(1);
    expect(sim.faults.injected.reset - before).toBe(4);

    sim.faults.set({ resetRate: 0.3 });
    let cut = 0;
    for (let i = 0; i < 30; i++) if ((await read()) !== 'whole') cut++;
    expect(cut).toBeGreaterThan(2);
    expect(cut).toBeLessThan(20);
    expect(sim.faults.injected.reset - before).toBe(4 + cut);
    sim.faults.reset();
    expect(await read()).toBe('whole');
  });

  it('slows a Walrus body down', async () => {
    sim.faults.set({ slowBodyBytesPerSec: 512 * 1024 });
    const t0 = Date.now();
    const res = await s3v2(sim.urls.s3, `/${img.bucket}/${img.manifestKey}`, sim.admin, {
      EucaOperation: 'GetDecryptedImage',
    });
    expect((await res.arrayBuffer()).byteLength).toBe(img.size);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    sim.faults.reset();
  });

  it('fails an image assembly after its timeout, and recovers when the fault is lifted', async () => {
    await control(sim, 'DELETE', '/image-cache');
    await control(sim, 'PUT', '/faults', { assemblyFailure: true, assemblyTimeoutMs: 300 });
    const path = `/${img.bucket}/${img.manifestKey}`;
    const t0 = Date.now();
    const res = await s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(404);
    expect(at(parseXml(await res.text()), 'Error', 'Code')).toBe('NoSuchEntity');
    await control(sim, 'DELETE', '/faults');
    const ok = await s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' });
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(img.size);
  });

  it('rejects an invalid fault configuration', async () => {
    expect((await control(sim, 'PUT', '/faults', { errorRate: 2 })).status).toBe(400);
    expect((await control(sim, 'PUT', '/faults', { bogus: 1 })).status).toBe(400);
    expect((await control(sim, 'PUT', '/faults', { resetRate: 1.5 })).status).toBe(400);
    expect((await control(sim, 'PUT', '/faults', { resetRate: 0.01 })).json['faults']).toEqual({
      resetRate: 0.01,
    });
    await control(sim, 'DELETE', '/faults');
    expect((await control(sim, 'GET', '/scenario')).json['name']).toBe('demo');
  });
});
