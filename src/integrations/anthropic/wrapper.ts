/**
 * `withCache(client, options)`: a Proxy over the Anthropic client whose `messages.create`
 * (JSON and `stream: true`), `messages.stream()` and `messages.parse()` go through one call
 * path; every other member is the client's own (methods bound to their object).
 *
 * @module
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import {
  type CallPath,
  type CallPathOptions,
  createCallPath,
  markStatus,
  ValidationError,
  type ValidationIssue,
} from '../../index.js';
import { type CallContext, type Invoke, intercept } from './call.js';
import { anthropicCodec } from './codec.js';
import { type AnthropicRequest, baseUrlScope } from './keys.js';
import type { CachedAPIPromise } from './promise.js';
import { loadStreamClass } from './stream.js';
import type { AnthropicLike, CachedAnthropic, WithCacheOptions } from './types.js';

type Path = CallPath<AnthropicRequest, Message, RawMessageStreamEvent>;
type Overrides = Record<PropertyKey, () => unknown>;
type Method = (...args: unknown[]) => unknown;

/** Call paths kept per base URL (a client whose base URL changes gets a new one). */
const MAX_PATHS = 8;

/** A Proxy over `target` serving `overrides` and binding the target's own methods to it. */
function proxy<T extends object>(target: T, overrides: Overrides): T {
  const bound = new Map<PropertyKey, { from: unknown; fn: unknown }>();
  const made = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) {
        if (!made.has(property)) made.set(property, overrides[property]?.());
        return made.get(property);
      }
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || property === 'constructor') return value;
      const cached = bound.get(property);
      if (cached?.from === value) return cached.fn;
      const fn = (value as Method).bind(object);
      bound.set(property, { from: value, fn });
      return fn;
    },
  });
}

/**
 * Validates the options and makes the paths' cache (by base URL), holding the path of the
 * client's current base URL. @throws {ValidationError} listing every problem.
 */
function pathCache(
  options: WithCacheOptions,
  initial: string,
): Map<string, Path> & { make(scope: string): Path } {
  const issues: ValidationIssue[] = [];
  const { storedStopReasons, scope, ...pathOptions } = options ?? ({} as WithCacheOptions);
  if (
    storedStopReasons !== undefined &&
    (!Array.isArray(storedStopReasons) || storedStopReasons.some((r) => typeof r !== 'string'))
  ) {
    issues.push({ path: 'storedStopReasons', message: 'expected an array of stop reasons' });
  }
  const codec = anthropicCodec(storedStopReasons ? { storedStopReasons } : {});
  const make = (baseURL: string): Path =>
    createCallPath(codec, {
      ...(pathOptions as CallPathOptions<AnthropicRequest>),
      scope: scope === undefined ? { baseURL } : { baseURL, scope },
    });
  const paths = Object.assign(new Map<string, Path>(), { make });
  try {
    paths.set(initial, make(initial));
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.unshift(...error.issues);
  }
  if (issues.length > 0) throw new ValidationError('Invalid withCache() options', issues);
  return paths;
}

const scopeOf = (client: object): string => baseUrlScope(Reflect.get(client, 'baseURL'));

function wrap<T extends object>(
  client: T,
  paths: ReturnType<typeof pathCache>,
  options: WithCacheOptions,
): T {
  const path = (): Path => {
    const scope = scopeOf(client);
    let found = paths.get(scope);
    if (!found) {
      found = paths.make(scope);
      if (paths.size >= MAX_PATHS) paths.delete(paths.keys().next().value as string);
      paths.set(scope, found);
    }
    return found;
  };
  const defaultHeaders = () =>
    (Reflect.get(client, '_options') as { defaultHeaders?: unknown } | undefined)?.defaultHeaders;
  const messages = Reflect.get(client, 'messages') as object;
  const original = (name: string) => Reflect.get(messages, name) as Method;
  const context: CallContext = {
    path,
    defaultHeaders,
    streamClass: loadStreamClass,
    invoke: ((params: unknown, opts: unknown) =>
      opts === undefined
        ? original('create').call(messages, params)
        : original('create').call(messages, params, opts)) as Invoke,
  };
  void loadStreamClass();
  const create = (params: unknown, opts?: unknown) => intercept(context, params, opts);
  /** `messages` as the SDK's helpers see it: `this.create` is the cached one. */
  const helperThis = (onCreate?: (promise: CachedAPIPromise<unknown>) => void): object =>
    proxy(messages, {
      create: () => (params: unknown, opts?: unknown) => {
        const promise = create(params, opts);
        onCreate?.(promise);
        return promise;
      },
    });
  const overrides: Overrides = {
    messages: () =>
      proxy(messages, {
        create: () => create,
        stream: () => (body: unknown, opts?: unknown) => {
          let runner: { on(event: 'message', listener: (m: unknown) => void): unknown } | undefined;
          const self = helperThis((promise) => {
            promise.status().then(
              (status) => {
                markStatus(runner, status);
                runner?.on('message', (message) => markStatus(message, status));
              },
              () => {},
            );
          });
          runner = original('stream').call(self, body, opts) as typeof runner;
          return runner;
        },
        parse: () => (body: unknown, opts?: unknown) => original('parse').call(helperThis(), body, opts),
      }),
  };
  const withOptions = Reflect.get(client, 'withOptions');
  if (typeof withOptions === 'function') {
    // `withOptions()` returns a new client: wrapped too, with this wrapper's options.
    overrides.withOptions = () => (opts: unknown) =>
      withCache(withOptions.call(client, opts) as AnthropicLike, options);
  }
  return proxy(client, overrides);
}

/**
 * Wraps an `@anthropic-ai/sdk` client so that `messages.create` (JSON and `stream: true`),
 * `messages.stream()` and `messages.parse()` are cached, all three on the same entries;
 * everything else (`countTokens`, `batches`, `models`, `beta`, ...) passes through.
 *
 * - The wrapped client has the client's type (plus overloads accepting the per-call
 *   `{ cache: { noCache, noStore, forceRefresh, ttl, namespace, sampling } }` request option,
 *   which is stripped before the request reaches the client).
 * - `cacheStatus(result)` tells how a message, a stream or a `MessageStream` was obtained.
 * - The key is the request without `stream` and `metadata.user_id`, the call's
 *   `anthropic-beta` features and the client's base URL (origin and path).
 * - Streams are replayed as the API's event sequence, so that `MessageStream` (and
 *   `finalMessage()`) accumulates exactly the stored message.
 * - Errors, truncated (`max_tokens`), paused and refused answers are never stored; upstream
 *   errors propagate unchanged; cache failures never fail a call.
 *
 * @throws {ValidationError} for invalid options (every problem listed).
 * @example
 * const ai = new AIResponseCache({ redisUrl: process.env.REDIS_URL });
 * const anthropic = withCache(new Anthropic(), { cache: ai });
 * const message = await anthropic.messages.create({ model, max_tokens: 1024, messages });
 * cacheStatus(message); // 'miss', then 'hit'
 */
export function withCache<T extends AnthropicLike>(client: T, options: WithCacheOptions): CachedAnthropic<T> {
  const messages =
    typeof client === 'object' && client !== null ? Reflect.get(client, 'messages') : undefined;
  if (typeof (messages as { create?: unknown } | undefined)?.create !== 'function') {
    throw new ValidationError('Invalid withCache() client', [
      { path: 'client', message: 'expected an @anthropic-ai/sdk client' },
    ]);
  }
  return wrap(client, pathCache(options, scopeOf(client)), options) as CachedAnthropic<T>;
}
