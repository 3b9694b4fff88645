/**
 * Turns validated configuration sections into the options of the parts they configure.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { RedisBackend } from '../backends/redis.js';
import type { L1Options } from '../cache/l1.js';
import type { L1Config, RedisConfig } from '../config/schema.js';
import { ConfigurationError } from '../errors.js';

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigurationError(`Cannot read the TLS ${what} file at ${path}`, {
      cause: error,
      context: { path, what },
    });
  }
}

/** ioredis options for a {@link RedisConfig} (TLS files are read here). */
export function redisOptionsFromConfig(config: RedisConfig): RedisOptions {
  const options: RedisOptions = {};
  if (config.host !== undefined) options.host = config.host;
  if (config.port !== undefined) options.port = config.port;
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (config.db !== undefined) options.db = config.db;
  if (config.tls === true) {
    options.tls = {};
  } else if (config.tls && typeof config.tls === 'object') {
    const tls: ConnectionOptions = { rejectUnauthorized: config.tls.rejectUnauthorized ?? true };
    if (config.tls.caPath) tls.ca = readTlsFile(config.tls.caPath, 'CA');
    if (config.tls.certPath) tls.cert = readTlsFile(config.tls.certPath, 'certificate');
    if (config.tls.keyPath) tls.key = readTlsFile(config.tls.keyPath, 'key');
    options.tls = tls;
  }
  return options;
}

/** A {@link RedisBackend} for a validated {@link RedisConfig}. The URL, when given, wins over host/port. */
export function redisBackendFromConfig(config: RedisConfig): RedisBackend {
  const redis = redisOptionsFromConfig(config);
  const common = {
    commandTimeoutMs: config.commandTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs,
    ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }),
  };
  // Options given next to the URL (password, db, TLS files) complete it.
  return new RedisBackend({ ...common, redis, ...(config.url === undefined ? {} : { url: config.url }) });
}

/** The `l1` option of `createCache` for a validated L1 configuration (`false` stays `false`). */
export function l1OptionsFromConfig(l1: L1Config): L1Options | false {
  if (l1 === false) return false;
  const options: L1Options = {
    maxEntries: l1.maxEntries,
    maxBytes: l1.maxBytes,
    maxEntryBytes: l1.maxEntryBytes,
    protection: l1.protection,
    maxStaleness: l1.maxStaleness,
  };
  if (l1.ttl !== undefined) options.ttl = l1.ttl;
  return options;
}
