/**
 * The openai provider codec: what the call path needs to know about `chat.completions`,
 * `responses` and `embeddings` requests and answers (key material, cacheability, stream <->
 * JSON conversion, usage and model). The call path does everything else.
 *
 * @module
 */
import type { ProviderCodec } from '../../index.js';
import {
  answerComplete,
  assembleChunks,
  isCacheableAnswer,
  metaOf,
  replayAnswer,
  restreamChunks,
} from './answers.js';
import { isRecord, type Json } from './convert.js';
import { DEFAULT_OPERATIONS, keyedBody } from './keys.js';
import type { RequestContext } from './types.js';

/** An openai call as the call path sees it: the endpoint and the request body. */
export type OpenAIRequest = RequestContext & { params: Json };

/** Whether a request samples (its answers vary from call to call). */
export function samples(params: Json): boolean {
  const { temperature, n } = params;
  // The API's default temperature is 1: a request that does not set it samples.
  return (typeof temperature === 'number' ? temperature : 1) > 0 || (typeof n === 'number' && n > 1);
}

/** A stored embedding: a non-empty float array or base64 string. */
const isVector = (value: unknown): boolean =>
  (typeof value === 'string' || Array.isArray(value)) && value.length > 0;

/**
 * The openai codec: `finishReasons` are the chat finish reasons whose answers are stored;
 * `isCacheable` replaces the built-in check of complete answers (for embeddings it sees the
 * whole response; each vector is then checked on its own).
 */
export function openaiCodec(
  finishReasons: ReadonlySet<string>,
  isCacheable?: (result: unknown, context: RequestContext) => boolean,
): ProviderCodec<OpenAIRequest, Json, Json> {
  return {
    name: 'openai',
    keyMaterial: ({ endpoint, params }) =>
      // A response made with `store: false` has an id the server cannot resolve as a
      // `previous_response_id`: never served to a caller that stores.
      endpoint === 'responses' && params.store === false
        ? { endpoint, body: keyedBody(params), unstored: true }
        : { endpoint, body: keyedBody(params) },
    operation: ({ endpoint }) => DEFAULT_OPERATIONS[endpoint],
    bypass: ({ endpoint, params }) => {
      // Background and conversation-bound responses depend on server-side state.
      if (endpoint === 'responses' && (params.background === true || params.conversation != null)) {
        return 'server-side state';
      }
      return undefined;
    },
    sampled: ({ endpoint, params }) => endpoint !== 'embeddings' && samples(params),
    storable: (answer, request) => {
      if (request.endpoint === 'embeddings' && !isRecord(answer)) return isVector(answer);
      const context = { endpoint: request.endpoint, params: request.params };
      return isCacheable
        ? isCacheable(answer, context)
        : isCacheableAnswer(request.endpoint, answer, finishReasons);
    },
    assemble: (chunks, { endpoint }) => assembleChunks(endpoint, chunks),
    replay: (answer, { endpoint, params }) => replayAnswer(endpoint, answer, params) as Json[],
    restream: (chunks, { endpoint, params }) => restreamChunks(endpoint, chunks, params) as Json[],
    complete: (chunks, { endpoint }) => answerComplete(endpoint, chunks),
    usage: (answer) =>
      metaOf(
        isRecord(answer) && answer.object === 'response' ? 'responses' : 'chat.completions',
        {},
        answer,
        0,
      ).usage,
    model: (answer, { params }) =>
      typeof params.model === 'string'
        ? params.model
        : isRecord(answer) && typeof answer.model === 'string'
          ? answer.model
          : undefined,
  };
}
