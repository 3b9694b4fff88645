/**
 * LangChain generations as JSON entries, and back.
 *
 * LangChain's own helpers do not round-trip a chat generation: `serializeGeneration` drops
 * `generationInfo`, `message.toDict()` reads the constructor arguments (so a `usage_metadata` or
 * an `id` assigned after construction, as chat models and `BaseChatModel.generate` do, is lost),
 * and `mapStoredMessageToChatMessage` revives an `AIMessageChunk` as a plain `AIMessage`. So an
 * AI message is stored field by field (`content` blocks, `tool_calls`, `invalid_tool_calls`,
 * `tool_call_chunks`, `usage_metadata`, `response_metadata`, `additional_kwargs`, `id`, `name`)
 * with its class, and revived with the same class; other message types go through `toDict()` and
 * `mapStoredMessageToChatMessage`. Every revival builds new objects from a copy of the entry:
 * LangChain edits what a cache returns (it zeroes `usage_metadata` on a hit).
 *
 * @module
 */
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  isAIMessage,
  mapStoredMessageToChatMessage,
  type StoredMessage,
} from '@langchain/core/messages';
import { ChatGenerationChunk, type Generation, GenerationChunk } from '@langchain/core/outputs';

/** The fields of an AI message kept in an entry (all of them but LangChain's bookkeeping). */
const AI_FIELDS = [
  'content',
  'id',
  'name',
  'tool_calls',
  'invalid_tool_calls',
  'tool_call_chunks',
  'usage_metadata',
  'response_metadata',
  'additional_kwargs',
] as const;

/** One stored message: an AI message (`ai` / `ai-chunk`) field by field, or LangChain's `StoredMessage`. */
export type StoredLangChainMessage =
  | { kind: 'ai' | 'ai-chunk'; data: Record<string, unknown> }
  | { kind: 'stored'; data: StoredMessage };

/** One stored generation. `chunk` marks a `GenerationChunk` / `ChatGenerationChunk`. */
export interface StoredLangChainGeneration {
  text: string;
  generationInfo?: Record<string, unknown>;
  message?: StoredLangChainMessage;
  chunk?: true;
}

/** The entry of one `update(prompt, llmString, generations)` (versioned). */
export interface StoredGenerations {
  v: 1;
  generations: StoredLangChainGeneration[];
}

/** Whether `value` is an entry written by this module. */
export function isStoredGenerations(value: unknown): value is StoredGenerations {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StoredGenerations).v === 1 &&
    Array.isArray((value as StoredGenerations).generations)
  );
}

/** A JSON copy (drops `undefined`, functions and class identity; throws on cycles or BigInt). */
const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function storeMessage(message: BaseMessage): StoredLangChainMessage {
  if (isAIMessage(message) || AIMessageChunk.isInstance(message)) {
    const source = message as unknown as Record<string, unknown>;
    const data: Record<string, unknown> = {};
    for (const field of AI_FIELDS) {
      if (source[field] !== undefined) data[field] = source[field];
    }
    return { kind: AIMessageChunk.isInstance(message) ? 'ai-chunk' : 'ai', data: jsonCopy(data) };
  }
  return { kind: 'stored', data: jsonCopy(message.toDict()) };
}

function reviveMessage(stored: StoredLangChainMessage): BaseMessage {
  if (stored.kind === 'stored') return mapStoredMessageToChatMessage(stored.data);
  // AIMessage's constructor types want content; the entry always has it (possibly '').
  const fields = { content: '', ...stored.data } as ConstructorParameters<typeof AIMessage>[0] & object;
  return stored.kind === 'ai-chunk'
    ? new AIMessageChunk(fields as ConstructorParameters<typeof AIMessageChunk>[0])
    : new AIMessage(fields);
}

/**
 * The JSON entry of `generations` (the whole generation: text, `generationInfo`, the message and
 * whether it was a chunk).
 * @throws {TypeError} when a generation holds data JSON cannot represent (a cycle, a BigInt).
 */
export function storeGenerations(generations: readonly Generation[]): StoredGenerations {
  return {
    v: 1,
    generations: generations.map((generation) => {
      const stored: StoredLangChainGeneration = { text: generation.text };
      if (generation.generationInfo !== undefined)
        stored.generationInfo = jsonCopy(generation.generationInfo);
      const message = (generation as { message?: unknown }).message;
      if (message !== undefined) stored.message = storeMessage(message as BaseMessage);
      if (generation instanceof GenerationChunk) stored.chunk = true;
      return stored;
    }),
  };
}

/** New generations (new messages, new objects) from an entry: a hit behaves like the model's answer. */
export function reviveGenerations(entry: StoredGenerations): Generation[] {
  const copy = jsonCopy(entry);
  return copy.generations.map((stored) => {
    const base = stored.generationInfo === undefined ? {} : { generationInfo: stored.generationInfo };
    if (stored.message === undefined) {
      return stored.chunk
        ? new GenerationChunk({ text: stored.text, ...base })
        : { text: stored.text, ...base };
    }
    const message = reviveMessage(stored.message);
    if (stored.chunk && AIMessageChunk.isInstance(message)) {
      return new ChatGenerationChunk({ text: stored.text, message, ...base });
    }
    return { text: stored.text, message, ...base };
  });
}
