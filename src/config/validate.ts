/**
 * Turning zod results into {@link ValidationError}s that list every problem (with "did you
 * mean" hints for unknown keys and secrets scrubbed), and warnings for risky-but-valid
 * settings.
 *
 * @module
 */
import type { z } from 'zod';
import { unknownOptionMessage } from '../cache/options-check.js';
import { tryParseTtl } from '../cache/ttl.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { WarningCodes, warnOnce } from '../warnings.js';
import { collectSecrets, protectSecrets, REDACTED, scrubSecrets } from './redact.js';

/** The "did you mean" helpers (one implementation, shared with the generic cache's option checks). */
export { levenshtein, suggestKey } from '../cache/options-check.js';

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Where the input came from (a file name, "environment"...), named in the error message. */
  source?: string;
  /**
   * Top-level keys the caller takes out of the input before parsing (e.g. `AIResponseCache`'s
   * `redisClient`, `backend`, ...): offered in "did you mean" hints for unknown keys.
   * @default none
   */
  knownKeys?: readonly string[];
}

/** Result of {@link checkConfig}. */
export interface ConfigCheckResult {
  /** `true` when `errors` is empty. */
  isValid: boolean;
  /** Every problem that makes the configuration unusable. */
  errors: ValidationIssue[];
  /** Valid but risky settings (security, performance), as sentences. */
  warnings: string[];
}

/**
 * Parses `input` with `schema` and returns the resolved configuration.
 *
 * @throws {ValidationError} listing every problem at once: one issue per zod issue, one per
 *   unknown key (with a "did you mean" hint), paths dotted (`l1.maxEntries`), secrets scrubbed.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: ParseConfigOptions = {},
): z.output<S> {
  const result = schema.safeParse(input);
  // What a configuration prints (JSON.stringify, util.inspect) never shows a password.
  if (result.success) {
    warnConfigOnce(input);
    return protectSecrets(result.data);
  }
  const issues = issuesFromZodError(schema, result.error, input, options.knownKeys);
  throw new ValidationError(invalidMessage(issues.length, options.source), issues);
}

/**
 * Validates `input` without throwing: every problem as an issue, plus warnings for valid but
 * risky settings (plain-text Redis to a remote host, passwords in non-TLS URLs, L1 disabled in
 * front of Redis, disabled certificate checks, ...).
 */
export function checkConfig(schema: z.ZodType, input: unknown): ConfigCheckResult {
  const result = schema.safeParse(input);
  const errors = result.success ? [] : issuesFromZodError(schema, result.error, input);
  return {
    isValid: errors.length === 0,
    errors,
    warnings: configWarnings(result.success ? result.data : input, input),
  };
}

/** The headline of a {@link ValidationError} about a configuration. */
export function invalidMessage(count: number, source?: string): string {
  const from = source ? ` from ${source}` : '';
  return `Invalid configuration${from}: ${count} problem${count === 1 ? '' : 's'}`;
}

/**
 * Converts a zod error into issues: dotted paths, one issue per unknown key with a "did you
 * mean" hint, secrets found in `input` removed from messages.
 */
export function issuesFromZodError(
  schema: z.ZodType,
  error: z.ZodError,
  input: unknown,
  topLevelKeys: readonly string[] = [],
): ValidationIssue[] {
  const secrets = collectSecrets(input);
  const issues: ValidationIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, issue.path);
      if (issue.path.length === 0) known.push(...topLevelKeys);
      for (const key of issue.keys) {
        issues.push({ path: formatPath([...issue.path, key]), message: unknownOptionMessage(key, known) });
      }
      continue;
    }
    issues.push({ path: formatPath(issue.path), message: issue.message });
  }
  return issues.map((issue) => ({
    path: scrubSecrets(issue.path, secrets),
    message: scrubSecrets(issue.message, secrets),
  }));
}

