/**
 * A local, dependency-free (node:http only) OpenAI-compatible HTTP server for tests and demos.
 *
 * ```ts
 * const server = await startMockOpenAI({ latencyMs: 0 });
 * const client = new OpenAI({ baseURL: server.url, apiKey: 'test' });
 * await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
 * server.calls.total; // 1
 * await server.close();
 * ```
 *
 * Answers are deterministic: the canonical JSON of the request body (minus streaming and length-limit
 * parameters) is hashed, and the hash seeds the prose generator in `./text.ts`. Identical requests therefore
 * get identical content (but fresh ids), a streamed answer concatenates to the non-streamed one, and a
 * `max_tokens`-truncated answer is a prefix of the full one.
 *
 * Special markers in the last user message:
 * - `[[tool]]`: the model answers with a tool call (the first function tool of the request, if any).
 * - `[[empty]]`: the model answers with empty content.
 * - `[[fixture:NAME]]`: the answer is the fixture `NAME` of `./fixtures.ts`, verbatim (as JSON, or
 *   streamed as the API streams it; with the usage chunk only for `include_usage`).
 *
 * The mock counts one "token" per whitespace-separated word of generated text.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Model } from 'openai/resources/models';
import { type ChatFixture, chatFixtureChunks, fixtureIn, type ResponsesFixture } from './fixtures.js';
import {
  countWords,
  createRng,
  extractTopics,
  generateJsonValue,
  generateProse,
  hashString,
  type Rng,
  splitBySize,
  splitIntoPieces,
  truncateWords,
} from './text.js';

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/**
 * Simulated latency.
 *
 * - A number `n`: every delay is `n` ms (non-streaming response time, time to first chunk, gap between chunks).
 * - An object: streams wait `firstTokenMs` before the first chunk and `perChunkMs` between chunks;
 *   non-streaming answers wait `responseMs` (default `2 * firstTokenMs`). Embeddings always wait a third of
 *   the non-streaming delay.
 */
export type LatencyOptions =
  | number
  | {
      /** Delay before the first streamed chunk. */
      firstTokenMs: number;
      /** Delay between subsequent streamed chunks. */
      perChunkMs: number;
      /** Delay of a non-streaming answer (default `2 * firstTokenMs`). */
      responseMs?: number;
    };

/** Options of {@link startMockOpenAI}. */
export interface MockOpenAIOptions {
  /** Port to listen on (127.0.0.1 only). `0` or omitted picks a free port. */
  port?: number;
  /**
   * Simulated latency. Defaults to something realistic: 300 ms for non-streaming answers, 150 ms to the
   * first streamed chunk and 15 ms between chunks. Tests usually pass `0`.
   */
  latencyMs?: LatencyOptions;
  /** Mixed into every content hash; change it to get a different (still deterministic) set of answers. */
  seed?: number;
}

/** Request counters of a {@link MockOpenAI}. Mutated in place (also by `resetCalls()`). */
export interface MockOpenAICalls {
  /** Number of requests received (including failed and unknown ones). */
  total: number;
  /** Number of requests per URL path, e.g. `{ '/v1/chat/completions': 2 }`. */
  byEndpoint: Record<string, number>;
  /** Parsed JSON request bodies in arrival order (`null` for requests without a body); same length as `total`. */
  bodies: unknown[];
  /** Requests whose client disconnected before the answer was complete (e.g. an aborted stream). */
  aborted: number;
  /** Requests answered with an error injected by `failNext()`. */
  failed: number;
}

