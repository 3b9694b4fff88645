/**
 * Requests of {@link AIResponseCache}: validation (every problem in one `ValidationError`), the
 * key parts of a request, and the TTL of an answer.
 *
 * @module
 */
import { parseTtl } from '../cache/ttl.js';
import { type AICacheConfig, type SizeTier, sizeTierOf } from '../config/schema.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import type { Hasher } from '../keys/hash.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { stableStringify } from '../keys/stable-stringify.js';
import type { Shared } from './setup.js';
import type { PreparedRequest, ResponseRequest, TtlContext, TtlSetting } from './types.js';

/** Options objects that never change (see {@link constantRequestOptions}). */
const constantOptions = new WeakSet<object>();
/** The key part of each constant options object, with the hasher that made it. */
const optionParts = new WeakMap<object, { hasher: Hasher; part: string }>();

/**
 * Freezes `options` (primitive values only, so frozen means unchanging) and marks it constant:
 * requests that share it (an integration gives one to all its calls) have its key part hashed
 * once instead of serialized and hashed on every call.
 */
export function constantRequestOptions<T extends Record<string, string | number | boolean>>(
  options: T,
): Readonly<T> {
  const frozen = Object.freeze(options);
  constantOptions.add(frozen);
  return frozen;
}

/** The problems of an operation name (none: `[]`). */
export function operationIssues(operation: unknown): ValidationIssue[] {
  if (typeof operation !== 'string' || operation.trim() === '') {
    return [{ path: 'operation', message: 'must be a non-empty string' }];
  }
  try {
    KeyBuilder.validatePart(operation, 'operation');
  } catch (error) {
    return (error as ValidationError).issues.map((i) => ({ ...i }));
  }
  return [];
}

/**
 * Validates a request (every problem at once, with `extra` ones from the caller) and returns
 * its key parts under `ai:{operation}`: text part, options hash, optional question hash. The
 * options are serialized once, for both the check and the hash.
 *
 * @throws {ValidationError} listing every problem; `call` names the method in its message.
 */
export function prepareRequest(
  config: AICacheConfig,
  hasher: Hasher,
  request: ResponseRequest,
  call: string,
  extra: readonly ValidationIssue[] = [],
): PreparedRequest {
  const issues = operationIssues(request.operation);
  const { text, question, options } = request;
  if (typeof text !== 'string') {
    issues.push({ path: 'text', message: 'must be a string' });
  } else if (text.length > config.maxTextLength) {
    issues.push({
      path: 'text',
      message: `is ${text.length} characters long; maxTextLength is ${config.maxTextLength}`,
    });
  }
  if (question !== undefined && typeof question !== 'string') {
    issues.push({ path: 'question', message: 'must be a string when given' });
  }
  // A constant options object (an integration's, shared by its calls) is hashed once.
  const constant = options !== undefined && constantOptions.has(options) ? options : undefined;
  const known = constant ? optionParts.get(constant) : undefined;
  const reuse = known !== undefined && known.hasher === hasher;
  let optionsJson = '{}';
  if (!reuse && options !== undefined) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      issues.push({ path: 'options', message: 'must be a plain object when given' });
    } else {
      try {
        optionsJson = stableStringify(options);
      } catch (error) {
        issues.push({ path: 'options', message: `cannot be serialized: ${(error as Error).message}` });
      }
    }
  }
  issues.push(...extra);
  if (issues.length) throw new ValidationError(`Invalid ${call}() call`, issues);
  const textPart =
    config.hashAllText || text.length >= config.textHashThreshold ? `h=${hasher.hash(text)}` : `t=${text}`;
  const optionsPart = reuse ? known.part : `o=${hasher.hash(optionsJson)}`;
  if (constant && !reuse) optionParts.set(constant, { hasher, part: optionsPart });
  const parts = [textPart, optionsPart];
  if (question !== undefined) parts.push(`q=${hasher.hash(question)}`);
  return { request, parts, tier: sizeTierOf(text.length, config.sizeTiers) };
}

/**
 * The TTL in milliseconds of an answer: per-call `ttl` > `ttlResolver` > `operationTtls` >
 * `defaultTtl`.
 *
 * @throws {ValidationError} for an invalid TTL (given or returned by a function).
 */
export function answerTtlMs(
  shared: Shared,
  args: ResponseRequest & { response?: unknown; ttl?: TtlSetting | undefined },
  sizeTier: SizeTier,
): number {
  const context = (): TtlContext => ({
    operation: args.operation,
    textLength: args.text.length,
    sizeTier,
    options: args.options,
    response: args.response,
  });
  if (args.ttl !== undefined) {
    const fn = typeof args.ttl === 'function';
    const ttl = typeof args.ttl === 'function' ? args.ttl(context()) : args.ttl;
    if (ttl !== undefined) return parseTtl(ttl, fn ? 'ttl (returned by the ttl function)' : 'ttl');
  }
  const { ttlFn } = shared;
  if (ttlFn) {
    const ttl = ttlFn(context());
    if (ttl !== undefined) return parseTtl(ttl, 'ttlResolver (returned value)');
  }
  return shared.operationTtlMs.get(args.operation) ?? shared.defaultTtlMs;
}
