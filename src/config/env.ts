/**
 * Configuration from `AI_CACHE_*` environment variables. {@link ENVIRONMENT_VARIABLES} is the
 * one list of supported variables (used by the parser, the docs and the tests).
 *
 * @module
 */
import { tryParseTtl } from '../cache/ttl.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { type ConfigRecord, isPlainObject, mergeConfig } from './merge.js';
import { type EnvironmentName, EnvironmentPresets } from './presets.js';
import { type AICacheConfigInput, COMPRESSION_CODECS, HASH_ALGORITHMS, isRedisUrl } from './schema.js';

/** How the value of an environment variable is read. */
export type EnvironmentVariableKind =
  | 'environment'
  | 'url'
  | 'secret'
  | 'string'
  | 'path'
  | 'integer'
  | 'boolean'
  | 'ttl'
  | 'ttl-map'
  | 'enum';

/** One supported environment variable. */
export interface EnvironmentVariable {
  /** Variable name, e.g. `AI_CACHE_REDIS_URL`. */
  readonly name: string;
  /** Dotted configuration path it sets (`''` for `AI_CACHE_ENV`, which picks the base preset). */
  readonly path: string;
  /** How the value is read. */
  readonly kind: EnvironmentVariableKind;
  /** What it does, for docs. */
  readonly description: string;
  /** An example value. */
  readonly example: string;
  /** Accepted values, for `enum` and `environment` variables. */
  readonly values?: readonly string[];
}

/** `AI_CACHE_ENV` values and the preset each one starts from. */
export const ENVIRONMENT_PRESETS: Readonly<Record<string, EnvironmentName>> = Object.freeze({
  development: 'aiDevelopment',
  testing: 'testing',
  production: 'aiProduction',
});

/**
 * Every supported `AI_CACHE_*` variable. Empty values count as unset. Booleans accept
 * `true/false`, `1/0`, `yes/no`, `on/off` (any case); integers are non-negative decimal
 * numbers; TTLs are milliseconds or durations such as `'30s'`, `'5m'`, `'2h'`.
 */
