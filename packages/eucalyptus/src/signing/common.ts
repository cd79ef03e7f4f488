import type { HttpAuthScheme, HttpSigner, IdentityProviderConfig } from '@smithy/types';

/**
 * An SDK v3 `httpAuthSchemes` entry that keeps the client's SigV4 scheme id and credentials but
 * signs with `signer`: the way to make a stock client speak an older Eucalyptus signature.
 */
export function authSchemeWith(signer: HttpSigner): HttpAuthScheme {
  return {
    schemeId: 'aws.auth#sigv4',
    identityProvider: (config: IdentityProviderConfig) =>
      config.getIdentityProvider('aws.auth#sigv4'),
    signer,
  };
}

/** Headers a SigV4 signer (or a retry of one) may have left, which Eucalyptus would try to verify. */
export function dropSigV4Headers(headers: Record<string, string>, alsoDrop: RegExp[] = []): void {
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (
      lower === 'authorization' ||
      lower === 'x-amz-date' ||
      lower === 'x-amz-security-token' ||
      alsoDrop.some((r) => r.test(lower))
    ) {
      Reflect.deleteProperty(headers, name);
    }
  }
}
