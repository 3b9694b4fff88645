/**
 * Conversions between the streamed and the non-streamed form of one answer, so that a streamed
 * and a non-streamed call of the same request share a cache entry.
 *
 * - chat: chunks -> `ChatCompletion` (deltas accumulated) and back (one content chunk and one
 *   finish chunk per choice, plus the usage chunk when asked for);
 * - responses: events -> `Response` (the terminal event carries it) and back (the usual event
 *   sequence with the whole text in one delta).
 *
 * @module
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether `value` is a non-array object. */
export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const concat = (a: unknown, b: unknown): unknown => (typeof b === 'string' ? `${a ?? ''}${b}` : a);

interface ChoiceAcc {
  message: Json;
  tools: Json[];
  finish: unknown;
  logprobs: Json | null;
}

function accumulateDelta(acc: ChoiceAcc, choice: Json): void {
  const delta = isRecord(choice.delta) ? choice.delta : {};
  const message = acc.message;
  if (typeof delta.role === 'string') message.role = delta.role;
  message.content = concat(message.content, delta.content);
  message.refusal = concat(message.refusal, delta.refusal);
  for (const call of list(delta.tool_calls)) {
    if (!isRecord(call)) continue;
    const index = typeof call.index === 'number' ? call.index : acc.tools.length;
    const tool = acc.tools[index] ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
    acc.tools[index] = tool;
    if (typeof call.id === 'string') tool.id = call.id;
    if (typeof call.type === 'string') tool.type = call.type;
    const fn = tool.function as Json;
    if (isRecord(call.function)) {
      fn.name = concat(fn.name, call.function.name);
      fn.arguments = concat(fn.arguments, call.function.arguments);
    }
  }
  if (isRecord(delta.function_call)) {
    const fn: Json = isRecord(message.function_call) ? message.function_call : { name: '', arguments: '' };
    message.function_call = fn;
    fn.name = concat(fn.name, delta.function_call.name);
    fn.arguments = concat(fn.arguments, delta.function_call.arguments);
  }
  if (Array.isArray(delta.annotations)) message.annotations = delta.annotations;
  if (isRecord(delta.audio)) {
    const audio: Json = isRecord(message.audio) ? message.audio : {};
    message.audio = audio;
    if (delta.audio.id != null) audio.id = delta.audio.id;
    if (delta.audio.data != null) audio.data = concat(audio.data, delta.audio.data);
    if (delta.audio.transcript != null) audio.transcript = concat(audio.transcript, delta.audio.transcript);
    if (delta.audio.expires_at != null) audio.expires_at = delta.audio.expires_at;
  }
  if (choice.finish_reason !== null && choice.finish_reason !== undefined) acc.finish = choice.finish_reason;
  if (isRecord(choice.logprobs)) {
    const target = acc.logprobs ?? { content: null, refusal: null };
    acc.logprobs = target;
    for (const field of ['content', 'refusal']) {
      const items = choice.logprobs[field];
      if (Array.isArray(items)) target[field] = [...list(target[field]), ...items];
    }
  }
}

/** The `ChatCompletion` that a list of chat chunks stands for. */
export function chatChunksToCompletion(chunks: readonly unknown[]): Json {
  let head: Json | undefined;
  let usage: unknown;
  const choices = new Map<number, ChoiceAcc>();
  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    head ??= chunk;
    if (isRecord(chunk.usage)) usage = chunk.usage;
    for (const choice of list(chunk.choices)) {
      if (!isRecord(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let acc = choices.get(index);
      if (!acc) {
        acc = {
          message: { role: 'assistant', content: null, refusal: null },
          tools: [],
          finish: null,
          logprobs: null,
        };
        choices.set(index, acc);
      }
      accumulateDelta(acc, choice);
    }
  }
  const completion: Json = {
    id: head?.id,
    object: 'chat.completion',
    created: head?.created,
    model: head?.model,
    choices: [...choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, acc]) => ({
        index,
        message:
          acc.tools.length > 0 ? { ...acc.message, tool_calls: acc.tools.filter(Boolean) } : acc.message,
        logprobs: acc.logprobs,
        finish_reason: acc.finish,
      })),
  };
  for (const field of ['system_fingerprint', 'service_tier']) {
    if (head?.[field] !== undefined) completion[field] = head[field];
  }
  if (usage !== undefined) completion.usage = usage;
  return completion;
}

/**
 * Chunks that replay a `ChatCompletion` as the API streams it (`includeUsage`: as with
 * `stream_options.include_usage`): per choice a role chunk without logprobs, then the content
 * (with its logprobs, annotations and audio), the refusal (with its logprobs), one delta per tool
 * call (by index), then the finish chunk; last a usage chunk when asked for and the answer has usage.
 */
