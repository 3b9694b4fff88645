/**
 * `withCache(client, options)`: a Proxy over the openai client whose `chat.completions.create`,
 * `embeddings.create` and `responses.create` go through the cache; every other member is the
 * client's own (methods bound to their object, so `this` and private fields keep working).
 *
 * @module
 */
import { tryParseTtl, ttlProblem, ValidationError, type ValidationIssue } from '../../index.js';
import { DEFAULT_CACHE_FINISH_REASONS } from './answers.js';
import { type Invoke, intercept } from './call.js';
import { Engine, type Settings } from './engine.js';
import type { CachedOpenAI, Endpoint, LockSettings, OpenAILike, WithCacheOptions } from './types.js';

function lockSettings(lock: LockSettings | false | undefined, issues: ValidationIssue[]): Settings['lock'] {
  if (lock === false) return undefined;
  const ttlMs = tryParseTtl(lock?.ttl ?? '30s');
  const waitMs = tryParseTtl(lock?.wait ?? '10s');
  if (ttlMs === undefined)
    issues.push({ path: 'lock.ttl', message: "expected a TTL such as 30000 or '30s'" });
  if (waitMs === undefined)
    issues.push({ path: 'lock.wait', message: "expected a TTL such as 10000 or '10s'" });
  const onTimeout = lock?.onTimeout ?? 'proceed';
  if (onTimeout !== 'proceed' && onTimeout !== 'throw') {
    issues.push({ path: 'lock.onTimeout', message: "expected 'proceed' or 'throw'" });
  }
  return { ttlMs: ttlMs ?? 0, waitMs: waitMs ?? 0, onTimeout };
}

/** Validates and resolves the options. @throws {ValidationError} listing every problem. */
function resolveSettings(options: WithCacheOptions): Settings {
  const issues: ValidationIssue[] = [];
  const ai = options?.cache as Partial<Settings['ai']> | undefined;
  if (typeof ai?.lookupResponse !== 'function' || typeof ai.cacheResponse !== 'function') {
    issues.push({ path: 'cache', message: 'expected an AIResponseCache' });
  }
  const { operation, shouldCache, isCacheable, onError } = options ?? {};
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
  const ttl = options?.ttl;
  if (ttl !== undefined && typeof ttl !== 'function') {
    const problem = ttlProblem(ttl);
    if (problem !== undefined) issues.push({ path: 'ttl', message: problem });
  }
  const lock = lockSettings(options?.lock, issues);
  if (issues.length > 0) throw new ValidationError('Invalid withCache() options', issues);
  return {
    ai: options.cache,
    operation,
    ttl: options.ttl,
    lock,
    streams: options.streams ?? true,
    shouldCache,
    isCacheable,
    finishReasons: new Set(options.cacheFinishReasons ?? DEFAULT_CACHE_FINISH_REASONS),
    onError,
  };
}

type Overrides = Record<PropertyKey, () => unknown>;

/** A Proxy over `target` serving `overrides` and binding the target's own methods to it. */
function proxy<T extends object>(target: T, overrides: Overrides): T {
  const bound = new Map<PropertyKey, { from: unknown; fn: unknown }>();
  const made = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const override = Object.hasOwn(overrides, property) ? overrides[property] : undefined;
      if (override) {
        if (!made.has(property)) made.set(property, override());
        return made.get(property);
      }
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || property === 'constructor') return value;
      const cached = bound.get(property);
      if (cached?.from === value) return cached.fn;
      const fn = (value as (...args: unknown[]) => unknown).bind(object);
      bound.set(property, { from: value, fn });
      return fn;
    },
  });
}

/** The cached `create` of one resource. */
function cachedCreate(engine: Engine, endpoint: Endpoint, resource: object): () => unknown {
  return () => {
    const original = Reflect.get(resource, 'create') as (params: unknown, options?: unknown) => unknown;
    const invoke = ((params: unknown, options: unknown) =>
      options === undefined
        ? original.call(resource, params)
        : original.call(resource, params, options)) as Invoke;
    return (params: unknown, options?: unknown) => intercept(engine, endpoint, invoke, params, options);
  };
}

/** `create` of `target` cached, everything else the target's own. */
function cachedResource(engine: Engine, target: object, endpoint: Endpoint): object {
  return proxy(target, { create: cachedCreate(engine, endpoint, target) });
}

function wrap<T extends object>(client: T, engine: Engine, options: WithCacheOptions): T {
  const member = (object: object, name: string) => Reflect.get(object, name) as object;
  const overrides: Overrides = {
    chat: () => {
      const chat = member(client, 'chat');
      const completions = () => cachedResource(engine, member(chat, 'completions'), 'chat.completions');
      return proxy(chat, { completions });
    },
    embeddings: () => cachedResource(engine, member(client, 'embeddings'), 'embeddings'),
  };
  const withOptions = Reflect.get(client, 'withOptions');
  if (typeof withOptions === 'function') {
    // `withOptions()` returns a new client: wrapped too, with this wrapper's options.
    overrides.withOptions = () => (opts: unknown) => withCache(withOptions.call(client, opts), options);
  }
  if (Reflect.get(client, 'responses') !== undefined) {
    overrides.responses = () => cachedResource(engine, member(client, 'responses'), 'responses');
  }
  return proxy(client, overrides);
}

/**
 * Wraps an openai client so that `chat.completions.create`, `embeddings.create` and
 * `responses.create` are cached (streaming included); everything else passes through.
 *
 * - The wrapped client has the client's type (plus overloads accepting the per-call
 *   `{ cache: { noCache, noStore, forceRefresh, ttl, namespace } }` request option, which is
 *   stripped before the request reaches the client).
 * - `cacheStatus(result)` tells how a result was obtained.
 * - Identical concurrent calls cost one upstream call per process, and one per cluster when the
 *   cache has a distributed lock (Redis).
 * - Errors, empty, truncated (`finish_reason: 'length'`), incomplete or failed answers are never
 *   stored; upstream errors propagate unchanged; cache failures never fail a call.
 * - `withResponse()` / `asResponse()` work: on a miss with the upstream `Response`, otherwise
 *   with a synthesized one carrying `x-cache: hit` (see `CachedAPIPromise`).
 *
 * @throws {ValidationError} for invalid options.
 * @example
 * const ai = new AIResponseCache({ redisUrl: process.env.REDIS_URL });
 * const openai = withCache(new OpenAI(), { cache: ai });
 * const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * cacheStatus(completion); // 'miss', then 'hit'
 */
export function withCache<T extends OpenAILike>(client: T, options: WithCacheOptions): CachedOpenAI<T> {
  if (typeof client !== 'object' || client === null) {
    throw new ValidationError('Invalid withCache() client', [
      { path: 'client', message: 'expected an openai client' },
    ]);
  }
  const engine = new Engine(client, resolveSettings(options));
  return wrap(client, engine, options) as CachedOpenAI<T>;
}
