import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { loggerOptions } from '../src/logger.ts';

describe('the logger', () => {
  it('blanks the secret key and the metrics token wherever a line carries them', async () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const token = 'metrics-token-that-must-not-leak';
    const lines: string[] = [];
    const app = Fastify({
      logger: loggerOptions({ logLevel: 'info' }, { write: (line) => void lines.push(line) }),
    });
    const config = loadConfig({ EUCA2NOVA_SECRET_KEY: key, EUCA2NOVA_METRICS_TOKEN: token });
    app.log.info({ config }, 'configuration');
    app.log.info({ secretKey: key, metricsToken: token }, 'top level');
    app.log.info(
      { env: { EUCA2NOVA_SECRET_KEY: key, EUCA2NOVA_METRICS_TOKEN: token } },
      'environment',
    );
    await app.close();
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(key);
      expect(line).not.toContain(token);
      expect(line).toContain('[redacted]');
    }
  });
});
