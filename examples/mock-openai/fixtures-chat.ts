/**
 * Chat completion fixtures of the mock server: each answer as the API returns it (`json`) and as
 * the API streams it with `stream_options: { include_usage: true }` (`chunks`: every chunk with
 * `usage: null`, the usage chunk last). {@link chatFixtureChunks} derives what a caller without
 * `include_usage` receives. The two forms of one fixture agree: openai's own
 * `ChatCompletionStream` accumulates `chunks` into exactly `json` (a test proves it).
 *
 * The streams follow the shapes the API sends: a role chunk (`content: ''` for text, `null` for
 * tool calls and audio; `logprobs: { content: [], refusal: null }` when logprobs were asked
 * for), one token per content chunk with its logprobs, parallel tool calls one after the other
 * (each opened by a delta with its `id`, `type` and `name`), `n > 1` choices interleaved, search
 * citations in an `annotations` delta, and audio as `gpt-4o-audio-preview` streams it (transcript
 * first, then the role with the audio id and data, ending with an `expires_at`-only delta and no
 * `finish_reason` at all).
 *
 * @module
 */

type Json = Record<string, unknown>;

/** One chat answer in both forms. */
export interface ChatFixture {
  /** The `ChatCompletion` of a non-streaming call (with usage). */
  readonly json: Json;
  /** The `ChatCompletionChunk`s of a streaming call with `include_usage`. */
  readonly chunks: readonly Json[];
}

/** Names of the chat fixtures. */
export type ChatFixtureName = 'logprobs' | 'tool-calls' | 'n2' | 'refusal' | 'audio' | 'annotations';

const CREATED = 1_760_000_000;
const MODEL = 'gpt-4o-mini-2024-07-18';

const usage = (prompt: number, completion: number): Json => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
});

/** A token's logprob as the API reports it (with one alternative). */
const lp = (token: string, logprob: number): Json => ({
  token,
  logprob,
  bytes: [...new TextEncoder().encode(token)],
  top_logprobs: [{ token, logprob, bytes: [...new TextEncoder().encode(token)] }],
});

/** Builds one fixture: its id, the answer's choices and usage, and the stream's choice deltas. */
function fixture(name: string, choices: Json[], used: Json, streamed: Json[][]): ChatFixture {
  const head = {
    id: `chatcmpl-fixture-${name}`,
    created: CREATED,
    model: MODEL,
    service_tier: 'default',
    system_fingerprint: 'fp_fixture',
  };
  const chunks: Json[] = streamed.map((deltas) => ({
    ...head,
    object: 'chat.completion.chunk',
    choices: deltas,
    usage: null,
  }));
  chunks.push({ ...head, object: 'chat.completion.chunk', choices: [], usage: used });
  return { json: { ...head, object: 'chat.completion', choices, usage: used }, chunks };
}

/** A stream delta of choice `index` (`extra`: logprobs, finish_reason, or their absence). */
const d = (index: number, delta: Json, extra: Json = {}): Json[] => [
  { index, delta, logprobs: null, finish_reason: null, ...extra },
];

const tokens = ['Hello', ',', ' world', '!'];
const tokenLps = tokens.map((token, i) => lp(token, -0.01 * (i + 1)));

const logprobs = fixture(
  'logprobs',
  [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello, world!', refusal: null },
      logprobs: { content: tokenLps, refusal: null },
      finish_reason: 'stop',
    },
  ],
  usage(9, 4),
  [
    d(0, { role: 'assistant', content: '', refusal: null }, { logprobs: { content: [], refusal: null } }),
    ...tokens.map((token, i) =>
      d(0, { content: token }, { logprobs: { content: [tokenLps[i]], refusal: null } }),
    ),
    d(0, {}, { finish_reason: 'stop' }),
  ],
);

const weather = (id: string, city: string) => ({
  id,
  type: 'function',
  function: { name: 'get_weather', arguments: `{"city":"${city}"}` },
});

