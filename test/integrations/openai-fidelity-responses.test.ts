import { describe, expect, it } from 'vitest';
import { RESPONSES_FIXTURES } from '../../examples/mock-openai/fixtures.js';
import {
  answerComplete,
  assembleChunks,
  replayAnswer,
  restreamChunks,
} from '../../src/integrations/openai/answers.js';
import { responseToEvents } from '../../src/integrations/openai/responses-events.js';
import {
  accumulateBeforeTerminal,
  accumulateResponses,
  answerTexts,
  deltaTexts,
  type Json,
  withSdkOutputText,
} from '../helpers/openai-fidelity.js';

// The Responses half of the stream-fidelity matrix, as pure conversions: every fixture in every
// direction, accumulated by openai's own ResponseStream (finalResponse) and by its event
// accumulation without the terminal event (what the deltas and *.done events alone say).

const responses = 'responses' as const;
const params: Json = { stream: true };

/** Event types with runs of the same delta type collapsed (pieces may be split differently). */
const shape = (events: readonly Json[]): string[] =>
  events
    .map((event) => String(event.type))
    .filter((type, i, types) => !(type.endsWith('.delta') && types[i - 1] === type));

describe.each(Object.entries(RESPONSES_FIXTURES))('responses fixture %s', (_name, fixture) => {
  const answer = withSdkOutputText(fixture.json);
  const upstream = structuredClone(fixture.events) as Json[];

  it('stream -> JSON: the answer openai accumulates, and the JSON answer', async () => {
    const assembled = assembleChunks(responses, upstream);
    expect(assembled).toEqual(answer);
    expect(assembled).toEqual(await accumulateResponses(upstream));
  });

  it('stream -> stream: the events as recorded', async () => {
    const served = restreamChunks(responses, upstream, params);
    expect(served).toEqual(fixture.events);
    expect(await accumulateResponses(served)).toEqual(answer);
  });

  describe('JSON -> stream', () => {
    const replayed = replayAnswer(responses, answer, params) as Json[];

    it("openai's ResponseStream accumulates exactly the JSON answer", async () => {
      expect(await accumulateResponses(replayed)).toEqual(answer);
      expect(assembleChunks(responses, replayed)).toEqual(answer);
    });

    it('the events before the terminal one already build the whole output (summaries, logprobs, citations)', () => {
      expect(accumulateBeforeTerminal(replayed).output).toEqual(fixture.json.output);
      expect(deltaTexts(replayed)).toEqual(answerTexts(fixture.json));
    });

    it('has the shape the API streams: the same event types in the same order, numbered from 0', () => {
      expect(shape(replayed)).toEqual(shape(fixture.events));
      expect(replayed.map((event) => event.sequence_number)).toEqual(replayed.map((_, i) => i));
      expect(replayed[0]).toMatchObject({
        type: 'response.created',
        response: { status: 'in_progress', output: [], usage: null },
      });
    });

    // The API does not announce how many output items follow: between two items the answer
    // may be complete (a consumer stopping there leaves the rest to be read in the background).
    it('answerComplete is false inside every output item, true once every item added is done', () => {
      let open = 0;
      replayed.forEach((event, i) => {
        if (event.type === 'response.output_item.added') open++;
        if (event.type === 'response.output_item.done') open--;
        const itemsSoFar = replayed.slice(0, i + 1).some((e) => e.type === 'response.output_item.added');
        expect(answerComplete(responses, replayed.slice(0, i + 1))).toBe(itemsSoFar && open === 0);
      });
      expect(answerComplete(responses, replayed)).toBe(true);
    });
  });
});

describe('responses conversions beyond the fixtures', () => {
  it('a text part whose logprobs are split per token replays exactly the events of the API', () => {
    expect(responseToEvents(withSdkOutputText(RESPONSES_FIXTURES.text.json))).toEqual(
      RESPONSES_FIXTURES.text.events,
    );
  });

  it('the reasoning summary replays as part, delta and done events per summary', () => {
    const events = responseToEvents(RESPONSES_FIXTURES.reasoning.json);
    const done = events.filter((e) => e.type === 'response.reasoning_summary_text.done');
    expect(done.map((e) => [e.summary_index, e.text])).toEqual(
      (RESPONSES_FIXTURES.reasoning.json.output as Json[])
        .flatMap((item) => (item.summary as Json[] | undefined) ?? [])
        .map((part, i) => [i, part.text]),
    );
  });

  it('reasoning text and custom tool input replay through their own events', async () => {
    const response: Json = {
      ...RESPONSES_FIXTURES.reasoning.json,
      output: [
        {
          id: 'rs_x',
          type: 'reasoning',
          summary: [],
          content: [{ type: 'reasoning_text', text: 'Let me think.' }],
        },
        { id: 'ctc_x', type: 'custom_tool_call', call_id: 'call_x', name: 'grep', input: 'foo.*bar' },
      ],
    };
    const events = responseToEvents(response);
    const types = events.map((event) => event.type);
    expect(types).toContain('response.reasoning_text.delta');
    expect(types).toContain('response.custom_tool_call_input.delta');
    expect(accumulateBeforeTerminal(events).output).toEqual(response.output);
    expect(await accumulateResponses(events)).toEqual(withSdkOutputText(response));
  });

  it('an incomplete response replays with response.incomplete', () => {
    const events = responseToEvents({ ...RESPONSES_FIXTURES.text.json, status: 'incomplete' });
    expect(events.at(-1)?.type).toBe('response.incomplete');
  });

  it('drops obfuscation for a caller with include_obfuscation: false', () => {
    const events = RESPONSES_FIXTURES.text.events.map((event) =>
      event.type === 'response.output_text.delta' ? { ...event, obfuscation: 'pad' } : event,
    );
    expect(restreamChunks(responses, events, { stream_options: { include_obfuscation: false } })).toEqual(
      RESPONSES_FIXTURES.text.events,
    );
    expect(restreamChunks(responses, events, params)).toEqual(events);
  });

  it('never modifies its input', () => {
    const answer = structuredClone(RESPONSES_FIXTURES.reasoning.json);
    const frozen = JSON.stringify(answer);
    assembleChunks(responses, responseToEvents(answer));
    expect(JSON.stringify(answer)).toBe(frozen);
  });
});
