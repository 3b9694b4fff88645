/**
 * What every command starts from: the configuration (read like the library reads it) and, for
 * the commands that need one, a Redis connection.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { redisBackendFromConfig } from '../ai-cache/from-config.js';
import type { RedisBackend } from '../backends/redis.js';
import { configFromEnvironment } from '../config/env.js';
import { mergeConfig } from '../config/merge.js';
import { LOCAL_REDIS_URL } from '../config/presets.js';
import { type AICacheConfig, configSchemas } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import type { CliOptions } from './args.js';
import { CommandError, ConnectError } from './errors.js';
import type { Output } from './output.js';

/** What a command receives. */
export interface CommandContext {
  /** The validated configuration. */
  config: AICacheConfig;
  options: CliOptions;
  positionals: string[];
  out: Output;
  /** Asks a yes/no question on the terminal. @throws {UsageError} when stdin is not a terminal. */
  confirm(question: string): Promise<boolean>;
  /** Connects to Redis (once). @throws {ConnectError} when it cannot be reached. */
  redis(): Promise<{ backend: RedisBackend; client: Redis | Cluster }>;
}

/**
 * The configuration: `AIResponseCache` options from `--config <file.json>`, then the
 * `AI_CACHE_*` variables on top, then `--redis` / `--prefix`; validated like the library does
 * (every problem listed). Without any Redis setting, `redis://127.0.0.1:6379`.
 *
 * @throws {CommandError} for an unreadable or invalid file; `ValidationError` for invalid values.
 */
export function loadConfig(options: CliOptions, env: Record<string, string | undefined>): AICacheConfig {
  let file: unknown = {};
  if (options.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.config, 'utf8');
    } catch (error) {
      throw new CommandError(
        `cannot read ${options.config}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      file = JSON.parse(text);
    } catch (error) {
      throw new CommandError(`${options.config} is not JSON: ${(error as Error).message}`);
    }
  }
  const flags: Record<string, unknown> = {};
  if (options.redis !== undefined) flags.redis = { url: options.redis };
  if (options.prefix !== undefined) flags.prefix = options.prefix;
  const merged = mergeConfig(file, configFromEnvironment(env), flags);
  const { AICacheConfigSchema } = configSchemas();
  const config = parseConfig(AICacheConfigSchema, merged, { source: 'ai-response-cache configuration' });
  return config.redis
    ? config
    : parseConfig(AICacheConfigSchema, mergeConfig(merged, { redis: { url: LOCAL_REDIS_URL } }));
}

/** A lazy, shared Redis connection for the commands of one run; `close()` releases it. */
export function redisConnector(config: AICacheConfig): {
  connect: CommandContext['redis'];
  close(): Promise<void>;
} {
  let backend: RedisBackend | undefined;
  let ready: Promise<{ backend: RedisBackend; client: Redis | Cluster }> | undefined;
  return {
    connect() {
      ready ??= (async () => {
        // loadConfig always sets `redis`.
        if (!config.redis) throw new ConnectError('no Redis configured');
        backend = redisBackendFromConfig(config.redis);
        try {
          await backend.connect();
        } catch (error) {
          throw new ConnectError((error as Error).message);
        }
        return { backend, client: backend.client };
      })();
      return ready;
    },
    async close() {
      await backend?.close();
    },
  };
}
