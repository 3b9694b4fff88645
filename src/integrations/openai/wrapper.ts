/**
 * `withCache(client, options)`: a Proxy over the openai client whose `chat.completions.create`,
 * `embeddings.create` and `responses.create` go through the call path with the openai codec;
 * every other member is the client's own (methods bound to their object, so `this` and private
 * fields keep working).
 *
 * @module
 */
import { type CallPathOptions, createCallPath, ValidationError, type ValidationIssue } from '../../index.js';
import { DEFAULT_CACHE_FINISH_REASONS } from './answers.js';
import { type Invoke, intercept, type Wrapped } from './call.js';
import { type OpenAIRequest, openaiCodec } from './codec.js';
import type { CachedOpenAI, Endpoint, OpenAILike, WithCacheOptions } from './types.js';

/** A base URL as key scope: origin and path, never credentials, query or fragment. */
export function baseUrlScope(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** Validates the options and makes the call path of one client. @throws {ValidationError} */
function pathOf(client: object, options: WithCacheOptions): Wrapped['path'] {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('Invalid withCache() options', [{ path: '', message: 'expected an object' }]);
  }
  const { cacheFinishReasons, isCacheable, ...rest } = options;
  const issues: ValidationIssue[] = [];
  if (
    cacheFinishReasons !== undefined &&
    (!Array.isArray(cacheFinishReasons) || !cacheFinishReasons.every((r) => typeof r === 'string'))
  ) {
    issues.push({ path: 'cacheFinishReasons', message: 'expected an array of strings' });
  }
  if (isCacheable !== undefined && typeof isCacheable !== 'function') {
    issues.push({ path: 'isCacheable', message: 'expected a function' });
  }
  const codec = openaiCodec(new Set(cacheFinishReasons ?? DEFAULT_CACHE_FINISH_REASONS), isCacheable);
  const scope = 'scope' in rest ? rest.scope : baseUrlScope((client as { baseURL?: unknown }).baseURL);
  const pathOptions = {
    ...rest,
    ...(scope === undefined ? {} : { scope }),
  } as CallPathOptions<OpenAIRequest>;
  try {
    if (issues.length > 0) throw new ValidationError('Invalid withCache() options', issues);
    return createCallPath(codec, pathOptions);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // One error listing every problem, the path's and the wrapper's own.
    const all = error.message.startsWith('Invalid withCache()')
      ? [...error.issues]
      : [...issues, ...error.issues];
    throw new ValidationError('Invalid withCache() options', all);
  }
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
function cachedCreate(wrapped: Wrapped, endpoint: Endpoint, resource: object): () => unknown {
  return () => {
    const original = Reflect.get(resource, 'create') as (params: unknown, options?: unknown) => unknown;
    const invoke = ((params: unknown, options: unknown) =>
      options === undefined
        ? original.call(resource, params)
        : original.call(resource, params, options)) as Invoke;
    return (params: unknown, options?: unknown) => intercept(wrapped, endpoint, invoke, params, options);
  };
}

/**
 * The SDK's helpers (`parse()`, `stream()`, `runTools()`) call `this._client.<resource>.create`:
 * run with `this` seeing the wrapped client as `_client`, they go through the cache too.
 */
const HELPERS = ['parse', 'stream', 'runTools'] as const;

/** `create` of `target` cached, its helpers on the wrapped client, everything else the target's own. */
function cachedResource(wrapped: Wrapped, target: object, endpoint: Endpoint, self: () => object): object {
  const overrides: Overrides = { create: cachedCreate(wrapped, endpoint, target) };
  for (const name of HELPERS) {
    const helper = Reflect.get(target, name);
    if (typeof helper !== 'function' || endpoint === 'embeddings') continue;
    overrides[name] = () => {
      const receiver = Object.create(target, { _client: { value: self() } });
      return (...args: unknown[]) => (helper as (...a: unknown[]) => unknown).apply(receiver, args);
    };
  }
  return proxy(target, overrides);
}

function wrap<T extends object>(client: T, wrapped: Wrapped, options: WithCacheOptions): T {
  let wrappedClient: T | undefined;
  const self = () => wrappedClient as T;
  const resourceOf = (target: object, endpoint: Endpoint) => cachedResource(wrapped, target, endpoint, self);
  const member = (object: object, name: string) => Reflect.get(object, name) as object;
  const overrides: Overrides = {
    chat: () => {
      const chat = member(client, 'chat');
      const completions = () => resourceOf(member(chat, 'completions'), 'chat.completions');
      return proxy(chat, { completions });
    },
    embeddings: () => resourceOf(member(client, 'embeddings'), 'embeddings'),
  };
  const withOptions = Reflect.get(client, 'withOptions');
  if (typeof withOptions === 'function') {
    // `withOptions()` returns a new client (maybe another base URL): wrapped too, with these options.
    overrides.withOptions = () => (opts: unknown) => withCache(withOptions.call(client, opts), options);
  }
  if (Reflect.get(client, 'responses') !== undefined) {
    overrides.responses = () => resourceOf(member(client, 'responses'), 'responses');
  }
  wrappedClient = proxy(client, overrides);
  return wrappedClient;
}

/**
 * Wraps an openai client so that `chat.completions.create`, `embeddings.create` and
 * `responses.create` are cached (streaming included); everything else passes through.
 *
 * - The wrapped client has the client's type (plus overloads accepting the per-call
 *   `{ cache: { noCache, noStore, forceRefresh, ttl, namespace, sampling } }` request option,
 *   which is stripped before the request reaches the client).
 * - `cacheStatus(result)` tells how a result was obtained.
 * - Identical concurrent calls cost one upstream call per process (stream and non-stream callers
 *   alike), and one per cluster when the cache has a distributed lock (Redis).
 * - The client's base URL is part of the key: two providers never share an answer.
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
  const wrapped: Wrapped = { client, path: pathOf(client, options), streamClass: undefined };
  return wrap(client, wrapped, options) as CachedOpenAI<T>;
}
