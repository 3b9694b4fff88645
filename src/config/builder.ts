/**
 * Fluent builder of {@link AICacheConfig}.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { readEnvironment } from './env.js';
import { type ConfigRecord, getPath, isPlainObject, mergeConfig } from './merge.js';
import type { AICacheOptions } from './options.js';
import { type EnvironmentName, EnvironmentPresets } from './presets.js';
import { protectSecrets, redactConfig } from './redact.js';
import { type AICacheConfig, type CompressionCodec, configSchemas, type HashAlgorithm } from './schema.js';
import {
  type ConfigCheckResult,
  configWarnings,
  invalidMessage,
  issuesFromZodError,
  warnConfigOnce,
} from './validate.js';

/** Options of {@link CacheConfigBuilder.withRedis}. */
export interface RedisOptions {
  /** Password (`redis.password`, kept out of the URL). @default none (or the URL's) */
  password?: string;
  /**
   * `true` to enable TLS (`redis.tls`; keeps TLS options set by `withSecurity`), `false` to
   * disable it. @default off, unless the URL is `rediss://`
   */
  tls?: boolean;
  /** Database index (`redis.db`). @default 0 (or the URL's `/db`) */
  db?: number;
}

/** Options of {@link CacheConfigBuilder.withSecurity}. */
export interface SecurityOptions {
  /** PEM client certificate (`redis.tls.certPath`, mutual TLS); must exist when validating. @default none */
  tlsCertPath?: string;
  /** PEM client private key (`redis.tls.keyPath`, mutual TLS); must exist when validating. @default none */
  tlsKeyPath?: string;
  /** PEM CA bundle to trust (`redis.tls.caPath`); must exist when validating. @default the system CAs */
  tlsCaPath?: string;
  /**
   * Verify the server certificate (`redis.tls.rejectUnauthorized`).
   * @default true
   */
  rejectUnauthorized?: boolean;
}

/** Options of {@link CacheConfigBuilder.withCompression}. */
export interface CompressionOptions {
  /** Codec of stored answers (`compression.codec`): `'lz4'`, `'deflate'` or `'none'`. @default 'lz4' */
  codec?: CompressionCodec;
  /** Bytes from which answers are compressed (`compression.threshold` and `compressionThreshold`). @default 1000 */
  threshold?: number;
  /** Compression level 1 (fastest) to 9 (smallest), used by deflate (`compression.level`). @default 6 */
  level?: number;
}

/** Options of {@link CacheConfigBuilder.withMemoryCache}. */
export interface MemoryCacheOptions {
  /** Maximum number of entries (`l1.maxEntries`). @default 100 */
  maxEntries?: number;
  /** Maximum total bytes: serialized answer + key + per-entry overhead (`l1.maxBytes`). @default 16 MiB */
  maxBytes?: number;
  /** Larger entries skip L1 (`l1.maxEntryBytes`). @default 1 MiB, or `maxBytes` when that is smaller */
  maxEntryBytes?: number;
  /** Protection of values against caller mutation (`l1.protection`): `'freeze'`, `'copy'` or `'none'`. @default 'freeze' */
  protection?: 'freeze' | 'copy' | 'none';
}

/** Options of {@link CacheConfigBuilder.withAIFeatures}. */
export interface AIFeatureOptions {
  /** Texts of at least this many characters are hashed in keys. @default 1000 */
  textHashThreshold?: number;
  /** Hash used in keys. @default 'xxh64' */
  hashAlgorithm?: HashAlgorithm;
  /** Always hash texts in keys. @default false */
  hashAllText?: boolean;
  /**
   * TTL per operation (merged with the ones already set).
   * @default { summarize: '2h', sentiment: '1h', key_points: '90m', questions: '80m', qa: '1h' }
   */
  operationTtls?: Record<string, number | string>;
  /** TTL of operations without a specific TTL. @default '1h' */
  defaultTtl?: number | string;
  /** Longest accepted text, in characters. @default 100000 */
  maxTextLength?: number;
  /** Size tier boundaries, in characters (merged with those already set). @default { small: 1000, medium: 10000 } */
  sizeTiers?: {
    /** Texts shorter than this are `'small'`. @default 1000 (or `medium - 1` when smaller) */
    small?: number;
    /** Texts shorter than this (and not small) are `'medium'`, longer ones `'large'`. @default 10000 (or `small + 1` when larger) */
    medium?: number;
  };
  /** Keep responses of large texts in L1. @default false */
  promoteLargeToL1?: boolean;
}

