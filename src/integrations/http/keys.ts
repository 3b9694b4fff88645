/**
 * Cache keys of requests: method, path, a hash of the sorted query, and (when they apply) a
 * hash of the body and of the credentials; the values of the `Vary` headers in a second key.
 * Query values, bodies and credentials never appear in clear.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { CacheKey } from '../../index.js';
import type { RequestDecision } from './policy.js';
import type { HttpRequestInfo, HttpRouteOptions } from './types.js';

/** Parts of a key (a `CacheKey` array). */
export type KeyParts = readonly (string | number | bigint)[];

/** Hex sha256 of `data`, shortened to 32 digits (128 bits). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 32);
}

/** The query in a canonical order (by name, then value), as a string. */
export function sortedQuery(query: URLSearchParams): string {
  const pairs = [...query.entries()].sort(([a, x], [b, y]) =>
    a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0,
  );
  return new URLSearchParams(pairs).toString();
}

/**
 * The key of a request before `Vary`: `['http', method, path, 'q', hash]` (HEAD shares GET's),
 * or the route's `key`; then `'b', hash of the body` for a POST and `'u', hash of the
 * credentials` for a credentialed request.
 */
export function baseKey(
  request: HttpRequestInfo,
  options: HttpRouteOptions,
  decision: RequestDecision,
  body: Uint8Array | undefined,
): KeyParts {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const custom: CacheKey | undefined = options.key?.(request);
  const parts: (string | number | bigint)[] =
    custom === undefined
      ? ['http', method, request.path, 'q', sha256Hex(sortedQuery(request.query))]
      : Array.isArray(custom)
        ? ['http', method, ...(custom as KeyParts)]
        : ['http', method, custom as string | number | bigint];
  if (method === 'POST') parts.push('b', sha256Hex(body ?? new Uint8Array()));
  if (decision.credentialed) {
    const credentials = `${request.header('authorization') ?? ''}\n${request.header('cookie') ?? ''}`;
    parts.push('u', sha256Hex(credentials));
  }
  return parts;
}

/** The key of the variant of `base` selected by the request's values of the `vary` headers. */
export function variedKey(base: KeyParts, vary: readonly string[], request: HttpRequestInfo): KeyParts {
  const values = vary.map((name) => `${name}:${request.header(name) ?? ''}`).join('\n');
  return [...base, 'v', sha256Hex(values)];
}