export const ENVIRONMENT_VARIABLES: readonly EnvironmentVariable[] = Object.freeze([
  {
    name: 'AI_CACHE_ENV',
    path: '',
    kind: 'environment',
    values: Object.keys(ENVIRONMENT_PRESETS),
    description:
      'Preset the other variables apply on top of: development (EnvironmentPresets.aiDevelopment), testing (EnvironmentPresets.testing) or production (EnvironmentPresets.aiProduction).',
    example: 'production',
  },
  {
    name: 'AI_CACHE_REDIS_URL',
    path: 'redis.url',
    kind: 'url',
    description: 'Redis connection URL (redis:// or rediss:// for TLS).',
    example: 'rediss://cache.internal:6380',
  },
  {
    name: 'AI_CACHE_REDIS_PASSWORD',
    path: 'redis.password',
    kind: 'secret',
    description: 'Redis password (kept out of URLs, logs and saved files).',
    example: 's3cret-passw0rd',
  },
  {
    name: 'AI_CACHE_REDIS_DB',
    path: 'redis.db',
    kind: 'integer',
    description: 'Redis database index.',
    example: '2',
  },
  {
    name: 'AI_CACHE_REDIS_TLS',
    path: 'redis.tls',
    kind: 'boolean',
    description: 'Enable TLS to Redis (implied by the AI_CACHE_TLS_* paths).',
    example: 'true',
  },
  {
    name: 'AI_CACHE_TLS_CA_PATH',
    path: 'redis.tls.caPath',
    kind: 'path',
    description: 'PEM file with the CA certificate(s) to trust.',
    example: '/etc/ssl/redis/ca.pem',
  },
  {
    name: 'AI_CACHE_TLS_CERT_PATH',
    path: 'redis.tls.certPath',
    kind: 'path',
    description: 'PEM client certificate (mutual TLS).',
    example: '/etc/ssl/redis/client.crt',
  },
  {
    name: 'AI_CACHE_TLS_KEY_PATH',
    path: 'redis.tls.keyPath',
    kind: 'path',
    description: 'PEM client private key (mutual TLS).',
    example: '/etc/ssl/redis/client.key',
  },
  { name: 'AI_CACHE_PREFIX', path: 'prefix', kind: 'string', description: 'Key prefix.', example: 'my-app' },
  {
    name: 'AI_CACHE_DEFAULT_TTL',
    path: 'defaultTtl',
    kind: 'ttl',
    description: 'TTL of operations without a specific TTL.',
    example: '45m',
  },
  {
    name: 'AI_CACHE_OPERATION_TTLS',
    path: 'operationTtls',
    kind: 'ttl-map',
    description: 'TTL per operation, as comma-separated name=ttl pairs.',
    example: 'summarize=2h,sentiment=30m',
  },
  {
    name: 'AI_CACHE_L1_ENABLED',
    path: 'l1',
    kind: 'boolean',
    description: 'Enable the in-process L1 tier (false disables it).',
    example: 'false',
  },
  {
    name: 'AI_CACHE_L1_MAX_ENTRIES',
    path: 'l1.maxEntries',
    kind: 'integer',
    description: 'Maximum number of L1 entries.',
    example: '500',
  },
  {
    name: 'AI_CACHE_L1_MAX_BYTES',
    path: 'l1.maxBytes',
    kind: 'integer',
    description: 'Maximum total L1 size in bytes.',
    example: '33554432',
  },
  {
    name: 'AI_CACHE_COMPRESSION_CODEC',
    path: 'compression.codec',
    kind: 'enum',
    values: COMPRESSION_CODECS,
    description: 'Compression codec of stored responses.',
    example: 'deflate',
  },
  {
    name: 'AI_CACHE_COMPRESSION_THRESHOLD',
    path: 'compressionThreshold',
    kind: 'integer',
    description: 'Responses of at least this many bytes are compressed.',
    example: '2048',
  },
  {
    name: 'AI_CACHE_COMPRESSION_LEVEL',
    path: 'compression.level',
    kind: 'integer',
    description: 'Compression level, 1 (fastest) to 9 (smallest).',
    example: '9',
  },
  {
    name: 'AI_CACHE_TEXT_HASH_THRESHOLD',
    path: 'textHashThreshold',
    kind: 'integer',
    description: 'Texts of at least this many characters are hashed in keys.',
    example: '250',
  },
  {
    name: 'AI_CACHE_HASH_ALGORITHM',
    path: 'hashAlgorithm',
    kind: 'enum',
    values: HASH_ALGORITHMS,
    description: 'Hash used in keys.',
    example: 'sha256',
  },
  {
    name: 'AI_CACHE_HASH_ALL_TEXT',
    path: 'hashAllText',
    kind: 'boolean',
    description: 'Always hash texts in keys (keeps prompts out of Redis).',
    example: 'true',
  },
  {
    name: 'AI_CACHE_MAX_TEXT_LENGTH',
    path: 'maxTextLength',
    kind: 'integer',
    description: 'Longest accepted text, in characters.',
    example: '50000',
  },
  {
    name: 'AI_CACHE_FAIL_ON_CONNECTION_ERROR',
    path: 'failOnConnectionError',
    kind: 'boolean',
    description: 'Fail requests when Redis cannot be reached instead of degrading to misses.',
    example: 'true',
  },
] satisfies EnvironmentVariable[]);

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

function parseValue(variable: EnvironmentVariable, raw: string): Parsed {
  const text = raw.trim();
  switch (variable.kind) {
    case 'secret':
      return { ok: true, value: raw };
    case 'string':
    case 'path':
      return { ok: true, value: text };
    case 'url':
      return isRedisUrl(text)
        ? { ok: true, value: text }
        : { ok: false, message: 'expected a redis:// or rediss:// URL with a host (the value is not shown)' };
    case 'integer': {
      const value = Number(text);
      return /^\d+$/.test(text) && Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, message: `expected a non-negative integer (got ${JSON.stringify(raw)})` };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE_WORDS.has(lower)) return { ok: true, value: true };
      if (FALSE_WORDS.has(lower)) return { ok: true, value: false };
      return { ok: false, message: `expected true or false (got ${JSON.stringify(raw)})` };
    }
    case 'ttl':
      return parseTtlText(text, raw);
    case 'ttl-map':
      return parseTtlMap(text);
    case 'enum':
    case 'environment': {
      const lower = text.toLowerCase();
      const values = variable.values ?? [];
      return values.includes(lower)
        ? { ok: true, value: lower }
        : { ok: false, message: `expected one of ${values.join(', ')} (got ${JSON.stringify(raw)})` };
    }
  }
}

