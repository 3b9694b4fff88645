/**
 * Keying a request without the cache: the per-call options validated, the bypass rules
 * (codec, `shouldCache`, sampling policy) applied, and the key text (sha256 of provider, scope
 * and the codec's key material; a sampled request's bucket slot appended).
 *
 * @module
 */
import { getHasherSync, type Hasher } from '../../keys/hash.js';
import { stableStringify } from '../../keys/stable-stringify.js';
import type { ResponseRequest } from '../ai-response-cache.js';
import { constantRequestOptions } from '../requests.js';
import { parsePerCall, type Settings } from './settings.js';
import type { PerCallCacheOptions, ProviderCodec } from './types.js';

/** The most request keys whose sampling rotation is remembered (oldest forgotten first). */
const MAX_ROTATIONS = 10_000;

/** A request keyed as far as it can be without the cache. */
export interface Keyed {
  /** Why the call bypasses the cache (then no `entry`). */
  bypass?: string;
  options: PerCallCacheOptions;
  operation: string;
  /** The `AIResponseCache` request of the call. */
  entry?: ResponseRequest;
}

/** The sha256 hasher (node:crypto: always available, no loading). */
const SHA256 = getHasherSync('sha256') as Hasher;

/** The keying of one call path. */
export class Keying<Req> {
  readonly #codec: ProviderCodec<Req, unknown, unknown>;
  readonly #settings: Settings<Req>;
  /** Provider and scope, the start of every key text. */
  readonly #head: string;
  readonly #report: (error: unknown) => void;
  readonly #rotations = new Map<string, number>();
  /** The entry options of a call without a namespace (one frozen object for every call). */
  readonly #options: Readonly<{ provider: string }>;

  constructor(
    codec: ProviderCodec<Req, unknown, unknown>,
    settings: Settings<Req>,
    scope: string,
    report: (error: unknown) => void,
  ) {
    this.#codec = codec;
    this.#settings = settings;
    this.#head = `${codec.name}\u0000${scope}\u0000`;
    this.#report = report;
    this.#options = constantRequestOptions({ provider: codec.name });
  }

  /**
   * The part of keying that needs nothing loaded: validation, the bypass rules, the key text.
   * @throws {ValidationError} for invalid per-call options.
   */
  keyOf(request: Req, perCall: PerCallCacheOptions | undefined): Keyed {
    const options = parsePerCall(perCall);
    const settings = this.#settings;
    let operation = this.#codec.name;
    let text: string;
    try {
      const chosen =
        typeof settings.operation === 'function' ? settings.operation(request) : settings.operation;
      operation = chosen ?? this.#codec.operation?.(request) ?? this.#codec.name;
      const reason = this.#codec.bypass?.(request);
      if (reason !== undefined) return { bypass: reason, options, operation };
      if (settings.shouldCache && !settings.shouldCache(request)) {
        return { bypass: 'shouldCache', options, operation };
      }
      const sampling = options.sampling ?? settings.sampling;
      const sampled = sampling !== 'first' && this.#codec.sampled?.(request) === true;
      if (sampled && sampling === 'bypass') return { bypass: 'sampled', options, operation };
      const material = this.#codec.keyMaterial(request);
      if (material === undefined) return { bypass: 'unkeyable', options, operation };
      text = `sha256:${SHA256.hash(this.#head + stableStringify(material))}`;
      if (sampled && typeof sampling === 'object') text += `#${this.#slot(text, sampling.bucket)}`;
    } catch (error) {
      // A request that cannot be keyed (or a callback that throws) goes upstream uncached.
      this.#report(error);
      return { bypass: 'unkeyable', options, operation };
    }
    return {
      options,
      operation,
      entry: {
        text,
        operation,
        // The provider is visible to ttlResolver and instrumentation (the options are hashed into the key).
        options:
          options.namespace === undefined
            ? this.#options
            : { provider: this.#codec.name, namespace: options.namespace },
      },
    };
  }

  /** The next slot of a sampled request's bucket (in turn, per request). */
  #slot(text: string, bucket: number): number {
    const next = this.#rotations.get(text) ?? 0;
    this.#rotations.delete(text);
    this.#rotations.set(text, next + 1);
    if (this.#rotations.size > MAX_ROTATIONS) {
      const oldest = this.#rotations.keys().next().value;
      if (oldest !== undefined) this.#rotations.delete(oldest);
    }
    return next % bucket;
  }
}
