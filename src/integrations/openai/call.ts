/**
 * One intercepted `create` call: the per-call `{ cache }` option is validated and stripped from
 * the request options (it never reaches the client), and the call is routed to the bypass, the
 * per-input embeddings path or the cached path.
 *
 * @module
 */
import { getHasher, tryParseTtl, ttlProblem, ValidationError, type ValidationIssue } from '../../index.js';
import { isRecord, type Json } from './convert.js';
import { embeddingsOutcome, stringInputs } from './embeddings.js';
import { asError, type Call, type Engine, fetchJson, type UpstreamPromise } from './engine.js';
import { run } from './flow.js';
import { cacheRequest, canonicalText, operationOf } from './keys.js';
import { CachedAPIPromise, type Outcome, synthesizedResponse } from './promise.js';
import { markStatus } from './status.js';
import type { Endpoint, PerCallCacheOptions, RequestContext } from './types.js';

/** Calls the original client method. */
export type Invoke = (params: unknown, options: unknown) => UpstreamPromise;

const FLAGS = ['noCache', 'noStore', 'forceRefresh'] as const;

/** Validates the per-call `cache` option. @throws {ValidationError} listing every problem. */
export function parsePerCall(value: unknown): PerCallCacheOptions {
  if (value === undefined) return {};
  const issues: ValidationIssue[] = [];
  if (!isRecord(value))
    throw new ValidationError('Invalid cache option', [{ path: 'cache', message: 'expected an object' }]);
  for (const key of Object.keys(value)) {
    if (![...FLAGS, 'ttl', 'namespace'].includes(key))
      issues.push({ path: `cache.${key}`, message: 'unknown option' });
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
  if (issues.length > 0) throw new ValidationError('Invalid cache option', issues);
  return value as PerCallCacheOptions;
}

/** Splits request options into the cache option and what the client receives. */
function splitOptions(options: unknown): { perCall: PerCallCacheOptions; rest: unknown } {
  if (!isRecord(options) || !('cache' in options)) return { perCall: {}, rest: options };
  const { cache, ...rest } = options;
  return { perCall: parsePerCall(cache), rest };
}

/** Why a request is never cached, if it is not. */
function uncacheable(engine: Engine, context: RequestContext): boolean {
  const { params, endpoint } = context;
  if (params.stream === true && !engine.settings.streams) return true;
  // Background responses and conversation-bound responses depend on server-side state.
  if (endpoint === 'responses' && (params.background === true || params.conversation != null)) return true;
  try {
    return engine.settings.shouldCache ? !engine.settings.shouldCache(context) : false;
  } catch (error) {
    engine.report(error);
    return true;
  }
}

/** The client's own promise, with the result marked `'bypass'`. */
function bypass(pending: UpstreamPromise): PromiseLike<unknown> {
  if (pending._thenUnwrap) return pending._thenUnwrap((data) => markStatus(data, 'bypass'));
  return new CachedAPIPromise(
    Promise.resolve(pending).then(
      (data): Outcome => ({
        data,
        status: 'bypass',
        requestId: null,
        response: () =>
          pending.asResponse?.() ?? Promise.resolve(synthesizedResponse('', 'bypass', 'application/json')),
      }),
    ),
  );
}

async function buildCall(
  engine: Engine,
  context: RequestContext & { params: Json },
  perCall: PerCallCacheOptions,
  rest: unknown,
  invoke: Invoke,
): Promise<Call> {
  const { ai } = engine.settings;
  const operation = operationOf(engine.settings.operation, context);
  const request = await cacheRequest(
    ai,
    context.endpoint,
    operation,
    canonicalText(context.params),
    {},
    perCall.namespace,
  );
  const key = await ai.keyFor(request);
  const hasher = await getHasher(ai.config.hashAlgorithm);
  const signal = isRecord(rest) && rest.signal != null;
  return {
    endpoint: context.endpoint,
    params: context.params,
    context,
    stream: context.params.stream === true,
    perCall,
    shared: !perCall.noCache && !perCall.noStore && !perCall.forceRefresh && !signal,
    request,
    key,
    lockKey: `openai:${hasher.hash(key)}`,
    upstream: (params = context.params) => invoke(params, rest),
  };
}

async function bypassOutcome(pending: UpstreamPromise, stream: boolean): Promise<Outcome> {
  const { data, response } = stream
    ? { data: await pending, response: undefined }
    : await fetchJson(pending, 'bypass');
  const fallback = () =>
    pending.asResponse?.() ?? Promise.resolve(synthesizedResponse('', 'bypass', 'application/json'));
  const requestId = response?.headers.get('x-request-id') ?? null;
  return {
    data,
    status: 'bypass',
    requestId,
    response: response ? () => Promise.resolve(response) : fallback,
  };
}

async function execute(
  engine: Engine,
  context: RequestContext & { params: Json },
  perCall: PerCallCacheOptions,
  rest: unknown,
  invoke: Invoke,
): Promise<Outcome> {
  const texts = context.endpoint === 'embeddings' ? stringInputs(context.params.input) : undefined;
  let call: Call;
  try {
    call = await buildCall(engine, context, perCall, rest, invoke);
  } catch (error) {
    // A request that cannot be keyed (or an operation function that throws) goes uncached.
    engine.report(asError(error));
    return bypassOutcome(invoke(context.params, rest), context.params.stream === true);
  }
  if (!texts) return run(engine, call);
  const operation = call.request.operation;
  return embeddingsOutcome(engine, { ...call, operation, upstream: call.upstream }, texts);
}

/** Handles one call of a cached endpoint. */
export function intercept(
  engine: Engine,
  endpoint: Endpoint,
  invoke: Invoke,
  params: unknown,
  options: unknown,
): PromiseLike<unknown> {
  let split: ReturnType<typeof splitOptions>;
  try {
    split = splitOptions(options);
  } catch (error) {
    return new CachedAPIPromise(Promise.reject(error));
  }
  const { perCall, rest } = split;
  if (!isRecord(params)) return invoke(params, rest);
  const context = { endpoint, params };
  if (uncacheable(engine, context)) return bypass(invoke(params, rest));
  return new CachedAPIPromise(execute(engine, context, perCall, rest, invoke));
}