const toolCalls = fixture(
  'tool-calls',
  [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [weather('call_fixture_a', 'Paris'), weather('call_fixture_b', 'Tokyo')],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage(52, 36),
  [
    d(0, {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          index: 0,
          id: 'call_fixture_a',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
      refusal: null,
    }),
    d(0, { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
    d(0, { tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
    d(0, {
      tool_calls: [
        {
          index: 1,
          id: 'call_fixture_b',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
      ],
    }),
    d(0, { tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] }),
    d(0, { tool_calls: [{ index: 1, function: { arguments: '"Tokyo"}' } }] }),
    d(0, {}, { finish_reason: 'tool_calls' }),
  ],
);

const n2 = fixture(
  'n2',
  [
    {
      index: 0,
      message: { role: 'assistant', content: 'Red apples.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
    {
      index: 1,
      message: { role: 'assistant', content: 'Green pears.', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage(11, 6),
  [
    d(0, { role: 'assistant', content: '', refusal: null }),
    d(1, { role: 'assistant', content: '', refusal: null }),
    d(0, { content: 'Red' }),
    d(1, { content: 'Green' }),
    d(1, { content: ' pears' }),
    d(0, { content: ' apples' }),
    d(0, { content: '.' }),
    d(1, { content: '.' }),
    d(1, {}, { finish_reason: 'stop' }),
    d(0, {}, { finish_reason: 'stop' }),
  ],
);

const refusalTokens = ["I'm", ' sorry', ',', " I can't", ' help', '.'];
const refusalLps = refusalTokens.map((token, i) => lp(token, -0.02 * (i + 1)));

const refusal = fixture(
  'refusal',
  [
    {
      index: 0,
      message: { role: 'assistant', content: null, refusal: refusalTokens.join('') },
      logprobs: { content: null, refusal: refusalLps },
      finish_reason: 'stop',
    },
  ],
  usage(30, 6),
  [
    d(0, { role: 'assistant', content: null, refusal: '' }),
    ...refusalTokens.map((token, i) =>
      d(0, { refusal: token }, { logprobs: { content: null, refusal: [refusalLps[i]] } }),
    ),
    d(0, {}, { finish_reason: 'stop' }),
  ],
);

const audioData = ['UklGRiQAAABXQVZF', 'Zm10IBAAAAABAAEA', 'QB8AAIA+AAACABAA'];

const audio = fixture(
  'audio',
  [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        audio: {
          id: 'audio_fixture_1',
          data: audioData.join(''),
          expires_at: CREATED + 3600,
          transcript: 'Hello there!',
        },
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage(14, 40),
  [
    [{ index: 0, delta: { audio: { transcript: 'Hello' } }, finish_reason: null }],
    [
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: null,
          refusal: null,
          audio: { id: 'audio_fixture_1', data: audioData[0] },
        },
        finish_reason: null,
      },
    ],
    [{ index: 0, delta: { audio: { transcript: ' there!', data: audioData[1] } }, finish_reason: null }],
    [{ index: 0, delta: { audio: { data: audioData[2] } }, finish_reason: null }],
    // The API ends an audio answer with an `expires_at`-only delta and no `finish_reason`.
    [{ index: 0, delta: { audio: { expires_at: CREATED + 3600 } } }],
  ],
);

const citations = [
  {
    type: 'url_citation',
    url_citation: {
      url: 'https://example.com/paris?utm_source=openai',
      title: 'Paris - Example',
      start_index: 0,
      end_index: 21,
    },
  },
  {
    type: 'url_citation',
    url_citation: {
      url: 'https://example.org/france?utm_source=openai',
      title: 'France',
      start_index: 22,
      end_index: 38,
    },
  },
];

const annotations = fixture(
  'annotations',
  [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Paris is the capital. It is in France.',
        refusal: null,
        annotations: citations,
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage(8, 10),
  [
    d(0, { role: 'assistant', content: '', refusal: null }),
    d(0, { content: 'Paris is the capital.' }),
    d(0, { content: ' It is in France.' }),
    d(0, { annotations: citations }),
    d(0, {}, { finish_reason: 'stop' }),
  ],
);

/** The chat fixtures by name. */
export const CHAT_FIXTURES: Readonly<Record<ChatFixtureName, ChatFixture>> = Object.freeze({
  logprobs,
  'tool-calls': toolCalls,
  n2,
  refusal,
  audio,
  annotations,
});

/**
 * The chunks a caller receives from the API: with `include_usage` the fixture's chunks; without
 * it no `usage` field and no usage chunk.
 */
export function chatFixtureChunks(fixture: ChatFixture, includeUsage: boolean): Json[] {
  const copies = structuredClone(fixture.chunks) as Json[];
  if (includeUsage) return copies;
  return copies
    .filter((chunk) => (chunk.choices as unknown[]).length > 0)
    .map(({ usage: _usage, ...rest }) => rest);
}
