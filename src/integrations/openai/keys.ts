/**
 * Cache keys of openai requests: the endpoint plus the canonical request body.
 *
 * The body is serialized with `stableStringify` (keys sorted recursively, `undefined` dropped),
 * after removing the fields that do not change the answer ({@link EXCLUDED_REQUEST_FIELDS}).
 * Everything else is part of the key, including `temperature`, `seed`, `n`, `service_tier`, tools
 * and inline images or files (base64 data is content). Request options (API key, organization,
 * base URL, headers) are not in the body and never enter a key.
 *
 * @module
 */
import { stableStringify } from '../../index.js';
import type { Endpoint } from './types.js';

/**
 * Body fields left out of keys: they do not change the answer. `stream` and `stream_options`
 * are among them: a streamed and a non-streamed call share one entry (converted on read; a
 * stream recorded without `include_usage` replays without the usage chunk). For the Responses
 * API, `store: false` does enter the key (see the codec): its ids cannot be chained with
 * `previous_response_id`, so such an answer is never served to a caller that stores. `n: 1`
 * is keyed as if absent (its documented default).
 */
export const EXCLUDED_REQUEST_FIELDS: readonly string[] = Object.freeze([
  'user',
  'metadata',
  'stream',
  'stream_options',
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
]);

/** Default operation name of each endpoint. */
export const DEFAULT_OPERATIONS: Readonly<Record<Endpoint, string>> = Object.freeze({
  'chat.completions': 'chat',
  embeddings: 'embeddings',
  responses: 'responses',
});

/** The body without the excluded fields. */
export function keyedBody(params: Readonly<Record<string, unknown>>, omit: readonly string[] = []): object {
  if (!needsTrim(params, omit)) return params;
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(params)) {
    if (EXCLUDED_REQUEST_FIELDS.includes(field) || omit.includes(field)) continue;
    // Documented as equivalent: `n: 1` is the default.
    if (field === 'n' && value === 1) continue;
    body[field] = value;
  }
  return body;
}

const EXCLUDED = new Set(EXCLUDED_REQUEST_FIELDS);

/** Whether `params` holds a field that `keyedBody` leaves out (else it is keyed as it is). */
function needsTrim(params: Readonly<Record<string, unknown>>, omit: readonly string[]): boolean {
  if (params.n === 1) return true;
  // A body has few fields: checking each (own, enumerable: what the key serializes) is cheaper
  // than looking every excluded name up in it.
  for (const field in params) {
    if (EXCLUDED.has(field) || (omit.length > 0 && omit.includes(field))) return true;
  }
  return false;
}

/** Canonical text of a request body (the excluded fields removed). */
export function canonicalText(params: Readonly<Record<string, unknown>>, omit?: readonly string[]): string {
  return stableStringify(keyedBody(params, omit));
}
