/**
 * Cached agent tools: `cachedTool(tool, options)` for AI SDK tools and `cacheTool(fn, options)`
 * for any async function an agent calls. Identical arguments are answered from the cache,
 * concurrent identical calls share one run (across processes with a Redis-backed cache), and a
 * run that throws is never stored.
 *
 * Neither needs the `ai` package: a tool is only an object with an `execute` function.
 *
 * @module
 */

import {
  type AIResponseCache,
  type CallPath,
  createCallPath,
  type LockSettings,
  type ProviderCodec,
  type TtlSetting,
  ValidationError,
  type ValidationIssue,
} from '../../index.js';
import { isObject, type Json, toJson } from './json.js';

/** Options of {@link cacheTool}. */
export interface CacheToolOptions<Args extends unknown[]> {
  /** Where results are stored. */
  cache: AIResponseCache;
  /** The tool's name: part of the key (two tools never share results). @default the function's `name` */
  name?: string;
  /** TTL of stored results. @default the cache's TTL for the operation */
  ttl?: TtlSetting;
  /**
   * The key material of a call (hashed with the tool name; never stored in clear), e.g. to
   * leave out an argument that does not change the result. @default all the arguments
   */
  key?: (...args: Args) => unknown;
  /** Operation name (no `:`; selects `operationTtls` and the stats slice). @default 'tool' */
  operation?: string;
  /** Cross-process lock settings, or `false` to never use the cache's lock. @default the call path's */
  lock?: LockSettings | false;
  /** Receives absorbed failures of the cache path (they are also `error` events of the cache). */
  onError?: (error: Error) => void;
}

/** Options of {@link cachedTool}. */
export interface CachedToolOptions<Input> extends Omit<CacheToolOptions<[Input]>, 'key'> {
  /** The tool's name (its key in `tools`): part of the key. @default the tool's `description` */
  name?: string;
  /** The key material of a call's input. @default the whole input */
  key?: (input: Input) => unknown;
}

/** What an AI SDK tool needs to be cached: an `execute(input, options)` function (optional). */
export interface ExecutableTool {
  description?: string | undefined;
  execute?: unknown;
}

/** The input type of a tool's `execute`. */
export type ToolInput<T> =
  NonNullable<T extends { execute?: infer E } ? E : never> extends (
    input: infer I,
    ...rest: never[]
  ) => unknown
    ? I
    : unknown;

/** The second argument of a tool's `execute` (`ToolExecutionOptions`); its `abortSignal` is honoured. */
export interface ToolExecuteOptionsLike {
  abortSignal?: AbortSignal | undefined;
}

interface ToolCall {
  readonly name: string;
  readonly key: unknown;
}

const toolCodec: ProviderCodec<ToolCall, Json> = {
  name: 'tool',
  keyMaterial: ({ name, key }) => toJson({ tool: name, args: key }) ?? null,
  operation: () => 'tool',
  storable: (result) => result !== undefined,
};

function toolPath(options: CacheToolOptions<never>, what: string): CallPath<ToolCall, Json, never> {
  const issues: ValidationIssue[] = [];
  if (!isObject(options))
    throw new ValidationError(`Invalid ${what} options`, [{ path: '', message: 'expected an object' }]);
  if (typeof (options.cache as { lookupResponse?: unknown } | undefined)?.lookupResponse !== 'function') {
    issues.push({ path: 'cache', message: 'expected an AIResponseCache' });
  }
  const { operation, key, onError } = options;
  if (operation !== undefined && (typeof operation !== 'string' || !operation || operation.includes(':'))) {
    issues.push({ path: 'operation', message: 'expected a non-empty string without ":"' });
  }
  for (const [name, fn] of Object.entries({ key, onError })) {
    if (fn !== undefined && typeof fn !== 'function')
      issues.push({ path: name, message: 'expected a function' });
  }
  if (typeof options.name !== 'string' || !options.name) {
    issues.push({ path: 'name', message: `expected a non-empty string (${what} has no name of its own)` });
  }
  if (issues.length > 0) throw new ValidationError(`Invalid ${what} options`, issues);
  return createCallPath(toolCodec, {
    cache: options.cache,
    operation: operation ?? 'tool',
    ...(options.ttl !== undefined && { ttl: options.ttl }),
    ...(options.lock !== undefined && { lock: options.lock }),
    ...(onError && { onError }),
  });
}

