/**
 * The one place that loads ioredis at run time. Everything else imports it as types only, so
 * `import 'ai-response-cache'` does not load it: it is loaded, synchronously, when the first
 * Redis component creates a client (a `RedisBackend`, a `RedisConnection` from a URL or
 * options, a factory from config, shared stats on a URL).
 *
 * @module
 */
import type * as IORedis from 'ioredis';
import { ConfigurationError } from '../errors.js';
import { nodeRequire } from '../node-require.js';

/** The ioredis module (its `Redis` and `Cluster` constructors, ...). */
export type IORedisModule = typeof IORedis;

const PACKAGE = 'ioredis';

let loaded: IORedisModule | undefined;

/**
 * ioredis: loaded with Node's `require` on the first call and cached afterwards. ESM and CJS
 * callers share Node's one CommonJS instance of it, so `instanceof` checks against a client
 * the application created with `import { Redis } from 'ioredis'` hold.
 *
 * @param load loads a package by name instead (bundlers, tests); its result is checked and
 *   not cached. @default Node's `require`, resolved from this module
 * @throws {ConfigurationError} naming the package and how to install it when it cannot be
 *   loaded, or when it does not export `Redis` and `Cluster`.
 */
export function loadIORedis(load?: (id: string) => unknown): IORedisModule {
  if (load !== undefined) return checkedLoad(load);
  loaded ??= checkedLoad(nodeRequire);
  return loaded;
}

function checkedLoad(load: (id: string) => unknown): IORedisModule {
  let module: unknown;
  try {
    module = load(PACKAGE);
  } catch (error) {
    throw new ConfigurationError(
      `The Redis components need ${PACKAGE} (${(error as Error).message}); install it: npm install ${PACKAGE}`,
      { cause: error, context: { package: PACKAGE } },
    );
  }
  const candidate = module as Partial<IORedisModule> | undefined;
  if (typeof candidate?.Redis !== 'function' || typeof candidate.Cluster !== 'function') {
    throw new ConfigurationError(`${PACKAGE} did not export the Redis and Cluster constructors`, {
      context: { package: PACKAGE },
    });
  }
  return candidate as IORedisModule;
}

/** Whether ioredis has been loaded through {@link loadIORedis} in this process (diagnostics, tests). */
export function isIORedisLoaded(): boolean {
  return loaded !== undefined;
}
