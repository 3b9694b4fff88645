/**
 * What may be read and stored: `Cache-Control` of requests and responses, credentials,
 * statuses, `Set-Cookie` and `Vary`.
 *
 * @module
 */
import type { HttpRequestInfo, HttpRouteOptions } from './types.js';

/** Headers as a list of `[lower-case name, value]` pairs (a repeated header appears several times). */
export type HeaderList = readonly (readonly [string, string])[];

/** Directives of a `Cache-Control` header: name (lower-case) to its argument, or `true`. */
export function parseCacheControl(value: string | undefined): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (!value) return directives;
  for (const part of value.split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    const arg = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    directives.set(name, rest.length > 0 ? arg : true);
  }
  return directives;
}

/** Seconds of a `max-age`-like directive, or `undefined` when absent or not a number. */
function seconds(directive: string | true | undefined): number | undefined {
  if (typeof directive !== 'string' || !/^\d+$/.test(directive)) return undefined;
  return Number(directive);
}

/** How a request is treated. */
export interface RequestDecision {
  /** `false`: the handler answers and nothing is read or stored. */
  readonly cacheable: boolean;
  /** `false`: the cache is not read (the handler runs), but its answer is stored. */
  readonly read: boolean;
  /** Whether the request carries `Authorization` or `Cookie`. */
  readonly credentialed: boolean;
}

/** Methods cached without opt-in. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The decision for a request under `options` (before its body is looked at). */
export function requestDecision(request: HttpRequestInfo, options: HttpRouteOptions): RequestDecision {
  const credentialed =
    request.header('authorization') !== undefined || request.header('cookie') !== undefined;
  const methodOk = SAFE_METHODS.has(request.method) || (request.method === 'POST' && options.post === true);
  if (!methodOk || (credentialed && options.private !== true)) {
    return { cacheable: false, read: false, credentialed };
  }
  if (options.honorRequestCacheControl === false) return { cacheable: true, read: true, credentialed };
  const header = request.header('cache-control');
  const cc = parseCacheControl(header);
  if (cc.has('no-store')) return { cacheable: false, read: false, credentialed };
  // `Pragma: no-cache` counts only without a Cache-Control header (RFC 9111 5.4).
  const noCache =
    cc.has('no-cache') ||
    seconds(cc.get('max-age')) === 0 ||
    (header === undefined && /no-cache/i.test(request.header('pragma') ?? ''));
  return { cacheable: true, read: !noCache, credentialed };
}

/** How a response is treated. */
export interface ResponseDecision {
  /** Whether it may be stored. */
  readonly store: boolean;
  /** Its TTL from `s-maxage` / `max-age` (ms), or `undefined` for the route's. */
  readonly ttlMs: number | undefined;
  /** Lower-case, sorted names of its `Vary` headers. */
  readonly vary: readonly string[];
}

/** Lower-case, sorted, de-duplicated names listed by the `Vary` headers (`['*']` for `*`). */
export function varyOf(headers: HeaderList): string[] {
  const names = new Set<string>();
  for (const [name, value] of headers) {
    if (name !== 'vary') continue;
    for (const part of value.split(',')) {
      const n = part.trim().toLowerCase();
      if (n) names.add(n);
    }
  }
  return [...names].sort();
}

/** The value of header `name` (joined with `, ` when repeated), or `undefined`. */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const values = headers.filter(([n]) => n === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(', ');
}

/** The decision for a response with `status` and `headers` to a request decided as `request`. */
export function responseDecision(
  status: number,
  headers: HeaderList,
  options: HttpRouteOptions,
  request: RequestDecision,
): ResponseDecision {
  const vary = varyOf(headers);
  const no = { store: false, ttlMs: undefined, vary } as const;
  if (!(options.statuses ?? [200]).includes(status)) return no;
  if (headers.some(([n]) => n === 'set-cookie')) return no;
  if (vary.includes('*')) return no;
  const cc = parseCacheControl(headerValue(headers, 'cache-control'));
  if (cc.has('no-store') || cc.has('no-cache')) return no;
  if (cc.has('private') && !(options.private === true && request.credentialed)) return no;
  const maxAge = seconds(cc.get('s-maxage')) ?? seconds(cc.get('max-age'));
  if (maxAge === 0) return no;
  return { store: true, ttlMs: maxAge === undefined ? undefined : maxAge * 1000, vary };
}
