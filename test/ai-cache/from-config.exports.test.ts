/**
 * `redisOptionsFromConfig` and `redisBackendFromConfig` (main entry) without a server: which
 * ioredis options a validated Redis configuration becomes, TLS files read from disk, and the
 * error for a TLS file that cannot be read. Against a real redis-server:
 * `from-config.exports.redis.test.ts`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  RedisBackend,
  redisBackendFromConfig,
  redisOptionsFromConfig,
} from '../../src/index.js';

type Config = Parameters<typeof redisOptionsFromConfig>[0];
/** A validated configuration: the schema's defaults plus `fields`. */
const config = (fields: Partial<Config> = {}): Config => ({
  commandTimeoutMs: 1000,
  connectTimeoutMs: 5000,
  ...fields,
});

const dir = mkdtempSync(join(tmpdir(), 'arc-from-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('redisOptionsFromConfig', () => {
  it('copies host, port, username, password and db; sets nothing that is not configured', () => {
    expect(redisOptionsFromConfig(config())).toEqual({});
    const options = redisOptionsFromConfig(
      config({ host: 'cache.internal', port: 6380, username: 'app', password: 's3cret', db: 4 }),
    );
    expect(options).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'app',
      password: 's3cret',
      db: 4,
    });
  });

  it('leaves the URL, key prefix and timeouts to the backend (they are not ioredis options here)', () => {
    const options = redisOptionsFromConfig(
      config({ url: 'redis://127.0.0.1:6379', keyPrefix: 'app:', commandTimeoutMs: 250 }),
    );
    expect(options).toEqual({});
  });

  it('tls: true is TLS with the system CAs; tls: false is no TLS', () => {
    expect(redisOptionsFromConfig(config({ tls: true }))).toEqual({ tls: {} });
    expect(redisOptionsFromConfig(config({ tls: false }))).toEqual({});
  });

  it('TLS options: verification on by default, off only when asked; CA, certificate and key read from their files', () => {
    // A hand-built configuration without the schema's default still verifies.
    const bare = {} as Config['tls'];
    expect(redisOptionsFromConfig(config({ tls: bare })).tls).toEqual({ rejectUnauthorized: true });
    expect(redisOptionsFromConfig(config({ tls: { rejectUnauthorized: false } })).tls).toEqual({
      rejectUnauthorized: false,
    });
    const caPath = pem('ca.pem', 'CA CERTIFICATE');
    const certPath = pem('client.crt', 'CLIENT CERTIFICATE');
    const keyPath = pem('client.key', 'CLIENT KEY');
    const tls = redisOptionsFromConfig(
      config({ tls: { caPath, certPath, keyPath, rejectUnauthorized: true } }),
    ).tls as Record<string, unknown>;
    expect(Buffer.isBuffer(tls.ca)).toBe(true);
    expect(String(tls.ca)).toBe('CA CERTIFICATE');
    expect(String(tls.cert)).toBe('CLIENT CERTIFICATE');
    expect(String(tls.key)).toBe('CLIENT KEY');
    expect(tls.rejectUnauthorized).toBe(true);
  });

  it('a TLS file that cannot be read is a ConfigurationError naming the file and what it is', () => {
    const missing = join(dir, 'missing-ca.pem');
    let error: unknown;
    try {
      redisOptionsFromConfig(config({ tls: { caPath: missing, rejectUnauthorized: true } }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toBe(`Cannot read the TLS CA file at ${missing}`);
    expect((error as ConfigurationError).context).toEqual({ path: missing, what: 'CA' });
    expect(((error as ConfigurationError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const keyError = (() => {
      try {
        redisOptionsFromConfig(
          config({ tls: { caPath: pem('ok.pem', 'x'), keyPath: missing, rejectUnauthorized: true } }),
        );
      } catch (e) {
        return e as ConfigurationError;
      }
      return undefined;
    })();
    expect(keyError?.context).toEqual({ path: missing, what: 'key' });
  });
});

describe('redisBackendFromConfig (no connection made)', () => {
  it('builds a lazy RedisBackend with the key prefix and the command timeout of the configuration', async () => {
    const backend = redisBackendFromConfig(
      config({ url: 'redis://127.0.0.1:1', keyPrefix: 'app:', commandTimeoutMs: 250 }),
    );
    try {
      expect(backend).toBeInstanceOf(RedisBackend);
      expect(backend.keyPrefix).toBe('app:');
      expect(backend.connection.commandTimeoutMs).toBe(250);
      expect(backend.status).toBe('wait');
    } finally {
      await backend.close();
    }
  });

  it('fails with the ConfigurationError of an unreadable TLS file before any connection', () => {
    expect(() =>
      redisBackendFromConfig(config({ tls: { certPath: join(dir, 'nope.crt'), rejectUnauthorized: true } })),
    ).toThrow(ConfigurationError);
  });
});