/** Copy of `record` without `undefined` values. */
function defined(record: Record<string, unknown>): ConfigRecord {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** Position in a JSON text -> "line L, column C". */
function jsonPosition(text: string, message: string): string {
  const match = /position (\d+)/.exec(message);
  if (!match) return '';
  const offset = Number(match[1]);
  const before = text.slice(0, offset).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * Fluent builder of an {@link AICacheConfig}. Every method returns the builder; later calls
 * override earlier ones (objects are merged deeply, arrays and primitives replaced).
 * `validate()` never throws, `build()` throws a {@link ValidationError} listing every problem.
 *
 * @example
 * const config = new CacheConfigBuilder()
 *   .forEnvironment('aiProduction')
 *   .withRedis('rediss://cache.internal:6380', { password: process.env.REDIS_PASSWORD })
 *   .withCompression({ codec: 'lz4', threshold: 2048 })
 *   .build();
 */
export class CacheConfigBuilder {
  /** The preset chosen with `forEnvironment` (the base every other call applies over). */
  #base: ConfigRecord = {};
  /** Everything else, merged in call order. */
  #overlay: ConfigRecord = {};

  /**
   * Starts from a preset of {@link EnvironmentPresets} (`development`, `testing`, `production`,
   * `aiDevelopment`, `aiProduction`). The preset is the base layer: options set by other calls
   * (before or after this one) apply on top of it; a second call replaces the preset. Without
   * it the base is empty: every option not set has the schema's default (see `AICacheOptions`).
   */
  forEnvironment(environment: EnvironmentName): this {
    const preset = EnvironmentPresets[environment] as (() => AICacheOptions) | undefined;
    if (preset === undefined) {
      throw new ValidationError('Unknown environment preset', [
        {
          path: 'environment',
          message: `expected one of ${Object.keys(EnvironmentPresets).join(', ')} (got ${JSON.stringify(environment)})`,
        },
      ]);
    }
    this.#base = mergeConfig(preset());
    return this;
  }

  /**
   * Sets `redis.url` and, optionally, `redis.password`, `redis.tls` and `redis.db`.
   * `tls: true` keeps TLS options already set by {@link withSecurity}. Without a Redis URL
   * the cache keeps answers in memory only; Redis defaults: `commandTimeoutMs` 1000,
   * `connectTimeoutMs` 5000, database 0, TLS only for `rediss://`.
   */
  withRedis(url: string, options: RedisOptions = {}): this {
    const currentTls = getPath(this.#raw(), 'redis.tls');
    const tls = options.tls === true && isPlainObject(currentTls) ? undefined : options.tls;
    return this.#apply({ redis: defined({ url, password: options.password, db: options.db, tls }) });
  }

  /**
   * Enables TLS to Redis (`redis.tls`) with certificate files, which must exist when validating:
   * `caPath` (default: the system CAs), `certPath` / `keyPath` (mutual TLS; default none) and
   * `rejectUnauthorized` (default true).
   */
  withSecurity(options: SecurityOptions): this {
    const tls = defined({
      caPath: options.tlsCaPath,
      certPath: options.tlsCertPath,
      keyPath: options.tlsKeyPath,
      rejectUnauthorized: options.rejectUnauthorized,
    });
    const currentTls = getPath(this.#raw(), 'redis.tls');
    // `tls: true` (or false) becomes an object of options.
    if (!isPlainObject(currentTls)) this.#apply({ redis: { tls: {} } });
    return this.#apply({ redis: { tls } });
  }

  /**
   * Sets `compression.codec` (default `'lz4'`), `compression.threshold` (default 1000 bytes; it
   * sets `compressionThreshold` too) and `compression.level` (default 6, deflate only).
   */
  withCompression(options: CompressionOptions): this {
    return this.#apply({
      compression: defined({ codec: options.codec, threshold: options.threshold, level: options.level }),
      ...(options.threshold === undefined ? {} : { compressionThreshold: options.threshold }),
    });
  }

  /**
   * Configures the in-process L1 tier (`l1`): `maxEntries` (default 100), `maxBytes` (default
   * 16 MiB), `maxEntryBytes` (default 1 MiB, or `maxBytes` when smaller), `protection` (default
   * `'freeze'`); `false` disables it (`l1: false`; the default is enabled).
   */
  withMemoryCache(options: MemoryCacheOptions | false): this {
    if (options === false) return this.#apply({ l1: false });
    if (getPath(this.#raw(), 'l1') === false) this.#apply({ l1: {} });
    return this.#apply({ l1: defined({ ...options }) });
  }

  /**
   * Sets the AI options: `textHashThreshold` (default 1000), `hashAlgorithm` (default
   * `'xxh64'`), `hashAllText` (default false), `operationTtls` (default
   * `DEFAULT_OPERATION_TTLS`), `defaultTtl` (default `'1h'`), `maxTextLength` (default 100000),
   * `sizeTiers` (default `{ small: 1000, medium: 10000 }`), `promoteLargeToL1` (default false).
   * `operationTtls` and `sizeTiers` are merged with those already set.
   */
  withAIFeatures(options: AIFeatureOptions): this {
    return this.#apply(defined({ ...options }));
  }

  /**
   * Merges any partial configuration (deeply) over the current state: every option of
   * {@link AICacheOptions}, each documented with its default.
   */
  with(partial: AICacheOptions): this {
    return this.#apply(partial);
  }

  /**
   * Merges a JSON configuration file over the current state.
   *
   * @throws {ValidationError} naming the file when it cannot be read, is not valid JSON (file
   *   contents are never echoed) or is not a JSON object.
   */
  fromFile(path: string): this {
    const fail = (message: string, cause?: unknown): never => {
      throw new ValidationError(
        `Cannot load configuration file ${path}`,
        [{ path: '', message: `${path}: ${message}` }],
        {
          context: { file: path },
          cause,
        },
      );
    };
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      fail(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'unknown error'})`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      fail(`invalid JSON${jsonPosition(text, (error as Error).message)}`);
    }
    if (!isPlainObject(data)) fail('expected a JSON object at the top level');
    return this.#apply(data as ConfigRecord);
  }

  /**
   * Merges the `AI_CACHE_*` variables over the current state; `AI_CACHE_ENV` replaces the base
   * preset (like {@link forEnvironment}).
   *
   * @throws {ValidationError} listing every malformed variable.
   */
  fromEnvironment(env: Record<string, string | undefined> = process.env): this {
    const { preset, config } = readEnvironment(env);
    if (preset !== undefined) this.forEnvironment(preset);
    return this.#apply(config);
  }

  /**
   * Checks the configuration without throwing: every schema problem, missing TLS files, and
   * warnings for risky settings.
   */
  validate(): ConfigCheckResult {
    return this.#check().result;
  }

  /**
   * The resolved configuration. It prints with its secrets redacted (`JSON.stringify`,
   * `util.inspect`; see `protectSecrets`) while its fields keep the real values.
   *
   * @throws {ValidationError} listing every problem.
   */
  build(): AICacheConfig {
    const { result, config } = this.#check();
    if (config === undefined || !result.isValid) {
      throw new ValidationError(invalidMessage(result.errors.length), result.errors);
    }
    warnConfigOnce(this.#raw());
    return protectSecrets(config);
  }

  /** The resolved configuration when valid, else the raw merged input; secrets redacted. */
  toJSON(): ConfigRecord {
    const raw = this.#raw();
    const parsed = configSchemas().AICacheConfigSchema.safeParse(raw);
    return redactConfig(parsed.success ? (parsed.data as ConfigRecord) : raw);
  }

  /**
   * Writes {@link toJSON} (secrets redacted, 2-space indented) to `path`. Loading the file back
   * requires supplying the secrets again (e.g. with `AI_CACHE_REDIS_PASSWORD`).
   */
  saveToFile(path: string): this {
    writeFileSync(path, `${JSON.stringify(this.toJSON(), null, 2)}\n`, 'utf8');
    return this;
  }

  #apply(layer: unknown): this {
    this.#overlay = mergeConfig(this.#overlay, layer);
    return this;
  }

  #raw(): ConfigRecord {
    return mergeConfig(this.#base, this.#overlay);
  }

  #check(): { result: ConfigCheckResult; config?: AICacheConfig } {
    const raw = this.#raw();
    const { AICacheConfigSchema } = configSchemas();
    const parsed = AICacheConfigSchema.safeParse(raw);
    const errors: ValidationIssue[] = parsed.success
      ? []
      : issuesFromZodError(AICacheConfigSchema, parsed.error, raw);
    errors.push(...missingTlsFiles(raw));
    const result: ConfigCheckResult = {
      isValid: errors.length === 0,
      errors,
      warnings: configWarnings(parsed.success ? parsed.data : raw, raw),
    };
    return parsed.success ? { result, config: parsed.data } : { result };
  }
}

/** Issues for TLS files that do not exist. */
function missingTlsFiles(raw: ConfigRecord): ValidationIssue[] {
  const tls = getPath(raw, 'redis.tls');
  if (!isPlainObject(tls)) return [];
  const issues: ValidationIssue[] = [];
  for (const key of ['caPath', 'certPath', 'keyPath'] as const) {
    const file = tls[key];
    if (typeof file === 'string' && file !== '' && !existsSync(file)) {
      issues.push({ path: `redis.tls.${key}`, message: `file not found: ${file}` });
    }
  }
  return issues;
}
