/**
 * The Anthropic codec's stream <-> message conversions, checked against the real SDK's
 * `MessageStream` accumulation (no cache involved): a replayed message accumulates into exactly
 * that message, and a stream assembles into what `MessageStream` makes of it.
 */
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { defaultPlanner, eventsOf, messageOf } from '../../examples/mock-anthropic/server.js';
import {
  anthropicCodec,
  assembleMessage,
  replayEvents,
  restreamEvents,
  streamComplete,
} from '../../src/integrations/anthropic/index.js';

/** What the SDK's own `MessageStream` accumulates from `events`. */
async function accumulate(events: readonly unknown[]): Promise<Message> {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
      controller.close();
    },
  });
  // `parsed_output: null` is the SDK's structured-output slot, added to every final message (1.x).
  const { parsed_output, ...message } = await MessageStream.fromReadableStream(body).finalMessage();
  expect(parsed_output ?? null).toBeNull();
  // Plain data, as it would be sent on: getters (tool inputs) become values.
  return JSON.parse(JSON.stringify(message)) as Message;
}

/** An event, loosely typed for assertions. */
interface Ev {
  type: string;
  index?: number;
  message?: { content: unknown[]; stop_reason: unknown; usage: { input_tokens: number } };
  delta?: { type?: string; stop_reason?: string; partial_json?: string };
  usage?: { output_tokens: number };
  content_block?: { input?: unknown };
}

const usage = {
  input_tokens: 42,
  cache_creation_input_tokens: 7,
  cache_read_input_tokens: 100,
  cache_creation: { ephemeral_5m_input_tokens: 7, ephemeral_1h_input_tokens: 0 },
  output_tokens: 33,
  server_tool_use: { web_search_requests: 1 },
  service_tier: 'standard',
};

function message(content: unknown[], extra: Record<string, unknown> = {}): Message {
  return {
    id: 'msg_fixture',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content,
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage,
    ...extra,
  } as unknown as Message;
}

const FIXTURES: Record<string, Message> = {
  text: message([
    { type: 'text', text: 'Hello there, this is a cached answer with  two  spaces.', citations: null },
  ]),
  'empty text block': message([{ type: 'text', text: '', citations: null }]),
  'text with citations': message([
    {
      type: 'text',
      text: 'The sky is blue.',
      citations: [
        {
          type: 'char_location',
          cited_text: 'sky',
          document_index: 0,
          document_title: null,
          start_char_index: 4,
          end_char_index: 7,
          file_id: null,
        },
        {
          type: 'char_location',
          cited_text: 'blue',
          document_index: 0,
          document_title: 'Doc',
          start_char_index: 11,
          end_char_index: 15,
          file_id: null,
        },
      ],
    },
  ]),
  'tool use (nested input, unicode)': message(
    [
      { type: 'text', text: 'Let me look.', citations: null },
      {
        type: 'tool_use',
        id: 'toolu_1',
        name: 'search',
        input: {
          query: 'caf\u00e9 \u{1F600} "quoted"',
          limit: 3,
          ratio: 0.25,
          deep: { list: [1, null, true, 'x'] },
        },
      },
      { type: 'tool_use', id: 'toolu_2', name: 'noop', input: {} },
    ],
    { stop_reason: 'tool_use' },
  ),
  'thinking + signature': message([
    {
      type: 'thinking',
      thinking: 'First I consider the question. Then I answer.',
      signature: 'EqQBCkYIARgCKkB',
    },
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    { type: 'text', text: 'The answer is 4.', citations: null },
  ]),
  'server tool use and its result': message([
    { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'weather' } },
    {
      type: 'web_search_tool_result',
      tool_use_id: 'srvtoolu_1',
      content: [
        {
          type: 'web_search_result',
          title: 'Weather',
          url: 'https://example.com',
          encrypted_content: 'abc',
          page_age: null,
        },
      ],
    },
    { type: 'text', text: 'Sunny.', citations: null },
  ]),
  'stop sequence, stop details, container': message(
    [{ type: 'text', text: 'Counting: 1, 2', citations: null }],
    {
      stop_reason: 'stop_sequence',
      stop_sequence: '3',
      stop_details: null,
      container: { id: 'container_1', expires_at: '2026-12-03T00:00:00Z' },
    },
  ),
};

describe('replayEvents: a message -> the event sequence the API streams', () => {
  for (const [name, fixture] of Object.entries(FIXTURES)) {
    it(`${name}: MessageStream accumulates exactly the message, and assembleMessage agrees`, async () => {
      const events = replayEvents(fixture);
      expect(await accumulate(events)).toEqual(fixture);
      expect(assembleMessage(events)).toEqual(fixture);
      expect(streamComplete(events)).toBe(true);
    });
  }

  it('is shaped like the API: message_start with input usage, blocks, message_delta, message_stop', () => {
    const fixture = FIXTURES['tool use (nested input, unicode)'] as Message;
    const events = replayEvents(fixture) as unknown as Ev[];
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('message_start');
    expect(events[0]?.message?.content).toEqual([]);
    expect(events[0]?.message?.stop_reason).toBeNull();
    expect(events[0]?.message?.usage.input_tokens).toBe(42);
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(events.at(-2)?.delta?.stop_reason).toBe('tool_use');
    expect(events.at(-2)?.usage?.output_tokens).toBe(33);
    const jsonDeltas = events.filter((e) => e.index === 1 && e.delta?.type === 'input_json_delta');
    // The tool input arrives as partial JSON in several pieces that concatenate to the input.
    expect(jsonDeltas.length).toBeGreaterThan(2);
    expect(JSON.parse(jsonDeltas.map((e) => e.delta?.partial_json).join(''))).toEqual(
      (fixture.content[1] as { input: unknown }).input,
    );
    expect(events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block?.input)).toEqual(
      [undefined, {}, {}],
    );
    const thinking = replayEvents(FIXTURES['thinking + signature'] as Message) as unknown as Ev[];
    expect(thinking.filter((e) => e.index === 0).map((e) => e.delta?.type ?? e.type)).toEqual([
      'content_block_start',
      ...Array(3).fill('thinking_delta'),
      'signature_delta',
      'content_block_stop',
    ]);
  });

  it('does not mutate its input and returns fresh objects each time', () => {
    const fixture = structuredClone(FIXTURES.text as Message);
    const first = replayEvents(fixture);
    (first[0] as unknown as { message: { id: string } }).message.id = 'changed';
    expect(fixture).toEqual(FIXTURES.text);
    expect((replayEvents(fixture)[0] as unknown as { message: { id: string } }).message.id).toBe(
      'msg_fixture',
    );
  });
});

