import OpenAI from 'openai';
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { embedText, type MockOpenAI, startMockOpenAI } from '../../examples/mock-openai/server.js';
import {
  countWords,
  createRng,
  extractTopics,
  generateJsonValue,
  generateProse,
  hashString,
  splitIntoPieces,
  truncateWords,
} from '../../examples/mock-openai/text.js';

let server: MockOpenAI;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockOpenAI({ latencyMs: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.setLatency(0);
  server.resetCalls();
});

function chatBody(content: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}) {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system' as const, content: 'You are a helpful assistant.' },
      { role: 'user' as const, content },
    ],
    ...extra,
  };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'integer' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'days', 'unit'],
    },
  },
};

describe('server basics', () => {
  it('listens on 127.0.0.1 and exposes a /v1 base URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('lists and retrieves models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('gpt-4o-mini');
    expect(ids).toContain('text-embedding-3-small');
    const model = await client.models.retrieve('gpt-4o');
    expect(model).toMatchObject({ id: 'gpt-4o', object: 'model' });
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(server.calls.byEndpoint['/v1/models']).toBe(1);
  });

  it('answers unknown endpoints with an OpenAI-style 404 and counts them', async () => {
    const res = await fetch(`${server.url}/does/not/exist`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'unknown_url' });
    expect(body.error.message).toContain('/v1/does/not/exist');
    expect(server.calls.byEndpoint['/v1/does/not/exist']).toBe(1);
  });

  it('records every request body in order and resets counters in place', async () => {
    const calls = server.calls;
    await client.chat.completions.create(chatBody('first'));
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'second' });
    await client.models.list();
    expect(calls.total).toBe(3);
    expect(calls.byEndpoint).toEqual({ '/v1/chat/completions': 1, '/v1/embeddings': 1, '/v1/models': 1 });
    expect(calls.bodies).toHaveLength(3);
    expect(calls.bodies[0]).toMatchObject({ model: 'gpt-4o-mini' });
    expect(calls.bodies[1]).toMatchObject({ input: 'second', encoding_format: 'base64' });
    expect(calls.bodies[2]).toBeNull();
    server.resetCalls();
    expect(calls).toEqual({ total: 0, byEndpoint: {}, bodies: [], aborted: 0, failed: 0 });
  });

  it('rejects invalid requests with 400', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.chat.completions.create({ ...chatBody('hi'), max_tokens: 0 })).rejects.toBeInstanceOf(
      OpenAI.BadRequestError,
    );
    const res = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
  });
});

describe('failure injection', () => {
  it('failNext(1, 500) makes the SDK throw InternalServerError once', async () => {
    server.failNext(1, 500);
    const error = await client.chat.completions.create(chatBody('hello')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).status).toBe(500);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).type).toBe('server_error');
    const ok = await client.chat.completions.create(chatBody('hello'));
    expect(ok.choices[0]?.message.content).toBeTruthy();
    expect(server.calls).toMatchObject({ total: 2, failed: 1 });
  });

  it('supports custom status and body, and fails streaming requests before any chunk', async () => {
    server.failNext(1, 429, { message: 'Slow down', code: 'rate_limit_exceeded' });
    const error = await client.chat.completions
      .create({ ...chatBody('hello'), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as Error).message).toContain('Slow down');

    server.failNext(2, 503, { error: { message: 'custom body', type: 'overloaded', code: null } });
    const retrying = new OpenAI({ baseURL: server.url, apiKey: 'test', maxRetries: 2 });
    const result = await retrying.embeddings.create({ model: 'text-embedding-3-small', input: 'retry me' });
    expect(result.data).toHaveLength(1);
    expect(server.calls).toMatchObject({ total: 4, failed: 3 });
  });
});

