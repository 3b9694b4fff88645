/**
 * Caching any LLM client with the public call path: a plain `fetch` client of an
 * OpenAI-compatible `/chat/completions` endpoint, JSON only, described by a small codec.
 *
 * Run: `npx tsx examples/fetch-client.ts` (starts the local OpenAI-compatible server itself).
 */
import {
  AIResponseCache,
  cacheStatus,
  createCallPath,
  markStatus,
  type ProviderCodec,
} from '../src/index.js';
import { startMockOpenAI } from './mock-openai/server.js';

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
}
interface ChatAnswer {
  choices: { message: { content: string }; finish_reason: string }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** What the cache needs to know about this API. */
const codec: ProviderCodec<ChatRequest, ChatAnswer> = {
  name: 'my-chat-api',
  // Everything that changes the answer, and nothing else (no API key, no headers).
  keyMaterial: ({ model, messages, temperature }) => ({ model, messages, temperature }),
  // Only complete answers are stored.
  storable: (answer) => answer.choices.every((c) => c.finish_reason === 'stop'),
  usage: (answer) =>
    answer.usage && {
      promptTokens: answer.usage.prompt_tokens,
      completionTokens: answer.usage.completion_tokens,
    },
  model: (_answer, request) => request.model,
};

/** A cached `chat(request)` over `fetch`. */
export function cachedChat(baseUrl: string, ai: AIResponseCache) {
  const path = createCallPath(codec, { cache: ai, scope: baseUrl });
  return async (request: ChatRequest): Promise<ChatAnswer> => {
    const prepared = await path.prepare(request);
    const { answer, status } = await path.resolve(prepared, {
      json: async () => {
        const response = await fetch(`${baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-not-needed-locally' },
          body: JSON.stringify(request),
        });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return { value: (await response.json()) as ChatAnswer };
      },
    });
    return markStatus(answer as ChatAnswer, status);
  };
}

/** Runs the example, printing through `log`. */
export async function runFetchClientExample(log: (line: string) => void = console.log): Promise<void> {
  const server = await startMockOpenAI({ latencyMs: 0 });
  const ai = new AIResponseCache();
  try {
    const chat = cachedChat(server.url, ai);
    const request = { model: 'gpt-4o-mini', temperature: 0, messages: [{ role: 'user', content: 'Say hi' }] };
    const results = await Promise.all(Array.from({ length: 5 }, () => chat(request)));
    log(
      `5 concurrent identical calls -> ${server.calls.total} upstream call (${results.map(cacheStatus).join(', ')})`,
    );
    const again = await chat(request);
    log(`then: ${cacheStatus(again)}, upstream calls in all: ${server.calls.total}`);
  } finally {
    await ai.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runFetchClientExample();
