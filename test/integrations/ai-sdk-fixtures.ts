/**
 * Model answers for the ai-sdk suites, shaped for each specification version (`usage` and
 * `finishReason` differ between V2 and V3/V4; everything else is shared).
 */

/** The specification version of the SDK under test. */
export type SpecVersion = 'v2' | 'v3' | 'v4';

export const TIMESTAMP = new Date('2026-01-02T03:04:05.000Z');

export function usage(version: SpecVersion): Record<string, unknown> {
  return version === 'v2'
    ? { inputTokens: 10, outputTokens: 20, totalTokens: 30, reasoningTokens: 5 }
    : {
        inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: 20, text: 15, reasoning: 5 },
      };
}

export function finishReason(version: SpecVersion, reason: string): unknown {
  return version === 'v2' ? reason : { unified: reason, raw: reason };
}

const response = { id: 'resp-1', timestamp: TIMESTAMP, modelId: 'mock-model-2026' };

/** A `doGenerate` result: reasoning, then text. */
export function textResult(version: SpecVersion, text = 'Paris is the capital of France.') {
  return {
    content: [
      { type: 'reasoning', text: 'The user asks for a capital.' },
      { type: 'text', text },
    ],
    finishReason: finishReason(version, 'stop'),
    usage: usage(version),
    warnings: [],
    response,
    providerMetadata: { mock: { requestId: 'r-1' } },
  };
}

/** The stream of the same answer: reasoning deltas, text deltas, finish with usage. */
export function textParts(version: SpecVersion, text = 'Paris is the capital of France.') {
  const words = text.split(/(?<= )/);
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', ...response },
    { type: 'reasoning-start', id: 'r0' },
    { type: 'reasoning-delta', id: 'r0', delta: 'The user asks ' },
    { type: 'reasoning-delta', id: 'r0', delta: 'for a capital.' },
    { type: 'reasoning-end', id: 'r0' },
    { type: 'text-start', id: 't0' },
    ...words.map((delta) => ({ type: 'text-delta', id: 't0', delta })),
    { type: 'text-end', id: 't0' },
    {
      type: 'finish',
      finishReason: finishReason(version, 'stop'),
      usage: usage(version),
      providerMetadata: { mock: { requestId: 'r-1' } },
    },
  ];
}

const INPUT = '{"city":"Paris"}';

/** A `doGenerate` result that calls the `weather` tool. */
export function toolResult(version: SpecVersion) {
  return {
    content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: INPUT }],
    finishReason: finishReason(version, 'tool-calls'),
    usage: usage(version),
    warnings: [],
    response,
  };
}

/** The stream of the same tool call: input deltas, the tool call, finish. */
export function toolParts(version: SpecVersion) {
  return [
    { type: 'stream-start', warnings: [] },
    { type: 'response-metadata', ...response },
    { type: 'tool-input-start', id: 'call-1', toolName: 'weather' },
    { type: 'tool-input-delta', id: 'call-1', delta: '{"city":' },
    { type: 'tool-input-delta', id: 'call-1', delta: '"Paris"}' },
    { type: 'tool-input-end', id: 'call-1' },
    { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: INPUT },
    { type: 'finish', finishReason: finishReason(version, 'tool-calls'), usage: usage(version) },
  ];
}

/** A `doGenerate` result whose text is a JSON object (for generateObject). */
export function objectResult(version: SpecVersion) {
  return {
    ...textResult(version, '{"city":"Paris","country":"France"}'),
    content: [{ type: 'text', text: '{"city":"Paris","country":"France"}' }],
  };
}

/**
 * `value` (a deep copy) without what differs between any two calls: the cache's own entry in every
 * `providerMetadata`, and the timing measurements `ai` 7 adds to its parts (`performance`).
 */
export function withoutCacheMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheMetadata);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'performance') continue;
    if (key === 'providerMetadata' && item && typeof item === 'object') {
      const { 'ai-response-cache': _ours, ...rest } = item as Record<string, unknown>;
      if (Object.keys(rest).length > 0) out[key] = withoutCacheMetadata(rest);
    } else {
      out[key] = withoutCacheMetadata(item);
    }
  }
  return out;
}