/** `['l1', 'maxEntries']` -> `'l1.maxEntries'`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => String(segment)).join('.');
}

// ---------------------------------------------------------------------------------------------
// Schema introspection (for "did you mean")

interface SchemaNode {
  _zod: { def: SchemaDef };
}

interface SchemaDef {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  options?: readonly SchemaNode[];
  shape?: Record<string, SchemaNode>;
  valueType?: SchemaNode;
  element?: SchemaNode;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

/** Unwraps wrappers and pipes and flattens unions into the concrete schemas a value may match. */
function expand(node: SchemaNode | undefined, depth = 0): SchemaNode[] {
  if (!node || depth > 16) return [];
  const def = node._zod.def;
  if (WRAPPERS.has(def.type)) return expand(def.innerType, depth + 1);
  if (def.type === 'pipe') return expand(def.in, depth + 1);
  if (def.type === 'union') return (def.options ?? []).flatMap((option) => expand(option, depth + 1));
  return [node];
}

/** Keys known by the object schema(s) found at `path` inside `schema`. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes = expand(schema as unknown as SchemaNode);
  for (const segment of path) {
    const next: SchemaNode[] = [];
    for (const node of nodes) {
      const def = node._zod.def;
      if (def.type === 'object' && typeof segment === 'string') next.push(...expand(def.shape?.[segment]));
      else if (def.type === 'record') next.push(...expand(def.valueType));
      else if (def.type === 'array') next.push(...expand(def.element));
    }
    nodes = next;
  }
  const keys = new Set<string>();
  for (const node of nodes) {
    if (node._zod.def.type === 'object')
      for (const key of Object.keys(node._zod.def.shape ?? {})) keys.add(key);
  }
  return [...keys];
}

// ---------------------------------------------------------------------------------------------
// Warnings

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

function tryUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const LARGE_THRESHOLD = 1024 * 1024;
const TINY_THRESHOLD = 64;

/**
 * Valid-but-risky settings of a (resolved or raw) configuration. `input` is the raw input,
 * used for checks that need to know what the user wrote.
 */
export function configWarnings(config: unknown, input: unknown = config): string[] {
  if (!isRecord(config)) return [];
  const warnings: string[] = [];
  const redis = isRecord(config.redis) ? config.redis : undefined;
  const rawUrl = redis?.url ?? config.redisUrl;
  const url = tryUrl(rawUrl);
  const usesRedis = redis !== undefined || rawUrl !== undefined;

  if (usesRedis) {
    const host = url?.hostname || (typeof redis?.host === 'string' ? redis.host : undefined);
    const tls = url?.protocol === 'rediss:' || redis?.tls === true || isRecord(redis?.tls);
    if (host === undefined) {
      warnings.push('redis has neither url nor host: the client will connect to 127.0.0.1:6379.');
    } else if (!tls && !isLoopback(host)) {
      warnings.push(
        `redis connects to '${host}' without TLS: passwords and cached responses travel in clear text; use a rediss:// URL or redis.tls.`,
      );
    }
    if (url?.password && !tls) {
      warnings.push(
        'the redis URL carries a password over a non-TLS connection; use rediss:// or redis.tls.',
      );
    }
    if (redis?.password === REDACTED || url?.password === REDACTED) {
      warnings.push(
        `the redis password is the redaction placeholder '${REDACTED}' (files written by saveToFile() contain no secrets); set the real password, e.g. from AI_CACHE_REDIS_PASSWORD.`,
      );
    }
    if (isRecord(redis?.tls) && redis.tls.rejectUnauthorized === false) {
      warnings.push('redis.tls.rejectUnauthorized is false: the server certificate is not verified.');
    }
    if (config.l1 === false) {
      warnings.push('l1 is disabled in front of Redis: every read is a network round trip.');
    }
    if (config.hashAllText === false && host !== undefined && !isLoopback(host)) {
      warnings.push(
        'hashAllText is false: texts shorter than textHashThreshold appear verbatim in Redis keys; set hashAllText: true to keep prompts out of Redis.',
      );
    }
  }

  if (config.failOnConnectionError === true) {
    warnings.push('failOnConnectionError is true: a Redis outage will fail application requests.');
  }

  const compression = isRecord(config.compression) ? config.compression : undefined;
  const threshold =
    typeof config.compressionThreshold === 'number' ? config.compressionThreshold : compression?.threshold;
  if (compression && compression.codec !== 'none' && typeof threshold === 'number') {
    if (threshold < TINY_THRESHOLD) {
      warnings.push(
        `compression threshold ${threshold} bytes is very low: compressing tiny payloads costs CPU and rarely saves space.`,
      );
    } else if (threshold > LARGE_THRESHOLD) {
      warnings.push(
        `compression threshold ${threshold} bytes is very high: compression is effectively off; set compression.codec 'none' to say so.`,
      );
    }
  }
  if (compression?.codec === 'none' && usesRedis) {
    warnings.push("compression.codec is 'none': large responses are stored and transferred uncompressed.");
  }

  if (isRecord(input) && typeof input.compressionThreshold === 'number' && isRecord(input.compression)) {
    const nested = input.compression.threshold;
    if (typeof nested === 'number' && nested !== input.compressionThreshold) {
      warnings.push(
        `compressionThreshold (${input.compressionThreshold}) overrides compression.threshold (${nested}); set only one of them.`,
      );
    }
  }

  warnings.push(...ttlUnitWarnings(input));

  if (isRecord(config.l1)) {
    const l1Ttl = tryParseTtl(config.l1.ttl);
    const ttl = tryParseTtl(config.ttl);
    if (l1Ttl !== undefined && ttl !== undefined && l1Ttl > ttl) {
      warnings.push(
        'l1.ttl is longer than ttl: L1 entries never outlive their L2 entry, so the extra time is unused.',
      );
    }
  }
  return warnings;
}

