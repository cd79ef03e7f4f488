import {
  checkPrimeSync,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { Rng } from './rand.ts';

/** An RSA key pair drawn deterministically from a seed, with what Eucalyptus shows of it. */
export interface RsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), what CreateKeyPair hands back as keyMaterial. */
  privatePem: string;
  /** SubjectPublicKeyInfo PEM. */
  publicPem: string;
}

const E = 65537n;
const cache = new Map<string, RsaKeyPair>();

function bytesToBigInt(b: Buffer): bigint {
  return BigInt(`0x${b.toString('hex')}`);
}

function bigIntToB64Url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % m) + m) % m;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** A prime of exactly `bits` bits (top two bits set), searched upwards from a seeded odd start. */
function seededPrime(rng: Rng, bits: number): bigint {
  const bytes = rng.bytes(bits / 8);
  bytes[0] = (bytes[0] ?? 0) | 0xc0;
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 1;
  let candidate = bytesToBigInt(bytes);
  for (;;) {
    if ((candidate - 1n) % E !== 0n && checkPrimeSync(candidate, { checks: 20 })) return candidate;
    candidate += 2n;
  }
}

/**
 * A real 2048-bit (by default) RSA key pair, deterministic from (seed, label): the primes are searched
 * from seeded starting points and tested by OpenSSL, so the same seed always yields the same key.
 */
export function seededRsaKeyPair(seed: string, label: string, bits = 2048): RsaKeyPair {
  const cacheKey = `${seed}\u0000${label}\u0000${bits}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  // Key generation is deterministic, so a disk cache of its result is safe and saves ~0.2 s a key.
  const cacheFile = join(
    tmpdir(),
    'euca-sim-rsa-cache',
    `${createHash('sha256').update(cacheKey).digest('hex')}.pem`,
  );
  try {
    const pair = pairFromPrivateKey(createPrivateKey(readFileSync(cacheFile, 'utf8')));
    cache.set(cacheKey, pair);
    return pair;
  } catch {
    // not cached yet
  }
  const rng = new Rng(seed, `rsa:${label}`);
  let p: bigint;
  let q: bigint;
  let n: bigint;
  do {
    p = seededPrime(rng, bits / 2);
    q = seededPrime(rng, bits / 2);
    n = p * q;
  } while (p === q || n.toString(2).length !== bits);
  if (p < q) [p, q] = [q, p];
  const phi = (p - 1n) * (q - 1n);
  const lambda = phi / gcd(p - 1n, q - 1n);
  const d = modInverse(E, lambda);
  const privateKey = createPrivateKey({
    key: {
      kty: 'RSA',
      n: bigIntToB64Url(n),
      e: bigIntToB64Url(E),
      d: bigIntToB64Url(d),
      p: bigIntToB64Url(p),
      q: bigIntToB64Url(q),
      dp: bigIntToB64Url(d % (p - 1n)),
      dq: bigIntToB64Url(d % (q - 1n)),
      qi: bigIntToB64Url(modInverse(q, p)),
    },
    format: 'jwk',
  });
  const pair = pairFromPrivateKey(privateKey);
  cache.set(cacheKey, pair);
  try {
    mkdirSync(join(tmpdir(), 'euca-sim-rsa-cache'), { recursive: true });
    // Write then rename, so that a concurrent reader never sees half a key.
    const tmp = `${cacheFile}.${String(process.pid)}.tmp`;
    writeFileSync(tmp, pair.privatePem, { mode: 0o600 });
    renameSync(tmp, cacheFile);
  } catch {
    // a cache is optional
  }
  return pair;
}

function pairFromPrivateKey(privateKey: KeyObject): RsaKeyPair {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function colonHex(b: Buffer): string {
  return (b.toString('hex').match(/../g) ?? []).join(':');
}

/**
 * The fingerprint Eucalyptus shows for a key pair it created: SHA-1 over the DER (PKCS#8) encoding of
 * the private key, as 20 colon-separated hex bytes (the AWS convention for created key pairs, and the
 * 20-byte form seen in captures).
 */
export function keyPairFingerprint(pair: RsaKeyPair): string {
  const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  return colonHex(createHash('sha1').update(der).digest());
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function sshMpint(b64url: string): Buffer {
  let b = Buffer.from(b64url, 'base64url');
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

/** The OpenSSH `ssh-rsa AAAA… comment` line of a public key. */
export function sshPublicKey(pair: RsaKeyPair, comment: string): string {
  const jwk = pair.publicKey.export({ format: 'jwk' });
  if (jwk.n === undefined || jwk.e === undefined) throw new Error('not an RSA key');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(jwk.e), sshMpint(jwk.n)]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}

/** A self-signed X.509 certificate (PEM) for a key pair, as the cloud certificate `cloud-cert.pem`. */
export function selfSignedCertificate(
  pair: RsaKeyPair,
  commonName: string,
  serialHex: string,
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicPem);
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date(Date.UTC(2010, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2040, 0, 1));
  const attrs = [
    { name: 'commonName', value: commonName },
    { name: 'organizationalUnitName', value: 'Eucalyptus' },
    { name: 'organizationName', value: 'Eucalyptus Systems' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(pair.privatePem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A user certificate (PEM) for `subject`, issued and signed by the cloud key, as the credentials zip holds it. */
export function issuedCertificate(
  subject: RsaKeyPair,
  issuer: RsaKeyPair,
  subjectName: { commonName: string; organizationName: string },
  issuerCommonName: string,
  serialHex: string,
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(subject.publicPem);
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date(Date.UTC(2010, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2040, 0, 1));
  cert.setSubject([
    { name: 'commonName', value: subjectName.commonName },
    { name: 'organizationalUnitName', value: 'Eucalyptus' },
    { name: 'organizationName', value: subjectName.organizationName },
    { name: 'localityName', value: 'Santa Barbara' },
    { name: 'stateOrProvinceName', value: 'CA' },
    { name: 'countryName', value: 'US' },
  ]);
  cert.setIssuer([
    { name: 'commonName', value: issuerCommonName },
    { name: 'organizationalUnitName', value: 'Eucalyptus' },
    { name: 'organizationName', value: 'Eucalyptus Systems' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.privatePem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
