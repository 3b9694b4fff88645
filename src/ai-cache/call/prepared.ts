/**
 * A prepared call of a call path: the public {@link PreparedCall} fields, and the path that made
 * it and the cache request it keys as private fields (found by `resolve` with no lookup).
 *
 * @module
 */
import type { PreparedRequest } from '../ai-response-cache.js';
import type { Keyed } from './keying.js';
import type { PerCallCacheOptions, PreparedCall } from './types.js';

/** See the module documentation. */
export class Prepared<Req> implements PreparedCall<Req> {
  readonly request: Req;
  readonly perCall: PerCallCacheOptions;
  readonly bypass: string | undefined;
  readonly key: string | undefined;
  readonly operation: string;
  readonly #owner: object;
  readonly #entry: PreparedRequest | undefined;

  constructor(
    owner: object,
    request: Req,
    keyed: Keyed,
    bypass: string | undefined,
    entry?: PreparedRequest,
  ) {
    this.request = request;
    this.perCall = keyed.options;
    this.bypass = bypass;
    this.key = entry && `${keyed.operation}\u0000${entry.parts.join('\u0000')}`;
    this.operation = keyed.operation;
    this.#owner = owner;
    this.#entry = entry;
  }

  /** The cache request of `prepared` (`undefined` when it bypasses). @throws {TypeError} unless `owner` prepared it. */
  static entryOf<Req>(prepared: PreparedCall<Req>, owner: object): PreparedRequest | undefined {
    if (
      typeof prepared !== 'object' ||
      prepared === null ||
      !(#owner in prepared) ||
      prepared.#owner !== owner
    ) {
      throw new TypeError('resolve(): not a call prepared by this call path');
    }
    return prepared.#entry;
  }
}
