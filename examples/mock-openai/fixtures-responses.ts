/**
 * Responses API fixtures of the mock server: each answer as the API returns it (`json`) and the
 * events it streams (`events`), built the way the API builds them: `response.created` and
 * `response.in_progress` with the pending response, per output item `output_item.added`, its
 * parts and deltas (output text one token per delta with the token's logprobs, then
 * `output_text.annotation.added` per citation; reasoning summaries part by part; function-call
 * arguments in pieces), `output_item.done`, and last `response.completed` carrying the answer.
 *
 * @module
 */

type Json = Record<string, unknown>;

/** One Responses answer in both forms. */
export interface ResponsesFixture {
  /** The `Response` of a non-streaming call (as on the wire: without the SDK's `output_text`). */
  readonly json: Json;
  /** The `ResponseStreamEvent`s of a streaming call. */
  readonly events: readonly Json[];
}

/** Names of the Responses fixtures. */
export type ResponsesFixtureName = 'text' | 'reasoning' | 'function-calls' | 'refusal';

const CREATED = 1_760_000_000;

const lp = (token: string, logprob: number): Json => ({
  token,
  logprob,
  bytes: [...new TextEncoder().encode(token)],
  top_logprobs: [{ token, logprob, bytes: [...new TextEncoder().encode(token)] }],
});

