import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigSchema, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      dataDir: '/srv/app/.euca2nova',
      embeddedPgPort: 0,
      logLevel: 'info',
      demo: 'auto',
      novaDbUrl: undefined,
      eucalyptus: undefined,
      secretKey: undefined,
      metricsToken: undefined,
      operatorPassword: undefined,
      trustProxy: false,
      transferConcurrency: 4,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig(
      {
        PORT: '9000',
        HOST: '0.0.0.0',
        DATABASE_URL: 'postgres://app:pw@db:5432/euca2nova',
        EUCA2NOVA_DATA_DIR: '/var/lib/euca2nova',
        EMBEDDED_PG_PORT: '5499',
        LOG_LEVEL: 'debug',
        EUCA2NOVA_DEMO: 'off',
        NOVA_DB_URL: 'postgresql://nova:pw@nova-db/nova',
      },
      '/ignored',
    );
    expect(config.port).toBe(9000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toBe('postgres://app:pw@db:5432/euca2nova');
    expect(config.dataDir).toBe('/var/lib/euca2nova');
    expect(config.embeddedPgPort).toBe(5499);
    expect(config.logLevel).toBe('debug');
    expect(config.demo).toBe('off');
    expect(config.novaDbUrl).toBe('postgresql://nova:pw@nova-db/nova');
  });

  it('refuses a wrong value with a message naming the variable and the value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(
      'PORT must be a whole number between 1 and 65535 (got "eighty")',
    );
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/,
    );
  });

  it('lists every wrong variable at once', () => {
    try {
      loadConfig({ PORT: '-1', EUCA2NOVA_DEMO: 'maybe', EMBEDDED_PG_PORT: 'x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
        'EMBEDDED_PG_PORT',
        'EUCA2NOVA_DEMO',
        'PORT',
      ]);
    }
  });

  it('never echoes a database URL back, since it may hold a password', () => {
    const attempt = () => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(attempt).toThrow(
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got (hidden))',
    );
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('takes a secret key of 32 bytes in base64 and refuses another without echoing it', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ EUCA2NOVA_SECRET_KEY: key }).secretKey).toBe(key);
    for (const wrong of [
      Buffer.alloc(16, 7).toString('base64'),
      Buffer.alloc(33, 7).toString('base64'),
      `${key.slice(0, -4)}!!!!`,
    ]) {
      const attempt = () => loadConfig({ EUCA2NOVA_SECRET_KEY: wrong });
      expect(attempt).toThrow(
        'EUCA2NOVA_SECRET_KEY must be the base64 of 32 random bytes (e.g. "openssl rand -base64 32") (got (hidden))',
      );
      expect(attempt).not.toThrow(wrong.slice(0, 8));
    }
  });

  it('takes a metrics token of at least 16 characters and never echoes a short one', () => {
    expect(loadConfig({ EUCA2NOVA_METRICS_TOKEN: 'a-scraper-token-1' }).metricsToken).toBe(
      'a-scraper-token-1',
    );
    const attempt = () => loadConfig({ EUCA2NOVA_METRICS_TOKEN: 'tiny-token' });
    expect(attempt).toThrow(/EUCA2NOVA_METRICS_TOKEN must have at least 16 characters/);
    expect(attempt).not.toThrow(/tiny-token/);
    expect(() => loadConfig({ EUCA2NOVA_METRICS_TOKEN: 'a token with spaces in it' })).toThrow(
      /EUCA2NOVA_METRICS_TOKEN must not contain spaces \(got \(hidden\)\)/,
    );
  });

  it('documents exactly the variables it reads in .env.example', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ConfigSchema.shape).sort());
  });

  it('reads the Eucalyptus to migrate from out of the EUCARC file, relative to the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'euca2nova-eucarc-'));
    writeFileSync(
      join(dir, 'eucarc'),
      "export EC2_URL=http://clc:8773/services/Eucalyptus\nexport EC2_ACCESS_KEY='AKID'\nexport EC2_SECRET_KEY='s3cr3t'\n",
    );
    const config = loadConfig({ EUCARC: 'eucarc' }, dir);
    expect(config.eucalyptus).toEqual({
      eucarc: join(dir, 'eucarc'),
      ec2Url: 'http://clc:8773/services/Eucalyptus',
      accessKey: 'AKID',
      secretKey: 's3cr3t',
    });
  });

  it('refuses an EUCARC that cannot be read or parsed, naming it and never echoing a key', () => {
    expect(() => loadConfig({ EUCARC: '/nonexistent/eucarc' })).toThrow(
      'EUCARC names a file that cannot be read (ENOENT) (got "/nonexistent/eucarc")',
    );
    const dir = mkdtempSync(join(tmpdir(), 'euca2nova-eucarc-'));
    writeFileSync(
      join(dir, 'eucarc'),
      "export EC2_URL=http://clc:8773/x\nexport EC2_SECRET_KEY='half\n",
    );
    const attempt = () => loadConfig({ EUCARC: join(dir, 'eucarc') });
    expect(attempt).toThrow(/EUCARC is not usable: .*eucarc, line 2: unterminated ' quote/);
    expect(attempt).not.toThrow(/half/);
  });
});
