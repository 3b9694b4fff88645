/**
 * Validation of the call path's options and of per-call options: every problem at once, as a
 * {@link ValidationError}; the resolved settings the path runs with.
 *
 * @module
 */
import { keyList, unknownOptionMessage } from '../../cache/options-check.js';
import { tryParseTtl, ttlProblem } from '../../cache/ttl.js';
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { AIResponseCache, TtlSetting } from '../ai-response-cache.js';
import type { CallPathOptions, LockSettings, PerCallCacheOptions, SamplingPolicy } from './types.js';

/** Default background read of a stream whose consumer stopped at a complete answer. */
export const DEFAULT_DRAIN = Object.freeze({ timeoutMs: 10_000, maxChunks: 10_000 });

/** The resolved options of a call path. */
export interface Settings<Request> {
  ai: AIResponseCache;
  operation: CallPathOptions<Request>['operation'];
  ttl: TtlSetting | undefined;
  lock: { ttlMs: number; waitMs: number; onTimeout: 'proceed' | 'throw' } | undefined;
  streams: boolean;
  shouldCache: ((request: Request) => boolean) | undefined;
  isCacheable: ((answer: unknown, request: Request) => boolean) | undefined;
  sampling: SamplingPolicy;
  scope: unknown;
  onError: ((error: Error) => void) | undefined;
  drain: { timeoutMs: number; maxChunks: number };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function samplingProblem(value: unknown): string | undefined {
  if (value === 'first' || value === 'bypass') return undefined;
  if (isRecord(value) && Object.keys(value).length === 1) {
    const bucket = value.bucket;
    if (typeof bucket === 'number' && Number.isInteger(bucket) && bucket >= 1 && bucket <= 1000)
      return undefined;
    return 'expected bucket to be an integer from 1 to 1000';
  }
  return "expected 'first', 'bypass' or { bucket: N }";
}

const LOCK_KEYS = keyList<LockSettings>({ ttl: true, wait: true, onTimeout: true });

function lockSettings(
  lock: LockSettings | false | undefined,
  issues: ValidationIssue[],
): Settings<never>['lock'] {
  if (lock === false) return undefined;
  if (lock !== undefined && !isRecord(lock)) {
    issues.push({ path: 'lock', message: 'expected an object or false' });
    return undefined;
  }
  for (const key of Object.keys(lock ?? {})) {
    if (!LOCK_KEYS.includes(key))
      issues.push({ path: `lock.${key}`, message: unknownOptionMessage(key, LOCK_KEYS) });
  }
  const ttlMs = tryParseTtl(lock?.ttl ?? '30s');
  const waitMs = tryParseTtl(lock?.wait ?? '10s');
  if (ttlMs === undefined)
    issues.push({ path: 'lock.ttl', message: "expected a TTL such as 30000 or '30s'" });
  if (waitMs === undefined)
    issues.push({ path: 'lock.wait', message: "expected a TTL such as 10000 or '10s'" });
  const onTimeout: unknown = lock?.onTimeout ?? 'proceed';
  if (onTimeout !== 'proceed' && onTimeout !== 'throw') {
    issues.push({ path: 'lock.onTimeout', message: "expected 'proceed' or 'throw'" });
    return undefined;
  }
  return { ttlMs: ttlMs ?? 0, waitMs: waitMs ?? 0, onTimeout };
}

/** Options every call path takes (an integration may add its own and strip them before). */
export const CALL_PATH_OPTIONS = keyList<CallPathOptions<unknown>>({
  cache: true,
  operation: true,
  ttl: true,
  lock: true,
  streams: true,
  shouldCache: true,
  isCacheable: true,
  sampling: true,
  scope: true,
  onError: true,
  drain: true,
});

/**
 * Validates and resolves call path options (`known`: further option names the integration
 * accepts, which are not checked here). @throws {ValidationError} listing every problem.
 */
export function resolveSettings<Request>(
  options: CallPathOptions<Request>,
  what: string,
  known: readonly string[] = [],
): Settings<Request> {
  const issues: ValidationIssue[] = [];
  if (!isRecord(options))
    throw new ValidationError(`Invalid ${what} options`, [{ path: '', message: 'expected an object' }]);
  for (const key of Object.keys(options)) {
    if (!CALL_PATH_OPTIONS.includes(key) && !known.includes(key)) {
      issues.push({ path: key, message: unknownOptionMessage(key, [...CALL_PATH_OPTIONS, ...known]) });
    }
  }
  const ai = options.cache as Partial<AIResponseCache> | undefined;
  if (typeof ai?.lookupPrepared !== 'function' || typeof ai.storePrepared !== 'function') {
    issues.push({ path: 'cache', message: 'expected an AIResponseCache' });
  }
  const { operation, shouldCache, isCacheable, onError } = options;
  if (
    operation !== undefined &&
    typeof operation !== 'function' &&
    (typeof operation !== 'string' || !operation)
  ) {
    issues.push({ path: 'operation', message: 'expected a non-empty string or a function' });
  }
  for (const [path, fn] of Object.entries({ shouldCache, isCacheable, onError })) {
    if (fn !== undefined && typeof fn !== 'function') issues.push({ path, message: 'expected a function' });
  }
  if (options.streams !== undefined && typeof options.streams !== 'boolean') {
    issues.push({ path: 'streams', message: 'expected a boolean' });
  }
  const ttl = options.ttl;
  if (ttl !== undefined && typeof ttl !== 'function') {
    const problem = ttlProblem(ttl);
    if (problem !== undefined) issues.push({ path: 'ttl', message: problem });
  }
  const sampling = options.sampling ?? 'first';
  const problem = samplingProblem(sampling);
  if (problem) issues.push({ path: 'sampling', message: problem });
  const drain = { ...DEFAULT_DRAIN, ...(isRecord(options.drain) ? options.drain : {}) };
  for (const [key, value] of Object.entries(drain)) {
    if (typeof value !== 'number' || !(value > 0))
      issues.push({ path: `drain.${key}`, message: 'expected a positive number' });
  }
  const lock = lockSettings(options.lock, issues);
  if (issues.length > 0) throw new ValidationError(`Invalid ${what} options`, issues);
  return {
    ai: options.cache,
    operation,
    ttl: options.ttl,
    lock,
    streams: options.streams ?? true,
    shouldCache,
    isCacheable,
    sampling,
    scope: options.scope,
    onError,
    drain,
  };
}

const FLAGS = ['noCache', 'noStore', 'forceRefresh'] as const;

/** Keys of {@link PerCallCacheOptions}. */
export const PER_CALL_OPTION_KEYS = keyList<PerCallCacheOptions>({
  noCache: true,
  noStore: true,
  forceRefresh: true,
  ttl: true,
  namespace: true,
  sampling: true,
});

/** The per-call options of a call that gives none (shared, frozen). */
const NO_PER_CALL: PerCallCacheOptions = Object.freeze({});

/** Validates per-call options. @throws {ValidationError} listing every problem. */
export function parsePerCall(value: unknown): PerCallCacheOptions {
  if (value === undefined) return NO_PER_CALL;
  if (!isRecord(value))
    throw new ValidationError('Invalid cache option', [{ path: 'cache', message: 'expected an object' }]);
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(value)) {
    if (!PER_CALL_OPTION_KEYS.includes(key)) {
      issues.push({ path: `cache.${key}`, message: unknownOptionMessage(key, PER_CALL_OPTION_KEYS) });
    }
  }
  for (const flag of FLAGS) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') {
      issues.push({ path: `cache.${flag}`, message: 'expected a boolean' });
    }
  }
  if (value.ttl !== undefined && tryParseTtl(value.ttl as never) === undefined) {
    issues.push({
      path: 'cache.ttl',
      message:
        ttlProblem(value.ttl) ?? "expected a positive number of milliseconds or a duration such as '5m'",
    });
  }
  if (value.namespace !== undefined && (typeof value.namespace !== 'string' || value.namespace === '')) {
    issues.push({ path: 'cache.namespace', message: 'expected a non-empty string' });
  }
  if (value.sampling !== undefined) {
    const problem = samplingProblem(value.sampling);
    if (problem) issues.push({ path: 'cache.sampling', message: problem });
  }
  if (issues.length > 0) throw new ValidationError('Invalid cache option', issues);
  return value as PerCallCacheOptions;
}