export function chatCompletionToChunks(completion: Json, includeUsage: boolean): Json[] {
  const base: Json = { id: completion.id, object: 'chat.completion.chunk', created: completion.created };
  base.model = completion.model;
  for (const field of ['system_fingerprint', 'service_tier']) {
    if (completion[field] !== undefined) base[field] = completion[field];
  }
  const chunk = (choice: Json): Json =>
    includeUsage ? { ...base, choices: [choice], usage: null } : { ...base, choices: [choice] };
  const chunks: Json[] = [];
  for (const choice of list(completion.choices)) {
    if (!isRecord(choice)) continue;
    const message = isRecord(choice.message) ? choice.message : {};
    const logprobs = isRecord(choice.logprobs) ? choice.logprobs : undefined;
    const { index } = choice;
    const piece = (delta: Json, lp: Json | null = null) =>
      chunks.push(chunk({ index, delta, logprobs: lp, finish_reason: null }));
    piece({ role: message.role ?? 'assistant' });
    const extra: Json = {};
    if (message.annotations !== undefined) extra.annotations = message.annotations;
    if (message.audio !== undefined && message.audio !== null) extra.audio = message.audio;
    const contentLp =
      logprobs && Array.isArray(logprobs.content) ? { content: logprobs.content, refusal: null } : null;
    if (typeof message.content === 'string' && message.content.length > 0) {
      piece({ content: message.content, ...extra }, contentLp);
    } else if (Object.keys(extra).length > 0 || contentLp) {
      piece(extra, contentLp);
    }
    if (typeof message.refusal === 'string' && message.refusal.length > 0) {
      const refusalLp =
        logprobs && Array.isArray(logprobs.refusal) ? { content: null, refusal: logprobs.refusal } : null;
      piece({ refusal: message.refusal }, refusalLp);
    }
    list(message.tool_calls).forEach((tool, toolIndex) => {
      if (isRecord(tool)) piece({ tool_calls: [{ index: toolIndex, ...tool }] });
    });
    if (message.function_call !== undefined && message.function_call !== null)
      piece({ function_call: message.function_call });
    chunks.push(chunk({ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }));
  }
  if (includeUsage && completion.usage !== undefined && completion.usage !== null)
    chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

/** Recorded chat chunks as a caller with (or without) `include_usage` receives them. */
export function adaptChatChunks(chunks: readonly unknown[], includeUsage: boolean): unknown[] {
  if (includeUsage) return [...chunks];
  const out: unknown[] = [];
  for (const chunk of chunks) {
    if (!isRecord(chunk) || !('usage' in chunk)) {
      out.push(chunk);
    } else if (list(chunk.choices).length > 0 || !isRecord(chunk.usage)) {
      const { usage: _usage, ...rest } = chunk;
      out.push(rest);
    }
  }
  return out;
}

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

function itemEvents(item: Json, outputIndex: number, emit: (type: string, data: Json) => void): void {
  const where = { item_id: item.id, output_index: outputIndex };
  if (item.type === 'message') {
    emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, status: 'in_progress', content: [] },
    });
    list(item.content).forEach((value, contentIndex) => {
      const part = isRecord(value) ? value : {};
      const at = { ...where, content_index: contentIndex };
      if (part.type === 'output_text') {
        emit('response.content_part.added', { ...at, part: { ...part, text: '', annotations: [] } });
        const logprobs = Array.isArray(part.logprobs) ? part.logprobs : [];
        emit('response.output_text.delta', { ...at, delta: part.text, logprobs });
        emit('response.output_text.done', { ...at, text: part.text, logprobs });
      } else if (part.type === 'refusal') {
        emit('response.content_part.added', { ...at, part: { ...part, refusal: '' } });
        emit('response.refusal.delta', { ...at, delta: part.refusal });
        emit('response.refusal.done', { ...at, refusal: part.refusal });
      } else {
        emit('response.content_part.added', { ...at, part });
      }
      emit('response.content_part.done', { ...at, part });
    });
  } else if (item.type === 'reasoning') {
    emit('response.output_item.added', { output_index: outputIndex, item: { ...item, summary: [] } });
    list(item.summary).forEach((value, summaryIndex) => {
      const part = isRecord(value) ? value : {};
      const at = { ...where, summary_index: summaryIndex };
      emit('response.reasoning_summary_part.added', { ...at, part: { ...part, text: '' } });
      emit('response.reasoning_summary_text.delta', { ...at, delta: part.text });
      emit('response.reasoning_summary_text.done', { ...at, text: part.text });
      emit('response.reasoning_summary_part.done', { ...at, part });
    });
  } else if (item.type === 'function_call') {
    emit('response.output_item.added', {
      output_index: outputIndex,
      item: { ...item, arguments: '', status: 'in_progress' },
    });
    emit('response.function_call_arguments.delta', { ...where, delta: item.arguments });
    emit('response.function_call_arguments.done', { ...where, name: item.name, arguments: item.arguments });
  } else {
    emit('response.output_item.added', { output_index: outputIndex, item });
  }
  emit('response.output_item.done', { output_index: outputIndex, item });
}

/** Events that replay a `Response` as a responses stream. */
export function responseToEvents(response: Json): Json[] {
  const { output_text: _text, ...plain } = response;
  const events: Json[] = [];
  const emit = (type: string, data: Json) => events.push({ type, ...data, sequence_number: events.length });
  const pending = { ...plain, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  list(plain.output).forEach((item, index) => {
    if (isRecord(item)) itemEvents(item, index, emit);
  });
  const terminal = plain.status === 'incomplete' ? 'response.incomplete' : 'response.completed';
  emit(plain.status === 'failed' ? 'response.failed' : terminal, { response: plain });
  return events;
}
