/**
 * Conversions between the streamed and the non-streamed form of one Responses API answer:
 * events -> `Response` (the terminal event carries it) and `Response` -> the events the API
 * streams for it, so that a streamed and a non-streamed call share a cache entry. Pure: inputs
 * are never modified.
 *
 * @module
 */
import { isRecord, type Json, list, present } from './json.js';

const TERMINAL_EVENTS = ['response.completed', 'response.incomplete', 'response.failed'];

/** Adds the SDK's `output_text` convenience field (concatenated output text) to a `Response`. */
export function withOutputText(response: Json): Json {
  const texts: string[] = [];
  for (const item of list(response.output)) {
    if (!isRecord(item) || item.type !== 'message') continue;
    for (const part of list(item.content)) {
      if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string')
        texts.push(part.text);
    }
  }
  return { ...response, output_text: texts.join('') };
}

/** The `Response` carried by the terminal event of a responses stream, if it has one. */
export function responseEventsToResponse(events: readonly unknown[]): Json | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (isRecord(event) && TERMINAL_EVENTS.includes(String(event.type)) && isRecord(event.response)) {
      return withOutputText(event.response);
    }
  }
  return undefined;
}

type Emit = (type: string, data: Json) => void;

/** Pieces of `text`: one per logprob token when the tokens spell it, else the whole text. */
function pieces(text: string, logprobs: unknown): { delta: string; logprobs: unknown[] }[] {
  const items = list(logprobs);
  const tokens = items.map((item) => (isRecord(item) ? item.token : undefined));
  if (items.length > 0 && tokens.every((t) => typeof t === 'string' && t) && tokens.join('') === text) {
    return items.map((item, i) => ({ delta: tokens[i] as string, logprobs: [item] }));
  }
  return text.length > 0 || items.length > 0 ? [{ delta: text, logprobs: items }] : [];
}

function messageEvents(item: Json, where: Json, emit: Emit): void {
  list(item.content).forEach((value, contentIndex) => {
    const part = isRecord(value) ? value : {};
    const at = { ...where, content_index: contentIndex };
    if (part.type === 'output_text') {
      const text = typeof part.text === 'string' ? part.text : '';
      const opening: Json = { ...part, annotations: [], text: '' };
      if ('logprobs' in part) opening.logprobs = [];
      emit('response.content_part.added', { ...at, part: opening });
      for (const piece of pieces(text, part.logprobs)) {
        emit('response.output_text.delta', { ...at, delta: piece.delta, logprobs: piece.logprobs });
      }
      list(part.annotations).forEach((annotation, annotationIndex) => {
        emit('response.output_text.annotation.added', {
          ...at,
          annotation_index: annotationIndex,
          annotation,
        });
      });
      emit('response.output_text.done', { ...at, text, logprobs: list(part.logprobs) });
    } else if (part.type === 'refusal') {
      emit('response.content_part.added', { ...at, part: { ...part, refusal: '' } });
      if (typeof part.refusal === 'string' && part.refusal)
        emit('response.refusal.delta', { ...at, delta: part.refusal });
      emit('response.refusal.done', { ...at, refusal: part.refusal });
    } else {
      emit('response.content_part.added', { ...at, part });
    }
    emit('response.content_part.done', { ...at, part });
  });
}

function reasoningEvents(item: Json, where: Json, emit: Emit): void {
  list(item.summary).forEach((value, summaryIndex) => {
    const part = isRecord(value) ? value : {};
    const at = { ...where, summary_index: summaryIndex };
    emit('response.reasoning_summary_part.added', { ...at, part: { ...part, text: '' } });
    if (typeof part.text === 'string' && part.text)
      emit('response.reasoning_summary_text.delta', { ...at, delta: part.text });
    emit('response.reasoning_summary_text.done', { ...at, text: part.text });
    emit('response.reasoning_summary_part.done', { ...at, part });
  });
  list(item.content).forEach((value, contentIndex) => {
    const part = isRecord(value) ? value : {};
    const at = { ...where, content_index: contentIndex };
    const text = part.type === 'reasoning_text' && typeof part.text === 'string' ? part.text : undefined;
    emit('response.content_part.added', { ...at, part: text === undefined ? part : { ...part, text: '' } });
    if (text) emit('response.reasoning_text.delta', { ...at, delta: text });
    if (text !== undefined) emit('response.reasoning_text.done', { ...at, text });
    emit('response.content_part.done', { ...at, part });
  });
}

function itemEvents(item: Json, outputIndex: number, emit: Emit): void {
  const where = { item_id: item.id, output_index: outputIndex };
  const added = (opening: Json) =>
    emit('response.output_item.added', { output_index: outputIndex, item: opening });
  if (item.type === 'message') {
    added({ ...item, status: 'in_progress', content: [] });
    messageEvents(item, where, emit);
  } else if (item.type === 'reasoning') {
    added(Array.isArray(item.content) ? { ...item, summary: [], content: [] } : { ...item, summary: [] });
    reasoningEvents(item, where, emit);
  } else if (item.type === 'function_call' && typeof item.arguments === 'string') {
    added({ ...item, arguments: '', status: 'in_progress' });
    if (item.arguments) emit('response.function_call_arguments.delta', { ...where, delta: item.arguments });
    emit('response.function_call_arguments.done', { ...where, name: item.name, arguments: item.arguments });
  } else if (item.type === 'custom_tool_call' && typeof item.input === 'string') {
    added({ ...item, input: '' });
    if (item.input) emit('response.custom_tool_call_input.delta', { ...where, delta: item.input });
    emit('response.custom_tool_call_input.done', { ...where, input: item.input });
  } else {
    added(item);
  }
  emit('response.output_item.done', { output_index: outputIndex, item });
}

/**
 * Events that replay a `Response` as the API streams it: `response.created` and
 * `response.in_progress` (the response pending: no output, no usage), per output item
 * `output_item.added`, its parts and deltas (output text one delta per logprob token when the
 * tokens spell it, each with its logprobs, then `output_text.annotation.added` per annotation;
 * refusals; reasoning summaries and reasoning text; function-call arguments and custom tool
 * input), `output_item.done`; last the terminal event (`response.completed`, `.incomplete` or
 * `.failed`) carrying the response. openai's `ResponseStream` accumulates them into `response`.
 */
export function responseToEvents(response: Json): Json[] {
  const { output_text: _text, ...plain } = response;
  const events: Json[] = [];
  const emit: Emit = (type, data) => {
    events.push({ type, ...data, sequence_number: events.length });
  };
  const pending: Json = { ...plain, status: 'in_progress', output: [], usage: null };
  for (const field of ['completed_at', 'error', 'incomplete_details']) {
    if (present(pending[field])) pending[field] = null;
  }
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  list(plain.output).forEach((item, index) => {
    if (isRecord(item)) itemEvents(item, index, emit);
  });
  const terminal = plain.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
  emit(plain.status === 'failed' ? 'response.failed' : terminal, { response: plain });
  return events;
}
