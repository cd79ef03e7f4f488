import { describe, expect, it } from 'vitest';
import { classifyError } from '../src/index.ts';

const netError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('classifyError', () => {
  it('sends the operator to host and port only when the server was not reached', () => {
    const refused = classifyError(netError('ECONNREFUSED'), 'DescribeInstances');
    expect(refused.code).toBe('unreachable');
    expect(refused.message).toMatch(/cannot reach the server \(ECONNREFUSED\).*port \(8773\)/);
  });

  it('calls a reset a cut connection, not an unreachable server', () => {
    for (const code of ['ECONNRESET', 'EPIPE']) {
      const cut = classifyError(netError(code), 'GetDecryptedImage images/a.manifest.xml');
      // Still retryable as a network fault, but in words that match what happened.
      expect(cut.code).toBe('unreachable');
      expect(cut.message).toMatch(
        new RegExp(`connection was cut before the answer was complete \\(${code}\\)`),
      );
      expect(cut.message).not.toMatch(/cannot reach|host name/);
    }
  });
});