/** Runs one call through `path`: the result from the cache, a concurrent identical run, or `run`. */
async function runCached<R>(
  path: CallPath<ToolCall, Json, never>,
  call: ToolCall,
  run: () => Promise<R>,
  signal: AbortSignal | undefined,
): Promise<R> {
  const prepared = await path.prepare(call);
  const result = await path.resolve(
    prepared,
    {
      json: async () => {
        const own = await run();
        return { value: toJson(own) as Json, extra: { own } };
      },
    },
    signal ? { signal } : {},
  );
  const extra = result.extra as { own: R } | undefined;
  return extra ? extra.own : (result.answer as R);
}

/**
 * `fn` with its results cached: a call with the same arguments as an earlier one (compared by
 * a stable hash of their JSON form, with the tool name) is answered from the cache without
 * running `fn`; concurrent identical calls share one run; a run that throws (or returns
 * `undefined`) is not stored. Results are stored as JSON (a `Date` comes back as its ISO string).
 *
 * `cacheTool` lives in this subpath, beside `cachedTool`, because that is where agent code
 * imports from; it needs no `ai` package.
 *
 * @throws {ValidationError} listing every invalid option (a name is required for an anonymous `fn`).
 */
export function cacheTool<Args extends unknown[], R>(
  fn: (...args: Args) => Promise<R>,
  options: CacheToolOptions<Args>,
): (...args: Args) => Promise<R> {
  if (typeof fn !== 'function') {
    throw new ValidationError('Invalid cacheTool() arguments', [
      { path: 'fn', message: 'expected a function' },
    ]);
  }
  const name = options?.name ?? (fn.name || undefined);
  const path = toolPath(
    { ...options, ...(name !== undefined && { name }) } as CacheToolOptions<never>,
    'cacheTool()',
  );
  const toKey = options.key;
  return async (...args: Args) =>
    runCached(
      path,
      { name: name as string, key: toKey ? toKey(...args) : args },
      () => fn(...args),
      undefined,
    );
}

/**
 * An AI SDK tool (`tool({ description, inputSchema, execute })`) whose `execute` is cached:
 * identical inputs are answered from the cache without running the tool, concurrent identical
 * calls share one run, errors are never stored. The tool's other members are kept. A tool
 * without `execute`, or whose `execute` streams (an async generator), is returned unchanged.
 *
 * @throws {ValidationError} listing every invalid option.
 */
export function cachedTool<T extends ExecutableTool>(tool: T, options: CachedToolOptions<ToolInput<T>>): T {
  if (!isObject(tool)) {
    throw new ValidationError('Invalid cachedTool() arguments', [
      { path: 'tool', message: 'expected a tool object' },
    ]);
  }
  const execute = tool.execute as ((input: unknown, options: ToolExecuteOptionsLike) => unknown) | undefined;
  const name = options?.name ?? tool.description;
  const path = toolPath(
    { ...options, ...(name !== undefined && { name }) } as CacheToolOptions<never>,
    'cachedTool()',
  );
  if (typeof execute !== 'function' || execute.constructor?.name === 'AsyncGeneratorFunction') return tool;
  const toKey = options.key as ((input: unknown) => unknown) | undefined;
  return {
    ...tool,
    execute: (input: unknown, callOptions: ToolExecuteOptionsLike) =>
      runCached(
        path,
        { name: name as string, key: toKey ? toKey(input) : input },
        async () => execute.call(tool, input, callOptions),
        callOptions?.abortSignal,
      ),
  };
}