/** A running mock server, returned by {@link startMockOpenAI}. */
export interface MockOpenAI {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:54321/v1`; pass it as `baseURL` to the OpenAI client. */
  readonly url: string;
  /** The port the server listens on. */
  readonly port: number;
  /** Live request counters. */
  readonly calls: MockOpenAICalls;
  /** Resets every counter of `calls` to zero and empties `bodies` (pending `failNext` errors are kept). */
  resetCalls(): void;
  /**
   * Makes the next `n` requests (any endpoint) fail with `status` (default 500). `body` is sent as is when it
   * has an `error` key; otherwise its fields are merged into the default `{ error: { message, type, code } }`.
   * Injected errors carry a `retry-after-ms: 10` header so SDK retries stay fast.
   */
  failNext(n: number, status?: number, body?: object): void;
  /** Changes the simulated latency for subsequent requests. */
  setLatency(latency: LatencyOptions): void;
  /** Stops the server, cutting any in-flight stream. Safe to call twice. */
  close(): Promise<void>;
}

/** Models listed by `GET /v1/models`. */
export const MOCK_MODELS: readonly string[] = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
];

/** Default embedding size when the request has no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

interface ResolvedLatency {
  responseMs: number;
  firstTokenMs: number;
  perChunkMs: number;
}

const DEFAULT_LATENCY: ResolvedLatency = { responseMs: 300, firstTokenMs: 150, perChunkMs: 15 };

function resolveLatency(latency: LatencyOptions | undefined): ResolvedLatency {
  if (latency === undefined) return { ...DEFAULT_LATENCY };
  if (typeof latency === 'number') {
    const ms = Math.max(0, latency);
    return { responseMs: ms, firstTokenMs: ms, perChunkMs: ms };
  }
  const firstTokenMs = Math.max(0, latency.firstTokenMs);
  return {
    firstTokenMs,
    perChunkMs: Math.max(0, latency.perChunkMs),
    responseMs: Math.max(0, latency.responseMs ?? 2 * firstTokenMs),
  };
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted recursively, so that key order does not change the hash. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function omit(body: JsonObject, keys: readonly string[]): JsonObject {
  const copy: JsonObject = { ...body };
  for (const key of keys) delete copy[key];
  return copy;
}

/** Text of a chat / responses message content: a string or an array of `{ text }` parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}

function lastUserText(messages: readonly unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (isRecord(message) && message.role === 'user') return contentText(message.content);
  }
  return '';
}

function roughTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  return Math.ceil(JSON.stringify(value).length / 4);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

function errorBody(
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): JsonObject {
  return { error: { message, type, param, code } };
}

/** Reads an optional positive integer parameter, throwing a 400 when it is present but invalid. */
function optionalPositiveInt(
  body: JsonObject,
  key: string,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new HttpError(
      400,
      `Invalid '${key}': expected an integer between 1 and ${max}.`,
      undefined,
      null,
      key,
    );
  }
  return value;
}

function requireModel(body: JsonObject): string {
  if (typeof body.model !== 'string' || body.model.length === 0) {
    throw new HttpError(
      400,
      "Missing required parameter: 'model'.",
      undefined,
      'missing_required_parameter',
      'model',
    );
  }
  return body.model;
}

// ---------------------------------------------------------------------------------------------------------
// Answer planning (shared by chat completions and responses)
// ---------------------------------------------------------------------------------------------------------

interface ToolCallPlan {
  callId: string;
  name: string;
  arguments: string;
}

type AnswerPlan =
  | { kind: 'text'; text: string; truncated: boolean; tokens: number }
  | { kind: 'tool'; call: ToolCallPlan; tokens: number };

interface FunctionTool {
  name: string;
  parameters: unknown;
}

interface PlanInput {
  seed: number;
  prompt: string;
  maxTokens: number | undefined;
  tools: readonly FunctionTool[];
  forcedTool: string | undefined;
  /** JSON schema for structured output, `'json'` for plain JSON mode, or undefined for prose. */
  structured: { schema: unknown } | 'json' | undefined;
}

function callId(rng: Rng, prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let id = prefix;
  for (let i = 0; i < 24; i++) id += alphabet.charAt(Math.floor(rng() * alphabet.length));
  return id;
}

function planAnswer(input: PlanInput): AnswerPlan {
  const rng = createRng(input.seed);
  if (input.prompt.includes('[[tool]]')) {
    const tool = input.tools.find((t) => t.name === input.forcedTool) ?? input.tools[0];
    const name = tool?.name ?? 'lookup';
    const args = JSON.stringify(generateJsonValue(tool?.parameters, rng));
    return {
      kind: 'tool',
      call: { callId: callId(rng, 'call_'), name, arguments: args },
      tokens: 1 + roughTokens(args),
    };
  }
  if (input.prompt.includes('[[empty]]')) return { kind: 'text', text: '', truncated: false, tokens: 0 };
  let text: string;
  if (input.structured === 'json') {
    text = JSON.stringify({ answer: generateProse(input.seed, { topics: extractTopics(input.prompt) }) });
  } else if (input.structured) {
    text = JSON.stringify(generateJsonValue(input.structured.schema, rng));
  } else {
    text = generateProse(input.seed, { topics: extractTopics(input.prompt) });
  }
  const full = countWords(text);
  if (input.maxTokens !== undefined && full > input.maxTokens) {
    const truncated = truncateWords(text, input.maxTokens);
    return { kind: 'text', text: truncated, truncated: true, tokens: countWords(truncated) };
  }
  return { kind: 'text', text, truncated: false, tokens: full };
}

// ---------------------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------------------

interface RequestState {
  aborted: boolean;
  wake: (() => void) | undefined;
}

interface Failure {
  status: number;
  body: object;
}

/** Writes one raw SSE frame (ignored once the client is gone). */
type Writer = (data: string) => void;

/**
 * Starts a mock OpenAI-compatible server on 127.0.0.1.
 *
 * Endpoints: `POST /v1/chat/completions` (JSON or SSE), `POST /v1/embeddings` (float or base64),
 * `POST /v1/responses` (JSON or SSE events), `GET /v1/models`, `GET /v1/models/:id`. Anything else answers a
 * 404 OpenAI-style error. Every request is counted in {@link MockOpenAI.calls}.
 *
 * @param options - Port, simulated latency and content seed.
 * @returns The running server; call `close()` when done.
 */
export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockOpenAI> {
  const seed = options.seed ?? 0;
  let latency = resolveLatency(options.latencyMs);
  let closing = false;
  const failures: Failure[] = [];
  const active = new Set<RequestState>();
  const counters = { chat: 0, response: 0, item: 0, request: 0 };
  const calls: MockOpenAICalls = { total: 0, byEndpoint: {}, bodies: [], aborted: 0, failed: 0 };

  function sleep(ms: number, state: RequestState): Promise<void> {
    if (ms <= 0 || state.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        state.wake = undefined;
        resolve();
      }, ms);
      state.wake = () => {
        clearTimeout(timer);
        state.wake = undefined;
        resolve();
      };
    });
  }

  function baseHeaders(): Record<string, string> {
    counters.request += 1;
    return { 'x-request-id': `req_mock_${counters.request}`, 'openai-processing-ms': '1' };
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    if (res.destroyed) return;
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      ...baseHeaders(),
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }

  function startSse(res: ServerResponse): Writer {
    res.writeHead(200, {
      ...baseHeaders(),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    return (data) => {
      if (!res.destroyed) res.write(data);
    };
  }

  /** Writes SSE frames, waiting `firstTokenMs` before the first and `perChunkMs` between the others. */
  async function streamFrames(
    res: ServerResponse,
    state: RequestState,
    frames: readonly string[],
  ): Promise<void> {
    const write = startSse(res);
    const { firstTokenMs, perChunkMs } = latency;
    for (let i = 0; i < frames.length; i++) {
      await sleep(i === 0 ? firstTokenMs : perChunkMs, state);
      if (state.aborted || res.destroyed) return;
      write(frames[i] ?? '');
    }
    res.end();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Fixtures (`[[fixture:NAME]]`)
  // ---------------------------------------------------------------------------------------------------------

  /** Resolves a fixture marker (`undefined`: none; an unknown name is a 400). */
  function fixtureOf<T extends 'chat' | 'responses'>(kind: T, prompt: string) {
    const fixture = fixtureIn(kind, prompt);
    if (fixture === null) throw new HttpError(400, `Unknown ${kind} fixture in the prompt.`);
    return fixture;
  }

  async function sendFixture(
    body: JsonObject,
    fixture: { chat: ChatFixture } | { responses: ResponsesFixture },
    res: ServerResponse,
    state: RequestState,
  ): Promise<void> {
    if (body.stream !== true) {
      await sleep(latency.responseMs, state);
      if (!state.aborted) sendJson(res, 200, 'chat' in fixture ? fixture.chat.json : fixture.responses.json);
      return;
    }
    if ('responses' in fixture) {
      const frames = fixture.responses.events.map(
        (event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`,
      );
      return streamFrames(res, state, frames);
    }
    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
    const frames = chatFixtureChunks(fixture.chat, includeUsage).map(
      (chunk) => `data: ${JSON.stringify(chunk)}\n\n`,
    );
    frames.push('data: [DONE]\n\n');
    return streamFrames(res, state, frames);
  }

  // ---------------------------------------------------------------------------------------------------------
  // POST /v1/chat/completions
  // ---------------------------------------------------------------------------------------------------------

  async function chatCompletions(body: JsonObject, res: ServerResponse, state: RequestState): Promise<void> {
    const model = requireModel(body);
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new HttpError(
        400,
        "Invalid 'messages': expected a non-empty array.",
        undefined,
        null,
        'messages',
      );
    }
    const maxTokens =
      optionalPositiveInt(body, 'max_completion_tokens') ?? optionalPositiveInt(body, 'max_tokens');
    const n = optionalPositiveInt(body, 'n', 8) ?? 1;
    const prompt = lastUserText(messages);
    const fixture = fixtureOf('chat', prompt);
    if (fixture) return sendFixture(body, { chat: fixture }, res, state);
    const tools: FunctionTool[] = [];
    if (Array.isArray(body.tools)) {
      for (const tool of body.tools) {
        if (isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string') {
          tools.push({ name: tool.function.name, parameters: tool.function.parameters });
        }
      }
    }
    const toolChoice = body.tool_choice;
    const forcedTool =
      isRecord(toolChoice) && isRecord(toolChoice.function) && typeof toolChoice.function.name === 'string'
        ? toolChoice.function.name
        : undefined;
    const format = isRecord(body.response_format) ? body.response_format : undefined;
    const structured =
      format?.type === 'json_schema' && isRecord(format.json_schema)
        ? { schema: format.json_schema.schema }
        : format?.type === 'json_object'
          ? ('json' as const)
          : undefined;

    const contentSeed = hashString(
      canonicalJson(omit(body, ['stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'n'])),
      seed,
    );
    const plans = Array.from({ length: n }, (_, index) =>
      planAnswer({
        seed: index === 0 ? contentSeed : hashString(String(index), contentSeed),
        prompt,
        maxTokens,
        tools,
        forcedTool,
        structured,
      }),
    );

    let promptTokens = 3 + roughTokens(body.tools);
    for (const message of messages) {
      if (!isRecord(message)) continue;
      promptTokens += 4 + countWords(contentText(message.content)) + roughTokens(message.tool_calls);
    }
    const completionTokens = plans.reduce((sum, plan) => sum + plan.tokens, 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };

    counters.chat += 1;
    const id = `chatcmpl-${counters.chat}`;
    const created = Math.floor(Date.now() / 1000);
    const finishReason = (plan: AnswerPlan) =>
      plan.kind === 'tool'
        ? ('tool_calls' as const)
        : plan.truncated
          ? ('length' as const)
          : ('stop' as const);

    if (body.stream !== true) {
      const completion: ChatCompletion = {
        id,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: 'fp_mock',
        service_tier: 'default',
        choices: plans.map((plan, index) => ({
          index,
          logprobs: null,
          finish_reason: finishReason(plan),
          message:
            plan.kind === 'tool'
              ? {
                  role: 'assistant',
                  content: null,
                  refusal: null,
                  annotations: [],
                  tool_calls: [
                    {
                      id: plan.call.callId,
                      type: 'function',
                      function: { name: plan.call.name, arguments: plan.call.arguments },
                    },
                  ],
                }
              : { role: 'assistant', content: plan.text, refusal: null, annotations: [] },
        })),
        usage,
      };
      await sleep(latency.responseMs, state);
      if (!state.aborted) sendJson(res, 200, completion);
      return;
    }

    const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
    const chunk = (choices: ChatCompletionChunk['choices']): string => {
      const data: ChatCompletionChunk = {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_mock',
        service_tier: 'default',
        choices,
      };
      if (includeUsage) data.usage = null;
      return `data: ${JSON.stringify(data)}\n\n`;
    };

    const frames: string[] = [];
    const pieceRng = createRng(contentSeed ^ 0x5bd1e995);
    plans.forEach((plan, index) => {
      const delta = (d: ChatCompletionChunk.Choice.Delta) =>
        chunk([{ index, delta: d, logprobs: null, finish_reason: null }]);
      if (plan.kind === 'tool') {
        frames.push(delta({ role: 'assistant', content: null, refusal: null }));
        frames.push(
          delta({
            tool_calls: [
              {
                index: 0,
                id: plan.call.callId,
                type: 'function',
                function: { name: plan.call.name, arguments: '' },
              },
            ],
          }),
        );
        for (const piece of splitBySize(plan.call.arguments, 6)) {
          frames.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
        }
      } else {
        frames.push(delta({ role: 'assistant', content: '', refusal: null }));
        for (const piece of splitIntoPieces(plan.text, pieceRng, 1, 4))
          frames.push(delta({ content: piece }));
      }
      frames.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: finishReason(plan) }]));
    });
    if (includeUsage) {
      const data: ChatCompletionChunk = {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_mock',
        service_tier: 'default',
        choices: [],
        usage,
      };
      frames.push(`data: ${JSON.stringify(data)}\n\n`);
    }
    frames.push('data: [DONE]\n\n');
    await streamFrames(res, state, frames);
  }

  // ---------------------------------------------------------------------------------------------------------
  // POST /v1/embeddings
  // ---------------------------------------------------------------------------------------------------------

  function embeddingInputs(input: unknown): { texts: string[]; tokens: number[] } {
    const fromTokens = (tokens: readonly unknown[]) => tokens.map((t) => String(t)).join(' ');
    const invalid = () =>
      new HttpError(
        400,
        "Invalid 'input': expected a string, an array of strings, or token arrays.",
        undefined,
        null,
        'input',
      );
    if (typeof input === 'string') return { texts: [input], tokens: [countWords(input)] };
    if (!Array.isArray(input) || input.length === 0) throw invalid();
    if (input.every((item) => typeof item === 'string')) {
      return { texts: input, tokens: input.map((text) => countWords(text)) };
    }
    if (input.every((item) => typeof item === 'number')) {
      return { texts: [fromTokens(input)], tokens: [input.length] };
    }
    if (input.every((item) => Array.isArray(item) && item.every((t) => typeof t === 'number'))) {
      const arrays = input as number[][];
      return { texts: arrays.map(fromTokens), tokens: arrays.map((a) => a.length) };
    }
    throw invalid();
  }

  async function embeddings(body: JsonObject, res: ServerResponse, state: RequestState): Promise<void> {
    const model = requireModel(body);
    const { texts, tokens } = embeddingInputs(body.input);
    const dimensions = optionalPositiveInt(body, 'dimensions', 4096) ?? DEFAULT_EMBEDDING_DIMENSIONS;
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      throw new HttpError(
        400,
        "Invalid 'encoding_format': expected 'float' or 'base64'.",
        undefined,
        null,
        'encoding_format',
      );
    }
    const data = texts.map((text, index) => {
      const vector = embedText(text, dimensions, seed);
      return {
        object: 'embedding',
        index,
        embedding: format === 'base64' ? toBase64Float32(vector) : vector,
      };
    });
    const promptTokens = tokens.reduce((sum, count) => sum + count, 0);
    await sleep(Math.round(latency.responseMs / 3), state);
    if (state.aborted) return;
    sendJson(res, 200, {
      object: 'list',
      data,
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // POST /v1/responses
  // ---------------------------------------------------------------------------------------------------------

  async function responses(body: JsonObject, res: ServerResponse, state: RequestState): Promise<void> {
    const model = requireModel(body);
    const input = body.input ?? '';
    if (typeof input !== 'string' && !Array.isArray(input)) {
      throw new HttpError(
        400,
        "Invalid 'input': expected a string or an array of items.",
        undefined,
        null,
        'input',
      );
    }
    const maxTokens = optionalPositiveInt(body, 'max_output_tokens');
    const items = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
    const prompt = lastUserText(items);
    const fixture = fixtureOf('responses', prompt);
    if (fixture) return sendFixture(body, { responses: fixture }, res, state);
    const tools: FunctionTool[] = [];
    if (Array.isArray(body.tools)) {
      for (const tool of body.tools) {
        if (isRecord(tool) && tool.type === 'function' && typeof tool.name === 'string') {
          tools.push({ name: tool.name, parameters: tool.parameters });
        }
      }
    }
    const forcedTool =
      isRecord(body.tool_choice) && typeof body.tool_choice.name === 'string'
        ? body.tool_choice.name
        : undefined;
    const textConfig = isRecord(body.text) ? body.text : undefined;
    const format = isRecord(textConfig?.format) ? textConfig.format : undefined;
    const structured =
      format?.type === 'json_schema'
        ? { schema: format.schema }
        : format?.type === 'json_object'
          ? ('json' as const)
          : undefined;
    const contentSeed = hashString(
      canonicalJson(omit(body, ['stream', 'stream_options', 'max_output_tokens'])),
      seed,
    );
    const plan = planAnswer({ seed: contentSeed, prompt, maxTokens, tools, forcedTool, structured });

    let inputTokens = 3 + roughTokens(body.tools) + countWords(contentText(body.instructions));
    for (const item of items) {
      if (isRecord(item)) inputTokens += 4 + countWords(contentText(item.content ?? item.output));
    }
    const incomplete = plan.kind === 'text' && plan.truncated;
    counters.response += 1;
    counters.item += 1;
    const id = `resp_mock${String(counters.response).padStart(6, '0')}`;
    const itemId = `${plan.kind === 'tool' ? 'fc' : 'msg'}_mock${String(counters.item).padStart(6, '0')}`;
    const createdAt = Math.floor(Date.now() / 1000);
    const itemStatus = incomplete ? 'incomplete' : 'completed';
    const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });
    const finalItem: JsonObject =
      plan.kind === 'tool'
        ? {
            type: 'function_call',
            id: itemId,
            call_id: plan.call.callId,
            name: plan.call.name,
            arguments: plan.call.arguments,
            status: 'completed',
          }
        : {
            type: 'message',
            id: itemId,
            status: itemStatus,
            role: 'assistant',
            content: [outputText(plan.text)],
          };
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: plan.tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + plan.tokens,
    };
    const responseObject = (status: string, output: unknown[], done: boolean): JsonObject => ({
      id,
      object: 'response',
      created_at: createdAt,
      status,
      background: false,
      completed_at: done && !incomplete ? Math.floor(Date.now() / 1000) : null,
      error: null,
      incomplete_details: done && incomplete ? { reason: 'max_output_tokens' } : null,
      instructions: body.instructions ?? null,
      max_output_tokens: maxTokens ?? null,
      metadata: body.metadata ?? {},
      model,
      output,
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: body.previous_response_id ?? null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: body.store ?? true,
      temperature: body.temperature ?? 1,
      text: textConfig ?? { format: { type: 'text' } },
      tool_choice: body.tool_choice ?? 'auto',
      tools: body.tools ?? [],
      top_p: body.top_p ?? 1,
      truncation: body.truncation ?? 'disabled',
      usage: done ? usage : null,
      user: null,
    });

    if (body.stream !== true) {
      await sleep(latency.responseMs, state);
      if (!state.aborted)
        sendJson(res, 200, responseObject(incomplete ? 'incomplete' : 'completed', [finalItem], true));
      return;
    }

    let sequence = 0;
    const frames: string[] = [];
    const event = (type: string, data: JsonObject) => {
      frames.push(
        `event: ${type}\ndata: ${JSON.stringify({ type, ...data, sequence_number: sequence++ })}\n\n`,
      );
    };
    const where = { item_id: itemId, output_index: 0 };
    event('response.created', { response: responseObject('in_progress', [], false) });
    event('response.in_progress', { response: responseObject('in_progress', [], false) });
    if (plan.kind === 'tool') {
      event('response.output_item.added', {
        output_index: 0,
        item: { ...finalItem, arguments: '', status: 'in_progress' },
      });
      for (const piece of splitBySize(plan.call.arguments, 6)) {
        event('response.function_call_arguments.delta', { ...where, delta: piece });
      }
      event('response.function_call_arguments.done', {
        ...where,
        name: plan.call.name,
        arguments: plan.call.arguments,
      });
    } else {
      event('response.output_item.added', {
        output_index: 0,
        item: { type: 'message', id: itemId, status: 'in_progress', role: 'assistant', content: [] },
      });
      event('response.content_part.added', { ...where, content_index: 0, part: outputText('') });
      const pieceRng = createRng(contentSeed ^ 0x5bd1e995);
      for (const piece of splitIntoPieces(plan.text, pieceRng, 1, 4)) {
        event('response.output_text.delta', { ...where, content_index: 0, delta: piece, logprobs: [] });
      }
      event('response.output_text.done', { ...where, content_index: 0, text: plan.text, logprobs: [] });
      event('response.content_part.done', { ...where, content_index: 0, part: outputText(plan.text) });
    }
    event('response.output_item.done', { output_index: 0, item: finalItem });
    event(incomplete ? 'response.incomplete' : 'response.completed', {
      response: responseObject(incomplete ? 'incomplete' : 'completed', [finalItem], true),
    });
    await streamFrames(res, state, frames);
  }

  // ---------------------------------------------------------------------------------------------------------
  // GET /v1/models
  // ---------------------------------------------------------------------------------------------------------

  const models: Model[] = MOCK_MODELS.map((id) => ({
    id,
    object: 'model',
    created: 1_700_000_000,
    owned_by: 'openai',
  }));

  // ---------------------------------------------------------------------------------------------------------
  // Dispatch
  // ---------------------------------------------------------------------------------------------------------

  async function route(
    method: string,
    path: string,
    body: unknown,
    res: ServerResponse,
    state: RequestState,
  ) {
    const post = async (handler: (b: JsonObject, r: ServerResponse, s: RequestState) => Promise<void>) => {
      if (!isRecord(body)) throw new HttpError(400, 'The request body must be a JSON object.');
      await handler(body, res, state);
    };
    if (method === 'POST' && path === '/v1/chat/completions') return post(chatCompletions);
    if (method === 'POST' && path === '/v1/embeddings') return post(embeddings);
    if (method === 'POST' && path === '/v1/responses') return post(responses);
    if (method === 'GET' && path === '/v1/models')
      return sendJson(res, 200, { object: 'list', data: models });
    if (method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const model = models.find((m) => m.id === id);
      if (model) return sendJson(res, 200, model);
      throw new HttpError(
        404,
        `The model '${id}' does not exist`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    }
    throw new HttpError(
      404,
      `Unknown request URL: ${method} ${path}.`,
      'invalid_request_error',
      'unknown_url',
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const state: RequestState = { aborted: false, wake: undefined };
    active.add(state);
    res.on('close', () => {
      active.delete(state);
      if (res.writableEnded) return;
      state.aborted = true;
      state.wake?.();
      if (!closing) calls.aborted += 1;
    });

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    let parseFailed = false;
    if (raw.trim().length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        parseFailed = true;
        body = raw;
      }
    }
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') || '/';
    calls.total += 1;
    calls.byEndpoint[path] = (calls.byEndpoint[path] ?? 0) + 1;
    calls.bodies.push(body);

    const failure = failures.shift();
    if (failure) {
      calls.failed += 1;
      sendJson(res, failure.status, failure.body, { 'retry-after-ms': '10' });
      return;
    }
    try {
      if (parseFailed) throw new HttpError(400, 'We could not parse the JSON body of your request.');
      await route(method, path, body, res, state);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, errorBody(error.message, error.type, error.code, error.param));
      } else if (!res.headersSent) {
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, 500, errorBody(`Mock server error: ${message}`, 'server_error', null));
      } else {
        res.destroy();
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    calls,
    resetCalls() {
      calls.total = 0;
      calls.aborted = 0;
      calls.failed = 0;
      calls.bodies.length = 0;
      for (const key of Object.keys(calls.byEndpoint)) delete calls.byEndpoint[key];
    },
    failNext(n, status = 500, body) {
      const defaults = {
        message: status >= 500 ? 'The server had an error while processing your request.' : 'Mock error.',
        type: status >= 500 ? 'server_error' : status === 429 ? 'requests' : 'invalid_request_error',
        param: null,
        code: status === 429 ? 'rate_limit_exceeded' : null,
      };
      const payload = body && 'error' in body ? body : { error: { ...defaults, ...body } };
      for (let i = 0; i < n; i++) failures.push({ status, body: payload });
    },
    setLatency(next) {
      latency = resolveLatency(next);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const state of active) {
          state.aborted = true;
          state.wake?.();
        }
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Embeddings math
// ---------------------------------------------------------------------------------------------------------

/**
 * Deterministic unit-length embedding of `text` with `dimensions` components, each already rounded to
 * float32 precision (so the float and base64 encodings decode to identical numbers).
 */
export function embedText(
  text: string,
  dimensions: number = DEFAULT_EMBEDDING_DIMENSIONS,
  seed = 0,
): number[] {
  const rng = createRng(hashString(text, seed ^ 0x9e3779b9));
  const raw = Array.from({ length: dimensions }, () => rng() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** Base64 of the little-endian float32 representation of `values` (OpenAI's `encoding_format: 'base64'`). */
export function toBase64Float32(values: readonly number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => {
    buffer.writeFloatLE(value, index * 4);
  });
  return buffer.toString('base64');
}
