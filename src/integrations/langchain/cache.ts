/**
 * `LangChainCache`: a LangChain `BaseCache` over an {@link AIResponseCache}.
 *
 * LangChain hands a cache two strings: the prompt (`getBufferString` of the messages: roles and
 * text, with every image, audio, video and file block reduced to a marker such as `[image]`) and
 * the llm string (the model's identifying parameters and the call options, bound `tools` and
 * `tool_choice` included). Both are hashed (sha256) into the key, with `keyExtra`; neither
 * appears in a key, an event or a log line. A prompt holding such a marker is not cached by
 * default (two different images would share one answer), unless the call carries a content key
 * ({@link contentKey}) or `unkeyedContent: 'cache'` is set.
 *
 * Why lookup / update on `lookupResponse` / `cacheResponse` and not the call path:
 * LangChain calls `lookup`, then (on a miss) the model itself, then `update`; the cache never
 * holds the producer, and is not told when the model call fails. A lookup that waited for
 * another caller's `update` (single-flight, the cross-process lock) would then wait its whole
 * timeout after every failed model call. So concurrent identical misses each call the model.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { BaseCache } from '@langchain/core/caches';
import type { BaseMessage } from '@langchain/core/messages';
import type { Generation } from '@langchain/core/outputs';
import {
  type AIResponseCache,
  type ResponseMeta,
  type ResponseRequest,
  stableStringify,
  type TtlSetting,
  ttlProblem,
  ValidationError,
  type ValidationIssue,
} from '../../index.js';
import { isStoredGenerations, reviveGenerations, storeGenerations } from './generations.js';
import { namespaceIssues, operationIssues } from './options.js';

/**
 * The markers LangChain's prompt string has instead of non-text content blocks (`[image]` for
 * every image, whatever its data). A prompt containing one is not keyed by its content.
 */
export const UNKEYED_CONTENT_MARKERS: readonly string[] = Object.freeze([
  '[image]',
  '[audio]',
  '[video]',
  '[file]',
  '[text-plain file]',
  '[document]',
  '[input_image]',
  '[input_file]',
  '[media]',
]);

/** The call option {@link contentKey} sets; LangChain puts call options into the llm string. */
export const CONTENT_KEY_OPTION = 'aiCacheContentKey';

/** Options of {@link LangChainCache}. */
export interface LangChainCacheOptions {
  /** Operation name of the entries (selects `operationTtls` and the stats slice; no `:`). @default 'langchain' */
  operation?: string;
  /** Isolates entries (e.g. per tenant): a namespace view of the cache (`ai.namespace(name)`). @default none (the cache itself) */
  namespace?: string;
  /** TTL of stored generations (overrides the cache's operation TTLs). @default the cache's */
  ttl?: TtlSetting;
  /**
   * Extra key material from the prompt and the llm string (a prompt version, a tenant): hashed
   * with them. Must be JSON data; throwing skips the cache for that call. @default none
   */
  keyExtra?: (prompt: string, llmString: string) => unknown;
  /**
   * A prompt with a non-text block marker ({@link UNKEYED_CONTENT_MARKERS}) and no content key:
   * `'bypass'` leaves it uncached (no false hit between two images), `'cache'` caches it by its
   * text anyway.
   * @default 'bypass'
   */
  unkeyedContent?: 'bypass' | 'cache';
  /** Receives absorbed failures (a lookup or an update that failed is a miss / a skipped write). @default none */
  onError?: (error: Error) => void;
}

/**
 * The call option of {@link contentKey}. (`tags?: never` only types it as call options of any
 * model: `model.invoke(messages, contentKey(messages))` compiles; it is never set.)
 */
export interface ContentKeyOption {
  /** The sha256 of the messages' whole content. */
  [CONTENT_KEY_OPTION]: string;
  tags?: never;
}

/**
 * A content key of `messages` for the call options: `model.invoke(messages, contentKey(messages))`.
 * LangChain puts every call option into the llm string, so the sha256 of the messages' whole
 * content (images, files and tool call ids included) becomes part of the cache key.
 */
export function contentKey(messages: readonly BaseMessage[]): ContentKeyOption {
  const material = messages.map((m) => ({ type: m.type, content: m.content, dict: m.toDict() }));
  return { [CONTENT_KEY_OPTION]: sha256(stableStringify(material)) };
}

/** Lowercase hex sha256 of a string. */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Whether LangChain's prompt string stands for content that is not in it. */
function hasUnkeyedContent(prompt: string, llmString: string): boolean {
  if (llmString.includes(`${CONTENT_KEY_OPTION}:`)) return false;
  return UNKEYED_CONTENT_MARKERS.some((marker) => prompt.includes(marker));
}

/**
 * Top-level llm string entries that do not change the answer: the call's abort signal (LangChain
 * copies it into the call options, and every `AbortSignal` serializes as `{}`) and the API key
 * (`ChatOpenAI`'s identifying params spread its client configuration, credentials included).
 * Nested JSON keys are quoted, so an unquoted `apiKey:` / `signal:` is always a top-level entry.
 */
const IGNORED_ENTRIES = /(^|,)(?:signal:\{\}|apiKey:(?:"(?:[^"\\]|\\.)*"|undefined))(?=,|$)/g;

/** The llm string without the entries that do not change the answer (abort signal, API key). */
export function normalizeLlmString(llmString: string): string {
  return llmString.replace(IGNORED_ENTRIES, '').replace(/^,/, '');
}

/**
 * Key of `response_metadata` on a message answered from the cache: `{ status: 'hit',
 * usage_metadata }`, the model's own usage (LangChain sets `usage_metadata` itself to zero tokens
 * on every cache hit, since the hit cost none).
 */
export const CACHE_METADATA_KEY = 'ai-response-cache';