describe('assembleMessage: a recorded stream -> the message', () => {
  const body = {
    model: 'claude-test',
    max_tokens: 256,
    messages: [{ role: 'user', content: 'hi [[tool]]' }],
  };
  const withTool = {
    ...body,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
  };

  for (const [name, request] of Object.entries({ text: body, 'thinking + tool use': withTool })) {
    it(`${name}: equals what MessageStream accumulates from the mock's API-shaped events (pings included)`, async () => {
      const sent = messageOf(defaultPlanner(request), request);
      const events = eventsOf(sent) as unknown as RawMessageStreamEvent[];
      expect(events.some((e) => (e as { type: string }).type === 'ping')).toBe(true);
      const assembled = assembleMessage(events);
      expect(assembled).toEqual(sent);
      expect(assembled).toEqual(
        await accumulate(events.filter((e) => (e as { type: string }).type !== 'ping')),
      );
    });
  }

  it('makes no message from an incomplete or broken stream', () => {
    const events = replayEvents(FIXTURES['tool use (nested input, unicode)'] as Message);
    const withoutDelta = events.filter((e) => e.type !== 'message_delta');
    expect(assembleMessage(withoutDelta)).toBeUndefined();
    expect(assembleMessage(events.slice(1))).toBeUndefined();
    expect(assembleMessage(events.slice(0, 5))).toBeUndefined();
    const broken = events.map((e) =>
      e.type === 'content_block_delta' && e.delta.type === 'input_json_delta'
        ? { ...e, delta: { ...e.delta, partial_json: '}' } }
        : e,
    );
    expect(assembleMessage(broken)).toBeUndefined();
    expect(assembleMessage([...events, ...events])).toBeUndefined();
  });

  it('streamComplete: true once the message_delta with a stop reason arrived, not before', () => {
    const events = replayEvents(FIXTURES.text as Message);
    const deltaAt = events.findIndex((e) => e.type === 'message_delta');
    expect(streamComplete(events.slice(0, deltaAt))).toBe(false);
    expect(streamComplete(events.slice(0, deltaAt + 1))).toBe(true);
    expect(streamComplete(events)).toBe(true);
    expect(streamComplete([])).toBe(false);
  });

  it('restreamEvents: copies without pings, and completes a recording drained up to its stop reason', async () => {
    const events = eventsOf(messageOf(defaultPlanner(body), body)) as unknown as RawMessageStreamEvent[];
    const replay = restreamEvents(events);
    expect(replay.some((e) => (e as { type: string }).type === 'ping')).toBe(false);
    expect(replay[0]).not.toBe(events[0]);
    const drained = restreamEvents(events.slice(0, -1));
    expect(drained.at(-1)?.type).toBe('message_stop');
    expect(await accumulate(drained)).toEqual(assembleMessage(events));
  });
});

describe('anthropicCodec', () => {
  const codec = anthropicCodec();
  const ok = FIXTURES.text as Message;

  it('stores end_turn, tool_use and stop_sequence answers; not max_tokens, pause_turn, refusal or empty ones', () => {
    const request = { params: {} };
    const storable = (m: Partial<Message>) => codec.storable?.({ ...ok, ...m } as Message, request);
    expect(
      ['end_turn', 'tool_use', 'stop_sequence'].map((r) => storable({ stop_reason: r as never })),
    ).toEqual([true, true, true]);
    for (const reason of ['max_tokens', 'pause_turn', 'refusal', 'model_context_window_exceeded']) {
      expect(storable({ stop_reason: reason as never })).toBe(false);
    }
    expect(storable({ content: [] })).toBe(false);
    expect(storable({ stop_reason: null })).toBe(false);
    const custom = anthropicCodec({ storedStopReasons: ['end_turn', 'max_tokens'] });
    expect(custom.storable?.({ ...ok, stop_reason: 'max_tokens' }, request)).toBe(true);
    expect(custom.storable?.({ ...ok, stop_reason: 'tool_use' }, request)).toBe(false);
  });

  it('reports usage (prompt tokens include cache writes and reads) and the model', () => {
    expect(codec.usage?.(ok)).toEqual({ promptTokens: 149, completionTokens: 33, totalTokens: 182 });
    expect(codec.model?.(ok, { params: { model: 'asked' } })).toBe('claude-test');
  });
});