/** The response object at the start (`pending`) or the end of a stream. */
function responseObject(name: string, output: Json[], pending: boolean, reasoning: boolean): Json {
  return {
    id: `resp_fixture_${name}`,
    object: 'response',
    created_at: CREATED,
    status: pending ? 'in_progress' : 'completed',
    background: false,
    completed_at: pending ? null : CREATED + 2,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    max_tool_calls: null,
    model: reasoning ? 'o4-mini-2025-04-16' : 'gpt-4.1-mini-2025-04-14',
    output: pending ? [] : output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: reasoning ? { effort: 'medium', summary: 'auto' } : { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: 1,
    truncation: 'disabled',
    usage: pending
      ? null
      : {
          input_tokens: 12,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 20,
          output_tokens_details: { reasoning_tokens: reasoning ? 8 : 0 },
          total_tokens: 32,
        },
    user: null,
    metadata: {},
  };
}

/** How an output item streams: its pieces (text tokens, summary parts, argument pieces). */
type Streamed =
  | { kind: 'text'; tokens: string[]; logprobs: boolean; annotations: Json[] }
  | { kind: 'refusal'; pieces: string[] }
  | { kind: 'summary'; parts: string[][] }
  | { kind: 'arguments'; pieces: string[] };

/** The item as the stream ends it, and how it streams. */
interface ItemPlan {
  item: Json;
  streamed: Streamed;
}

function itemEvents(plan: ItemPlan, outputIndex: number, event: (type: string, data: Json) => void): void {
  const { item, streamed } = plan;
  const where = { item_id: item.id, output_index: outputIndex };
  if (streamed.kind === 'summary') {
    event('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
    streamed.parts.forEach((pieces, summaryIndex) => {
      const at = { ...where, summary_index: summaryIndex };
      const text = pieces.join('');
      event('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } });
      for (const delta of pieces) event('response.reasoning_summary_text.delta', { ...at, delta });
      event('response.reasoning_summary_text.done', { ...at, text });
      event('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text } });
    });
  } else if (streamed.kind === 'arguments') {
    event('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, arguments: '', status: 'in_progress' },
    });
    for (const delta of streamed.pieces) event('response.function_call_arguments.delta', { ...where, delta });
    event('response.function_call_arguments.done', { ...where, name: item.name, arguments: item.arguments });
  } else {
    event('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    });
    const at = { ...where, content_index: 0 };
    const part = (item.content as Json[])[0] as Json;
    if (streamed.kind === 'refusal') {
      event('response.content_part.added', { ...at, part: { type: 'refusal', refusal: '' } });
      for (const delta of streamed.pieces) event('response.refusal.delta', { ...at, delta });
      event('response.refusal.done', { ...at, refusal: part.refusal });
    } else {
      event('response.content_part.added', {
        ...at,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      });
      const all = (part.logprobs as Json[]) ?? [];
      streamed.tokens.forEach((delta, i) => {
        event('response.output_text.delta', { ...at, delta, logprobs: streamed.logprobs ? [all[i]] : [] });
      });
      streamed.annotations.forEach((annotation, annotationIndex) => {
        event('response.output_text.annotation.added', {
          ...at,
          annotation_index: annotationIndex,
          annotation,
        });
      });
      event('response.output_text.done', { ...at, text: part.text, logprobs: all });
    }
    event('response.content_part.done', { ...at, part });
  }
  event('response.output_item.done', { output_index: outputIndex, item });
}

function fixture(name: string, plans: ItemPlan[], reasoning = false): ResponsesFixture {
  const output = plans.map((plan) => plan.item);
  const events: Json[] = [];
  const event = (type: string, data: Json) => {
    events.push({ type, ...data, sequence_number: events.length });
  };
  event('response.created', { response: responseObject(name, output, true, reasoning) });
  event('response.in_progress', { response: responseObject(name, output, true, reasoning) });
  for (const [index, plan] of plans.entries()) itemEvents(plan, index, event);
  const json = responseObject(name, output, false, reasoning);
  event('response.completed', { response: json });
  return { json, events };
}

const message = (id: string, content: Json): Json => ({
  id,
  type: 'message',
  status: 'completed',
  content: [content],
  role: 'assistant',
});

const textTokens = ['The', ' Eiffel', ' Tower', ' is', ' in', ' Paris', '.'];
const citation = {
  type: 'url_citation',
  start_index: 0,
  end_index: 26,
  title: 'Eiffel Tower',
  url: 'https://example.com/eiffel?utm_source=openai',
};

const text = fixture('text', [
  {
    item: message('msg_fixture_text', {
      type: 'output_text',
      annotations: [citation],
      logprobs: textTokens.map((token, i) => lp(token, -0.01 * (i + 1))),
      text: textTokens.join(''),
    }),
    streamed: { kind: 'text', tokens: textTokens, logprobs: true, annotations: [citation] },
  },
]);

const summaries = [
  ['**Planning', ' the answer**\n\n', 'The user asks for a sum.'],
  ['**Checking**\n\n', '2 + 2 is 4.'],
];

const reasoningFixture = fixture(
  'reasoning',
  [
    {
      item: {
        id: 'rs_fixture_1',
        type: 'reasoning',
        summary: summaries.map((pieces) => ({ type: 'summary_text', text: pieces.join('') })),
      },
      streamed: { kind: 'summary', parts: summaries },
    },
    {
      item: message('msg_fixture_reasoning', {
        type: 'output_text',
        annotations: [],
        logprobs: [],
        text: 'It is 4.',
      }),
      streamed: { kind: 'text', tokens: ['It', ' is', ' 4', '.'], logprobs: false, annotations: [] },
    },
  ],
  true,
);

const call = (id: string, callId: string, city: string): ItemPlan => ({
  item: {
    id,
    type: 'function_call',
    status: 'completed',
    arguments: `{"city":"${city}"}`,
    call_id: callId,
    name: 'get_weather',
  },
  streamed: { kind: 'arguments', pieces: ['{"ci', 'ty":', `"${city}"}`] },
});

const functionCalls = fixture('function-calls', [
  call('fc_fixture_a', 'call_fixture_a', 'Paris'),
  call('fc_fixture_b', 'call_fixture_b', 'Tokyo'),
]);

const refusalPieces = ["I'm sorry,", " I can't", ' help with that.'];

const refusal = fixture('refusal', [
  {
    item: message('msg_fixture_refusal', { type: 'refusal', refusal: refusalPieces.join('') }),
    streamed: { kind: 'refusal', pieces: refusalPieces },
  },
]);

/** The Responses fixtures by name. */
export const RESPONSES_FIXTURES: Readonly<Record<ResponsesFixtureName, ResponsesFixture>> = Object.freeze({
  text,
  reasoning: reasoningFixture,
  'function-calls': functionCalls,
  refusal,
});
