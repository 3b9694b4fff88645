/**
 * How the wrapper keys a request, for diagnostics (the CLI's `explain`): the key the call path
 * computes for it, with the same codec and scope as `withCache`.
 *
 * @module
 */
import { type AIResponseCache, createCallPath } from '../../index.js';
import { DEFAULT_CACHE_FINISH_REASONS } from './answers.js';
import { openaiCodec } from './codec.js';
import type { Json } from './convert.js';
import type { Endpoint } from './types.js';
import { baseUrlScope } from './wrapper.js';

/** The openai client's default base URL. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The key `withCache(client with baseURL)` stores `params` under, or why it is not cached. */
export async function requestKey(
  ai: AIResponseCache,
  endpoint: Endpoint,
  params: Json,
  options: { baseURL?: string; namespace?: string; operation?: string } = {},
): Promise<{ key: string | undefined; bypass: string | undefined; scope: string | undefined }> {
  const scope = baseUrlScope(options.baseURL ?? DEFAULT_BASE_URL);
  const path = createCallPath(openaiCodec(new Set(DEFAULT_CACHE_FINISH_REASONS)), {
    cache: ai,
    ...(scope === undefined ? {} : { scope }),
    ...(options.operation === undefined ? {} : { operation: options.operation }),
  });
  const prepared = await path.prepare(
    { endpoint, params },
    options.namespace === undefined ? undefined : { namespace: options.namespace },
  );
  return { key: await path.keyFor(prepared), bypass: prepared.bypass, scope };
}