/** Marks the messages of revived generations as cache hits, with the model's recorded usage. */
function markHits(generations: Generation[]): Generation[] {
  for (const generation of generations) {
    const message = (generation as { message?: BaseMessage }).message;
    if (!message || typeof message !== 'object') continue;
    const usage = (message as { usage_metadata?: unknown }).usage_metadata;
    message.response_metadata = {
      ...message.response_metadata,
      [CACHE_METADATA_KEY]: { status: 'hit', ...(usage ? { usage_metadata: { ...(usage as object) } } : {}) },
    };
  }
  return generations;
}

/** The meta (model, usage) of stored generations, for savings. */
function metaOf(generations: readonly Generation[]): ResponseMeta | undefined {
  const message = (generations[0] as { message?: Record<string, unknown> } | undefined)?.message;
  if (message === undefined) return undefined;
  const meta: ResponseMeta = {};
  const usage = message.usage_metadata as
    | { input_tokens?: number; output_tokens?: number; total_tokens?: number }
    | undefined;
  if (usage) {
    meta.usage = {};
    if (typeof usage.input_tokens === 'number') meta.usage.promptTokens = usage.input_tokens;
    if (typeof usage.output_tokens === 'number') meta.usage.completionTokens = usage.output_tokens;
    if (typeof usage.total_tokens === 'number') meta.usage.totalTokens = usage.total_tokens;
  }
  const metadata = message.response_metadata as Record<string, unknown> | undefined;
  const model = metadata?.model_name ?? metadata?.model;
  if (typeof model === 'string') meta.model = model;
  return meta.usage || meta.model ? meta : undefined;
}

/**
 * A LangChain cache (`new ChatOpenAI({ cache: new LangChainCache(ai) })`) over an
 * {@link AIResponseCache}: tiered (L1 over Redis or disk), compressed, shared across processes.
 * Keeps the whole generation and revives the message with its class (`AIMessage` or
 * `AIMessageChunk`), so a hit behaves like the model's answer. Never throws: a failed lookup is a
 * miss, a failed update is a skipped write (both go to `onError`).
 */
export class LangChainCache extends BaseCache<Generation[]> {
  readonly #ai: AIResponseCache;
  readonly #operation: string;
  readonly #ttl: TtlSetting | undefined;
  readonly #keyExtra: LangChainCacheOptions['keyExtra'];
  readonly #unkeyed: 'bypass' | 'cache';
  readonly #onError: ((error: Error) => void) | undefined;

  /**
   * @param ai - where generations are stored
   * @throws {ValidationError} listing every invalid option.
   */
  constructor(ai: AIResponseCache, options: LangChainCacheOptions = {}) {
    super();
    const issues: ValidationIssue[] = [
      ...operationIssues(options.operation),
      ...namespaceIssues(options.namespace),
    ];
    if (options.ttl !== undefined && typeof options.ttl !== 'function') {
      const problem = ttlProblem(options.ttl);
      if (problem) issues.push({ path: 'ttl', message: problem });
    }
    if (options.keyExtra !== undefined && typeof options.keyExtra !== 'function') {
      issues.push({ path: 'keyExtra', message: 'must be a function' });
    }
    if (options.unkeyedContent !== undefined && !['bypass', 'cache'].includes(options.unkeyedContent)) {
      issues.push({ path: 'unkeyedContent', message: "must be 'bypass' or 'cache'" });
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      issues.push({ path: 'onError', message: 'must be a function' });
    }
    if (issues.length > 0) throw new ValidationError('Invalid LangChainCache options', issues);
    this.#ai = options.namespace === undefined ? ai : ai.namespace(options.namespace);
    this.#operation = options.operation ?? 'langchain';
    this.#ttl = options.ttl;
    this.#keyExtra = options.keyExtra;
    this.#unkeyed = options.unkeyedContent ?? 'bypass';
    this.#onError = options.onError;
  }

  /** The stored generations of `prompt` under `llmString` (new objects on every hit), or `null`. */
  override async lookup(prompt: string, llmString: string): Promise<Generation[] | null> {
    try {
      const request = this.#request(prompt, llmString);
      if (request === undefined) return null;
      const hit = await this.#ai.lookupResponse<unknown>(request);
      if (hit === undefined || !isStoredGenerations(hit.response)) return null;
      return markHits(reviveGenerations(hit.response));
    } catch (error) {
      this.#report(error);
      return null;
    }
  }

  /** Stores `generations` (the whole generations) for `prompt` under `llmString`. */
  override async update(prompt: string, llmString: string, generations: Generation[]): Promise<void> {
    try {
      const request = this.#request(prompt, llmString);
      if (request === undefined || generations.length === 0) return;
      const meta = metaOf(generations);
      await this.#ai.cacheResponse({
        ...request,
        response: storeGenerations(generations),
        ...(meta ? { meta } : {}),
        ...(this.#ttl !== undefined ? { ttl: this.#ttl } : {}),
      });
    } catch (error) {
      this.#report(error);
    }
  }

  /** The `AIResponseCache` request of one lookup / update, or `undefined` when it is not cached. */
  #request(prompt: string, llmString: string): ResponseRequest | undefined {
    if (this.#unkeyed === 'bypass' && hasUnkeyedContent(prompt, llmString)) return undefined;
    const extra = this.#keyExtra?.(prompt, llmString);
    const llm = normalizeLlmString(llmString);
    const material = stableStringify({ prompt, llm, ...(extra === undefined ? {} : { extra }) });
    // Prompts and llm strings never enter key names: only their sha256 does.
    return { text: `sha256:${sha256(material)}`, operation: this.#operation };
  }

  #report(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#onError?.(err);
    } catch {
      // A throwing onError is not the application's failure either.
    }
  }
}