/** Below this, an integer TTL is most likely meant in seconds (see {@link ttlUnitWarnings}). */
const TTL_UNITS_LIMIT = 1000;

/** The TTLs of a raw configuration, by dotted path (`ttl`, `defaultTtl`, `l1.ttl`, `operationTtls.summarize`, ...). */
function configTtls(input: Record<string, unknown>): [string, unknown][] {
  const ttls: [string, unknown][] = [
    ['ttl', input.ttl],
    ['defaultTtl', input.defaultTtl],
  ];
  if (isRecord(input.l1)) ttls.push(['l1.ttl', input.l1.ttl], ['l1.maxStaleness', input.l1.maxStaleness]);
  if (isRecord(input.operationTtls)) {
    for (const [operation, ttl] of Object.entries(input.operationTtls))
      ttls.push([`operationTtls.${operation}`, ttl]);
  }
  return ttls;
}

/**
 * One warning per TTL of the raw configuration written as an integer below 1000: TTL numbers
 * are milliseconds, so `defaultTtl: 60` keeps entries 60 ms, where the seed API meant seconds.
 * A unit (`'60s'`) or a number >= 1000 says what is meant and silences it.
 */
export function ttlUnitWarnings(input: unknown): string[] {
  if (!isRecord(input)) return [];
  return configTtls(input)
    .filter(([, ttl]) => typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0 && ttl < TTL_UNITS_LIMIT)
    .map(
      ([path, ttl]) =>
        `${path} is ${String(ttl)}: TTL numbers are milliseconds, so entries live ${String(ttl)} ms; write '${String(ttl)}s' for seconds, or a number >= ${TTL_UNITS_LIMIT} for milliseconds (${WarningCodes.TTL_UNITS}).`,
    );
}

/**
 * Emits the process warnings a configuration about to be used deserves (once per process per
 * code): {@link WarningCodes.TTL_UNITS} for TTLs that are probably meant in seconds.
 */
export function warnConfigOnce(input: unknown): void {
  const ttl = ttlUnitWarnings(input);
  if (ttl.length > 0) warnOnce(WarningCodes.TTL_UNITS, ttl.join(' '));
}