describe('chat completions', () => {
  it('returns a realistic, deterministic chat.completion', async () => {
    const body = chatBody('Explain how caching reduces latency in distributed systems');
    const a = await client.chat.completions.create(body);
    const b = await client.chat.completions.create(body);
    expect(a).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
    expect(a.id).toMatch(/^chatcmpl-\d+$/);
    expect(a.id).not.toBe(b.id);
    expect(typeof a.created).toBe('number');
    const choice = a.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message.role).toBe('assistant');
    const content = choice?.message.content ?? '';
    expect(content).toBe(b.choices[0]?.message.content);

    // Varied English prose: several sentences, mostly distinct words.
    expect(content.split(/[.?!]\s/).length).toBeGreaterThanOrEqual(3);
    const words = content.toLowerCase().match(/[a-z-]+/g) ?? [];
    expect(words.length).toBeGreaterThan(20);
    expect(new Set(words).size / words.length).toBeGreaterThan(0.4);

    expect(a.usage?.completion_tokens).toBe(countWords(content));
    expect(a.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(a.usage?.total_tokens).toBe((a.usage?.prompt_tokens ?? 0) + (a.usage?.completion_tokens ?? 0));
  });

  it('gives different prompts, models and seeds different answers, ignoring key order', async () => {
    const one = await client.chat.completions.create(chatBody('Tell me about the ocean'));
    const two = await client.chat.completions.create(chatBody('Tell me about mountains'));
    const other = await client.chat.completions.create({
      ...chatBody('Tell me about the ocean'),
      model: 'gpt-4o',
    });
    const reordered = await client.chat.completions.create({
      messages: chatBody('Tell me about the ocean').messages,
      model: 'gpt-4o-mini',
    });
    const text = (c: OpenAI.ChatCompletion) => c.choices[0]?.message.content;
    expect(text(one)).not.toBe(text(two));
    expect(text(one)).not.toBe(text(other));
    expect(text(reordered)).toBe(text(one));

    const seeded = await startMockOpenAI({ latencyMs: 0, seed: 42 });
    try {
      const seededClient = new OpenAI({ baseURL: seeded.url, apiKey: 'test', maxRetries: 0 });
      const fromSeeded = await seededClient.chat.completions.create(chatBody('Tell me about the ocean'));
      expect(text(fromSeeded)).not.toBe(text(one));
    } finally {
      await seeded.close();
    }
  });

  it('streams SSE chunks whose content joins to the non-streaming answer', async () => {
    const body = chatBody('Describe a good code review process');
    const full = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');

    const contentChunks = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentChunks.length).toBeGreaterThan(5);
    for (const c of contentChunks)
      expect(countWords(c.choices[0]?.delta.content ?? '')).toBeLessThanOrEqual(4);
    const joined = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(joined).toBe(full.choices[0]?.message.content);

    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish).toHaveLength(1);
    expect(finish[0]?.choices[0]?.finish_reason).toBe('stop');

    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(full.usage);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('omits the usage chunk without include_usage and writes raw SSE framing', async () => {
    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...chatBody('Say something short'), stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const parsed = frames
      .slice(0, -1)
      .map((f) => JSON.parse(f.slice('data: '.length)) as ChatCompletionChunk);
    expect(parsed.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
  });

  it('truncates at max_tokens / max_completion_tokens with finish_reason length', async () => {
    const body = chatBody('Write about the history of databases');
    const full = await client.chat.completions.create(body);
    const fullText = full.choices[0]?.message.content ?? '';

    const short = await client.chat.completions.create({ ...body, max_tokens: 5 });
    expect(short.choices[0]?.finish_reason).toBe('length');
    const shortText = short.choices[0]?.message.content ?? '';
    expect(countWords(shortText)).toBe(5);
    expect(fullText.startsWith(shortText)).toBe(true);
    expect(short.usage?.completion_tokens).toBe(5);

    const modern = await client.chat.completions.create({ ...body, max_completion_tokens: 7 });
    expect(modern.choices[0]?.finish_reason).toBe('length');
    expect(countWords(modern.choices[0]?.message.content ?? '')).toBe(7);

    const generous = await client.chat.completions.create({ ...body, max_tokens: 10_000 });
    expect(generous.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: fullText } });

    const streamed = await collect(
      await client.chat.completions.create({ ...body, max_tokens: 5, stream: true }),
    );
    expect(streamed.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(shortText);
    expect(streamed.at(-1)?.choices[0]?.finish_reason).toBe('length');
  });

  it('returns empty content for [[empty]]', async () => {
    const empty = await client.chat.completions.create(chatBody('Nothing please [[empty]]'));
    expect(empty.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '' } });
    expect(empty.usage?.completion_tokens).toBe(0);
    const streamed = await collect(
      await client.chat.completions.create({ ...chatBody('Nothing please [[empty]]'), stream: true }),
    );
    expect(streamed.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('');
    expect(streamed.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('returns a tool call for [[tool]], using the request tool and its schema', async () => {
    const body = chatBody('What is the weather in Paris? [[tool]]', { tools: [weatherTool] });
    const completion = await client.chat.completions.create(body);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days)).toBe(true);
    expect(['celsius', 'fahrenheit']).toContain(args.unit);

    const again = await client.chat.completions.create(body);
    expect(again.choices[0]?.message.tool_calls).toEqual(choice?.message.tool_calls);

    const noTools = await client.chat.completions.create(chatBody('Look it up [[tool]]'));
    const fallback = noTools.choices[0]?.message.tool_calls?.[0];
    expect(fallback?.type === 'function' && fallback.function.name).toBe('lookup');
  });

  it('streams tool-call deltas over several chunks', async () => {
    const body = chatBody('Weather in Oslo [[tool]]', { tools: [weatherTool] });
    const full = await client.chat.completions.create(body);
    const chunks = await collect(await client.chat.completions.create({ ...body, stream: true }));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas.length).toBeGreaterThan(3);
    expect(toolDeltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather' } });
    const args = toolDeltas.map((d) => d.function?.arguments ?? '').join('');
    const expected = full.choices[0]?.message.tool_calls?.[0];
    expect(expected?.type === 'function' && expected.function.arguments).toBe(args);
    expect(toolDeltas[0]?.id).toBe(expected?.id);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');

    // The SDK's stream helper reassembles the same tool call.
    const runner = client.chat.completions.stream({ ...body, stream: true });
    const final = await runner.finalChatCompletion();
    const reassembled = final.choices[0]?.message.tool_calls?.[0];
    expect(reassembled?.type === 'function' && reassembled.function.arguments).toBe(args);
  });

  it('produces JSON for structured outputs', async () => {
    const completion = await client.chat.completions.create(
      chatBody('Give me a city', {
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'city',
            schema: {
              type: 'object',
              properties: { name: { type: 'string' }, population: { type: 'integer' } },
              required: ['name', 'population'],
            },
          },
        },
      }),
    );
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
    expect(typeof parsed.name).toBe('string');
    expect(Number.isInteger(parsed.population)).toBe(true);
  });

  it('counts an aborted stream and stops writing', async () => {
    server.setLatency({ firstTokenMs: 0, perChunkMs: 5 });
    const stream = await client.chat.completions.create({
      ...chatBody('A long answer about software architecture'),
      stream: true,
    });
    let received = 0;
    for await (const _chunk of stream) {
      received += 1;
      if (received === 2) stream.controller.abort();
    }
    expect(received).toBe(2);
    await vi.waitFor(() => expect(server.calls.aborted).toBe(1), { timeout: 1000, interval: 5 });
  });

  it('honours the configured latency', async () => {
    server.setLatency(40);
    const started = performance.now();
    await client.chat.completions.create(chatBody('slow'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});

describe('embeddings', () => {
  const model = 'text-embedding-3-small';

  it('returns deterministic unit vectors (SDK default base64 path)', async () => {
    const a = await client.embeddings.create({ model, input: 'hello world' });
    const b = await client.embeddings.create({ model, input: 'hello world' });
    expect(a).toMatchObject({ object: 'list', model, usage: { prompt_tokens: 2, total_tokens: 2 } });
    const vector = a.data[0]?.embedding ?? [];
    expect(vector).toHaveLength(8);
    expect(vector).toEqual(b.data[0]?.embedding);
    expect(vector).toEqual(embedText('hello world'));
    const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0));
    expect(norm).toBeCloseTo(1, 5);
    expect(server.calls.bodies[0]).toMatchObject({ encoding_format: 'base64' });
  });

  it('keeps batch order and matches single requests', async () => {
    const inputs = ['alpha', 'beta gamma', 'delta'];
    const batch = await client.embeddings.create({ model, input: inputs });
    expect(batch.data.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(batch.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    for (const [i, input] of inputs.entries()) {
      const single = await client.embeddings.create({ model, input });
      expect(batch.data[i]?.embedding).toEqual(single.data[0]?.embedding);
    }
    expect(batch.data[0]?.embedding).not.toEqual(batch.data[1]?.embedding);
  });

  it('returns identical values as float and as base64', async () => {
    const input = ['same input', 'another one'];
    const floats = await client.embeddings.create({ model, input, encoding_format: 'float' });
    const decoded = await client.embeddings.create({ model, input });
    const raw = await client.embeddings.create({ model, input, encoding_format: 'base64' });
    expect(floats.data.map((d) => d.embedding)).toEqual(decoded.data.map((d) => d.embedding));
    const base64 = raw.data[0]?.embedding as unknown;
    expect(typeof base64).toBe('string');
    const buf = Buffer.from(base64 as string, 'base64');
    const fromBase64 = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
    expect(fromBase64).toEqual(floats.data[0]?.embedding);
  });

  it('supports dimensions and token-array inputs', async () => {
    const wide = await client.embeddings.create({ model, input: 'x', dimensions: 32 });
    expect(wide.data[0]?.embedding).toHaveLength(32);
    const tokens = await client.embeddings.create({ model, input: [1, 2, 3] });
    expect(tokens.data).toHaveLength(1);
    expect(tokens.usage.prompt_tokens).toBe(3);
    expect(tokens.data[0]?.embedding).toEqual(embedText('1 2 3'));
    const batches = await client.embeddings.create({ model, input: [[1, 2], [3]] });
    expect(batches.data).toHaveLength(2);
    expect(batches.usage.prompt_tokens).toBe(3);
  });
});

describe('responses', () => {
  it('returns a completed response whose output_text the SDK computes', async () => {
    const body = {
      model: 'gpt-4o-mini',
      input: 'Summarize the benefits of unit testing',
      instructions: 'Be brief.',
    };
    const a = await client.responses.create(body);
    const b = await client.responses.create(body);
    expect(a).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-mini' });
    expect(a.id).toMatch(/^resp_/);
    expect(a.id).not.toBe(b.id);
    expect(a.output_text.length).toBeGreaterThan(50);
    expect(a.output_text).toBe(b.output_text);
    const message = a.output[0];
    expect(message).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(a.usage).toMatchObject({
      output_tokens: countWords(a.output_text),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect(a.usage?.total_tokens).toBe((a.usage?.input_tokens ?? 0) + (a.usage?.output_tokens ?? 0));

    const other = await client.responses.create({
      ...body,
      input: [{ role: 'user', content: 'Something else' }],
    });
    expect(other.output_text).not.toBe(a.output_text);
  });

  it('marks a response incomplete at max_output_tokens', async () => {
    const body = { model: 'gpt-4o-mini', input: 'Tell me about compilers' };
    const full = await client.responses.create(body);
    const short = await client.responses.create({ ...body, max_output_tokens: 6 });
    expect(short.status).toBe('incomplete');
    expect(short.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(countWords(short.output_text)).toBe(6);
    expect(full.output_text.startsWith(short.output_text)).toBe(true);
  });

  it('streams the documented event sequence', async () => {
    const body = { model: 'gpt-4o-mini', input: 'Explain event sourcing' };
    const full = await client.responses.create(body);
    const events: ResponseStreamEvent[] = await collect(
      await client.responses.create({ ...body, stream: true }),
    );
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(full.output_text);
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' && done.text).toBe(full.output_text);
    const completed = events.at(-1);
    expect(completed?.type === 'response.completed' && completed.response.status).toBe('completed');

    // The SDK's stream helper assembles the final response.
    const final = await client.responses.stream(body).finalResponse();
    expect(final.output_text).toBe(full.output_text);
  });

  it('streams function calls for [[tool]]', async () => {
    const body = {
      model: 'gpt-4o-mini',
      input: 'Weather in Rome? [[tool]]',
      tools: [
        {
          type: 'function' as const,
          name: 'get_weather',
          parameters: weatherTool.function.parameters,
          strict: false,
        },
      ],
    };
    const full = await client.responses.create(body);
    const call = full.output[0];
    expect(call?.type).toBe('function_call');
    if (call?.type !== 'function_call') throw new Error('expected a function call');
    expect(call.name).toBe('get_weather');
    const events = await collect(await client.responses.create({ ...body, stream: true }));
    const args = events.flatMap((e) =>
      e.type === 'response.function_call_arguments.delta' ? [e.delta] : [],
    );
    expect(args.length).toBeGreaterThan(1);
    expect(args.join('')).toBe(call.arguments);
  });
});

describe('text generator', () => {
  it('is deterministic and varied', () => {
    expect(generateProse(1)).toBe(generateProse(1));
    expect(generateProse(1)).not.toBe(generateProse(2));
    const texts = new Set(Array.from({ length: 50 }, (_, i) => generateProse(hashString(String(i)))));
    expect(texts.size).toBe(50);
  });

  it('extracts topic phrases from prompts', () => {
    expect(extractTopics('Explain how caching reduces latency in distributed systems')).toEqual([
      'distributed systems',
      'latency',
      'caching',
    ]);
    expect(extractTopics('Hi')).toEqual([]);
  });

  it('splits and truncates without losing characters', () => {
    const text = generateProse(7, { minSentences: 6, maxSentences: 6 });
    expect(text).toContain('\n\n');
    expect(splitIntoPieces(text, createRng(1)).join('')).toBe(text);
    expect(text.startsWith(truncateWords(text, 9))).toBe(true);
    expect(countWords(truncateWords(text, 9))).toBe(9);
    expect(truncateWords(text, 10_000)).toBe(text);
  });

  it('generates JSON values that follow a schema', () => {
    const value = generateJsonValue(
      {
        type: 'object',
        properties: {
          tags: { type: 'array', items: { type: 'string' } },
          ok: { type: 'boolean' },
          score: { type: 'number' },
          kind: { const: 'fixed' },
        },
      },
      createRng(3),
    ) as Record<string, unknown>;
    expect(Array.isArray(value.tags)).toBe(true);
    expect(typeof value.ok).toBe('boolean');
    expect(typeof value.score).toBe('number');
    expect(value.kind).toBe('fixed');
  });
});
