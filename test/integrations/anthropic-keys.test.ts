/**
 * What of an Anthropic request is in its key (and what is not), which requests bypass the cache,
 * and the mock server the integration tests use (checked with the real SDK, no cache).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockAnthropic, startMockAnthropic } from '../../examples/mock-anthropic/server.js';
import { stableStringify } from '../../src/index.js';
import { anthropicCodec } from '../../src/integrations/anthropic/index.js';
import { baseUrlScope, betasOf, bypassReason, isSampled } from '../../src/integrations/anthropic/keys.js';

const codec = anthropicCodec();
const key = (params: Record<string, unknown>, betas?: string[]) =>
  stableStringify(codec.keyMaterial(betas ? { params, betas } : { params }));

const BASE = {
  model: 'claude-test',
  max_tokens: 256,
  messages: [{ role: 'user' as const, content: 'What is a cache?' }],
};

describe('anthropic key material', () => {
  it('leaves out stream and metadata.user_id, nothing else', () => {
    expect(key({ ...BASE, stream: true })).toBe(key(BASE));
    expect(key({ ...BASE, metadata: { user_id: 'u-1' } })).toBe(key(BASE));
    expect(key({ ...BASE, metadata: { user_id: 'u-1' } })).toBe(
      key({ ...BASE, metadata: { user_id: 'u-2' } }),
    );
    // An unknown metadata field might matter: kept.
    expect(key({ ...BASE, metadata: { user_id: 'u', other: 1 } })).not.toBe(key(BASE));
  });

  it('keeps every answer-relevant field apart', () => {
    const variants: Record<string, unknown>[] = [
      { ...BASE, model: 'claude-other' },
      { ...BASE, max_tokens: 257 },
      { ...BASE, messages: [{ role: 'user', content: 'What is a cache!' }] },
      { ...BASE, system: 'Be brief.' },
      { ...BASE, temperature: 0 },
      { ...BASE, top_p: 0.9 },
      { ...BASE, top_k: 5 },
      { ...BASE, stop_sequences: ['\n'] },
      { ...BASE, tools: [{ name: 'lookup', input_schema: { type: 'object' } }] },
      { ...BASE, tool_choice: { type: 'any' } },
      { ...BASE, thinking: { type: 'enabled', budget_tokens: 1024 } },
      { ...BASE, output_config: { effort: 'low' } },
      { ...BASE, service_tier: 'standard_only' },
      { ...BASE, workspace_id: 'ws-1' },
      {
        ...BASE,
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }],
          },
        ],
      },
    ];
    const keys = new Set([key(BASE), ...variants.map((v) => key(v))]);
    expect(keys.size).toBe(variants.length + 1);
    expect(key(BASE, ['feature-a'])).not.toBe(key(BASE));
  });

  it('is independent of key order', () => {
    const reordered = { messages: BASE.messages, max_tokens: 256, model: 'claude-test' };
    expect(key(reordered)).toBe(key(BASE));
  });

  it('reads anthropic-beta from every header shape, sorted and deduplicated', () => {
    expect(
      betasOf(
        { 'Anthropic-Beta': 'b, a' },
        [['anthropic-beta', 'a']],
        new Headers({ 'anthropic-beta': 'c' }),
      ),
    ).toEqual(['a', 'b', 'c']);
    expect(betasOf(undefined, { 'x-other': 'a' })).toEqual([]);
  });

  it('scopes by the base URL origin and path, never its credentials, query or trailing slash', () => {
    expect(baseUrlScope('https://user:secret@proxy.example.com/anthropic/?k=v')).toBe(
      'https://proxy.example.com/anthropic',
    );
    expect(baseUrlScope('http://127.0.0.1:1234')).toBe('http://127.0.0.1:1234');
    expect(baseUrlScope(undefined)).toBe('https://api.anthropic.com');
    expect(baseUrlScope('http://a.example/v1')).not.toBe(baseUrlScope('http://b.example/v1'));
  });
});

describe('anthropic bypass and sampling', () => {
  it('bypasses requests whose answers depend on server-side state', () => {
    expect(bypassReason({ params: BASE })).toBeUndefined();
    expect(bypassReason({ params: { ...BASE, container: 'container_1' } })).toBe('container');
    expect(bypassReason({ params: { ...BASE, diagnostics: { previous_message_id: null } } })).toBe(
      'diagnostics',
    );
    expect(
      bypassReason({
        params: { ...BASE, tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] },
      }),
    ).toBe('tool:code_execution_20250825');
    expect(
      bypassReason({ params: { ...BASE, tools: [{ type: 'web_search_20250305', name: 'web_search' }] } }),
    ).toBeUndefined();
  });

  it('counts a request as sampled unless temperature is 0 or top_k is 1 (the API samples at 1 by default)', () => {
    expect(isSampled({ params: BASE })).toBe(true);
    expect(isSampled({ params: { ...BASE, temperature: 0.7 } })).toBe(true);
    expect(isSampled({ params: { ...BASE, temperature: 0 } })).toBe(false);
    expect(isSampled({ params: { ...BASE, top_k: 1 } })).toBe(false);
  });
});

describe('mock Anthropic server (real SDK, no cache)', () => {
  let server: MockAnthropic;
  let client: Anthropic;
  beforeAll(async () => {
    server = await startMockAnthropic();
    client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('answers JSON and SSE with the same message (but fresh ids), and counts calls', async () => {
    server.resetCalls();
    const params = { ...BASE, thinking: { type: 'enabled' as const, budget_tokens: 1024 } };
    const json = await client.messages.create(params);
    const streamed = await client.messages.stream(params).finalMessage();
    const { parsed_output, ...accumulated } = streamed;
    expect(parsed_output ?? null).toBeNull();
    expect({ ...accumulated, id: 'x' }).toEqual({ ...json, id: 'x' });
    expect(json.id).not.toBe(accumulated.id);
    expect(json.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(server.calls).toMatchObject({ total: 2, streamed: 1, failed: 0 });
  });

  it('answers tool use and truncation by marker and max_tokens', async () => {
    const tools = [{ name: 'lookup', input_schema: { type: 'object' as const } }];
    const tool = await client.messages.create({
      ...BASE,
      tools,
      messages: [{ role: 'user', content: 'Find it [[tool]]' }],
    });
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'lookup' });
    const short = await client.messages.create({ ...BASE, max_tokens: 3 });
    expect(short.stop_reason).toBe('max_tokens');
  });

  it('fails on request, and mid-stream with an error event', async () => {
    server.failNext(1, 529);
    await expect(client.messages.create(BASE)).rejects.toMatchObject({ status: 529 });
    server.failMidStream(1);
    await expect(client.messages.stream(BASE).finalMessage()).rejects.toThrow(/Overloaded/);
  });
});