function parseTtlText(text: string, raw: string): Parsed {
  if (tryParseTtl(text) === undefined) {
    return {
      ok: false,
      message: `expected milliseconds or a duration such as '30s', '5m', '2h' (got ${JSON.stringify(raw)})`,
    };
  }
  return { ok: true, value: /^\d+(\.\d+)?$/.test(text) ? Number(text) : text };
}

function parseTtlMap(text: string): Parsed {
  const map: Record<string, string | number> = {};
  const problems: string[] = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const name = eq === -1 ? '' : entry.slice(0, eq).trim();
    const ttl = eq === -1 ? '' : entry.slice(eq + 1).trim();
    const parsed = parseTtlText(ttl, ttl);
    if (name === '' || !parsed.ok) {
      problems.push(JSON.stringify(entry));
      continue;
    }
    map[name] = parsed.value as string | number;
  }
  if (problems.length > 0) {
    return {
      ok: false,
      message: `expected comma-separated name=ttl pairs such as 'summarize=2h,sentiment=30m' (invalid: ${problems.join(', ')})`,
    };
  }
  return { ok: true, value: map };
}

/** What {@link readEnvironment} found. */
export interface EnvironmentReading {
  /** Preset named by `AI_CACHE_ENV`, if any. */
  preset?: EnvironmentName;
  /** Options set by the other variables (without the preset). */
  config: AICacheConfigInput;
}

/**
 * Reads the `AI_CACHE_*` variables of `env`, without applying the preset.
 *
 * @throws {ValidationError} listing every malformed variable (issue paths are variable names;
 *   URL and password values are never echoed).
 */
export function readEnvironment(env: Record<string, string | undefined> = process.env): EnvironmentReading {
  const issues: ValidationIssue[] = [];
  const config: ConfigRecord = {};
  let preset: EnvironmentName | undefined;
  const owners = new Map<string, string>();
  for (const variable of ENVIRONMENT_VARIABLES) {
    const raw = env[variable.name];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = parseValue(variable, raw);
    if (!parsed.ok) {
      issues.push({ path: variable.name, message: parsed.message });
      continue;
    }
    if (variable.kind === 'environment') {
      preset = ENVIRONMENT_PRESETS[parsed.value as string];
      continue;
    }
    const value = variable.path === 'l1' && parsed.value === true ? {} : parsed.value;
    const conflict = setPath(config, variable.path, value);
    if (conflict !== undefined) {
      issues.push({
        path: variable.name,
        message: `cannot be used while ${owners.get(conflict) ?? conflict} is false`,
      });
      continue;
    }
    owners.set(variable.path, variable.name);
  }
  if (issues.length > 0) {
    throw new ValidationError(
      `Invalid environment variables: ${issues.length} problem${issues.length === 1 ? '' : 's'}`,
      issues,
    );
  }
  return preset === undefined
    ? { config: config as AICacheConfigInput }
    : { preset, config: config as AICacheConfigInput };
}

/**
 * Sets a dotted path, creating objects on the way (`true` becomes `{}`: "enabled, with
 * options"). Returns the path of a `false` value in the way, if any, without setting anything.
 */
function setPath(record: ConfigRecord, path: string, value: unknown): string | undefined {
  const segments = path.split('.');
  const last = segments.pop() as string;
  let node = record;
  const walked: string[] = [];
  for (const segment of segments) {
    walked.push(segment);
    const child = node[segment];
    if (child === false) return walked.join('.');
    if (!isPlainObject(child)) node[segment] = {};
    node = node[segment] as ConfigRecord;
  }
  node[last] = value;
  return undefined;
}

/**
 * Configuration from the documented `AI_CACHE_*` variables (see
 * {@link ENVIRONMENT_VARIABLES}): the preset named by `AI_CACHE_ENV` (if any) with the other
 * variables applied on top. Returns `{}` when no variable is set. The result is an input:
 * validate it with `parseConfig(AICacheConfigSchema, ...)` or a `CacheConfigBuilder`.
 *
 * @throws {ValidationError} listing every malformed variable at once, by variable name.
 * @example configFromEnvironment({ AI_CACHE_REDIS_URL: 'redis://cache:6379', AI_CACHE_L1_ENABLED: 'false' })
 */
export function configFromEnvironment(
  env: Record<string, string | undefined> = process.env,
): AICacheConfigInput {
  const { preset, config } = readEnvironment(env);
  if (preset === undefined) return config;
  return mergeConfig(EnvironmentPresets[preset](), config) as AICacheConfigInput;
}
