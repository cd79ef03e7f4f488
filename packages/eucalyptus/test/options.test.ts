// What an uploaded or named cloud-pk.pem must be before a connection is stored with it.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SourceError, mergeSourceInput } from '../src/index.ts';

const fields = { ec2Url: 'http://clc:8773/services/Eucalyptus', accessKey: 'AK', secretKey: 'SK' };

describe('mergeSourceInput and cloud-pk.pem', () => {
  it('takes a readable private key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const input = await mergeSourceInput({ fields, cloudPkPem: pem });
    expect(input.cloudPkPem).toBe(pem);
  });

  it.each([
    ['no markers', 'hello', /no BEGIN PRIVATE KEY line/],
    [
      'markers around junk',
      '-----BEGIN RSA PRIVATE KEY-----\nnot base64!!\n-----END RSA PRIVATE KEY-----\n',
      /PEM markers but no readable private key/,
    ],
  ])('refuses %s as bad input, without echoing it', async (_what, pem, message) => {
    const e = await mergeSourceInput({ fields, cloudPkPem: pem }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).code).toBe('bad-input');
    expect((e as SourceError).message).toMatch(message);
    expect((e as SourceError).message).not.toContain('not base64');
  });
});
