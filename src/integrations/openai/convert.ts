/**
 * Conversions between the streamed and the non-streamed form of one chat answer, so that a
 * streamed and a non-streamed call of the same request share a cache entry:
 *
 * - {@link chatChunksToCompletion}: chunks -> `ChatCompletion`, accumulated as openai's own
 *   `ChatCompletionStream` accumulates them (so a recorded stream and its JSON agree);
 * - {@link chatCompletionToChunks}: `ChatCompletion` -> chunks shaped as the API streams them;
 * - {@link adaptChatChunks}: recorded chunks as a caller with or without
 *   `stream_options.include_usage` receives them.
 *
 * All three are pure: they never modify their input. The Responses API conversions live in
 * `./responses-events.ts` (re-exported here).
 *
 * @module
 */
import { isRecord, type Json, list, present } from './json.js';

export { isRecord, type Json } from './json.js';
export { responseEventsToResponse, responseToEvents, withOutputText } from './responses-events.js';

/** A choice being accumulated. */
interface ChoiceAcc {
  message: Json;
  audio: Json | undefined;
  functionCall: Json | undefined;
  tools: Json[];
  finish: unknown;
  logprobs: Json | null;
  other: Json;
  /** The last delta was an `expires_at`-only audio delta (how the API ends an audio answer). */
  audioDone: boolean;
}

const append = (target: Json, field: string, value: unknown): void => {
  // Like the SDK: empty pieces add nothing (a role chunk's `content: ''` leaves `null`).
  if (typeof value === 'string' && value.length > 0) {
    target[field] = `${typeof target[field] === 'string' ? target[field] : ''}${value}`;
  }
};

function accumulateLogprobs(acc: ChoiceAcc, logprobs: unknown): void {
  if (!isRecord(logprobs)) return;
  if (!acc.logprobs) {
    acc.logprobs = { ...logprobs };
    for (const field of ['content', 'refusal']) {
      if (Array.isArray(logprobs[field])) acc.logprobs[field] = [...(logprobs[field] as unknown[])];
    }
    return;
  }
  const target = acc.logprobs;
  for (const [field, value] of Object.entries(logprobs)) {
    if (field !== 'content' && field !== 'refusal') target[field] = value;
    else if (Array.isArray(value)) target[field] = [...list(target[field]), ...value];
  }
}

function accumulateTools(acc: ChoiceAcc, calls: unknown): void {
  for (const call of list(calls)) {
    if (!isRecord(call)) continue;
    const { index, id, type, function: fn, ...rest } = call;
    const slot = typeof index === 'number' ? index : present(id) ? acc.tools.length : acc.tools.length - 1;
    const tool = acc.tools[Math.max(slot, 0)] ?? {};
    acc.tools[Math.max(slot, 0)] = tool;
    Object.assign(tool, rest);
    if (typeof id === 'string' && id) tool.id = id;
    if (typeof type === 'string' && type) tool.type = type;
    if (!isRecord(fn)) continue;
    const target = isRecord(tool.function) ? tool.function : { name: fn.name ?? '', arguments: '' };
    tool.function = target;
    if (typeof fn.name === 'string' && fn.name) target.name = fn.name;
    append(target, 'arguments', fn.arguments);
  }
}

function accumulateAudio(acc: ChoiceAcc, audio: Json): void {
  const target = acc.audio ?? {};
  acc.audio = target;
  if (present(audio.id)) target.id = audio.id;
  if (present(audio.data)) target.data = `${target.data ?? ''}${String(audio.data)}`;
  if (present(audio.transcript)) target.transcript = `${target.transcript ?? ''}${String(audio.transcript)}`;
  if (present(audio.expires_at)) target.expires_at = audio.expires_at;
}

function accumulateChoice(acc: ChoiceAcc, choice: Json): void {
  const { delta, finish_reason, index: _index, logprobs, ...other } = choice;
  accumulateLogprobs(acc, logprobs);
  if (present(finish_reason)) acc.finish = finish_reason;
  Object.assign(acc.other, other);
  if (!isRecord(delta)) return;
  const { audio, content, refusal, function_call, role, tool_calls, ...rest } = delta;
  Object.assign(acc.message, rest);
  acc.audioDone =
    isRecord(audio) &&
    present(audio.expires_at) &&
    !present(audio.id) &&
    !present(audio.data) &&
    !present(audio.transcript) &&
    [content, refusal, function_call, role, tool_calls].every((value) => !present(value)) &&
    Object.keys(rest).length === 0;
  append(acc.message, 'content', content);
  append(acc.message, 'refusal', refusal);
  if (typeof role === 'string') acc.message.role = role;
  if (isRecord(audio)) accumulateAudio(acc, audio);
  if (isRecord(function_call)) {
    const target = acc.functionCall ?? { name: '', arguments: '' };
    acc.functionCall = target;
    if (typeof function_call.name === 'string' && function_call.name) target.name = function_call.name;
    append(target, 'arguments', function_call.arguments);
  }
  accumulateTools(acc, tool_calls);
}

const completeAudio = (audio: Json | undefined): boolean =>
  !!audio && ['id', 'data', 'transcript', 'expires_at'].every((field) => present(audio[field]));

function finalChoice(index: number, acc: ChoiceAcc): Json {
  const message: Json = {
    ...acc.message,
    role: acc.message.role ?? 'assistant',
    content: acc.message.content ?? null,
    refusal: acc.message.refusal ?? null,
  };
  if (acc.audio) message.audio = acc.audio;
  if (acc.functionCall) message.function_call = acc.functionCall;
  const tools = acc.tools.filter(isRecord);
  if (tools.length > 0) message.tool_calls = tools;
  // An audio answer ends with an `expires_at`-only delta and no finish_reason: it stopped.
  const finish = acc.finish ?? (acc.audioDone && completeAudio(acc.audio) ? 'stop' : null);
  return { ...acc.other, index, message, logprobs: acc.logprobs, finish_reason: finish };
}

/**
 * The `ChatCompletion` that a list of chat chunks stands for, accumulated as openai's
 * `ChatCompletionStream` does: content and refusal concatenated, tool calls by `index`, audio
 * pieces joined, logprobs appended, other delta fields (`annotations`) carried onto the message;
 * an audio answer that ends with its `expires_at` delta finished with `'stop'`. Stream-only fields
 * (`obfuscation`) are dropped.
 */
export function chatChunksToCompletion(chunks: readonly unknown[]): Json {
  let head: Json | undefined;
  const choices = new Map<number, ChoiceAcc>();
  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    const { choices: chunkChoices, ...rest } = chunk;
    if (!head) head = { ...rest };
    else if (present(chunk.id)) Object.assign(head, rest);
    for (const choice of list(chunkChoices)) {
      if (!isRecord(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let acc = choices.get(index);
      if (!acc) {
        acc = {
          message: {},
          audio: undefined,
          functionCall: undefined,
          tools: [],
          finish: null,
          logprobs: null,
          other: {},
          audioDone: false,
        };
        choices.set(index, acc);
      }
      accumulateChoice(acc, choice);
    }
  }
  const { obfuscation: _obfuscation, usage, system_fingerprint, ...top } = head ?? {};
  const completion: Json = {
    ...top,
    object: 'chat.completion',
    choices: [...choices.entries()].sort(([a], [b]) => a - b).map(([index, acc]) => finalChoice(index, acc)),
  };
  if (system_fingerprint) completion.system_fingerprint = system_fingerprint;
  if (present(usage)) completion.usage = usage;
  return completion;
}

/** Pieces of `text`: one per logprob token when the tokens spell it, else the whole text. */
function pieces(text: string, tokens: unknown): { text: string; logprobs: unknown[] }[] {
  const items = list(tokens);
  if (items.length > 0) {
    const texts = items.map((item) => (isRecord(item) ? item.token : undefined));
    if (texts.every((t) => typeof t === 'string' && t.length > 0) && texts.join('') === text) {
      return items.map((item, i) => ({ text: texts[i] as string, logprobs: [item] }));
    }
  }
  return text.length > 0 || items.length > 0 ? [{ text, logprobs: items }] : [];
}

const MESSAGE_FIELDS = ['role', 'content', 'refusal', 'tool_calls', 'function_call', 'audio', 'annotations'];

/** The deltas of one choice's message after its role chunk, with their logprobs. */
function messageDeltas(message: Json, logprobs: Json | undefined): { delta: Json; logprobs: Json | null }[] {
  const out: { delta: Json; logprobs: Json | null }[] = [];
  const carried = { content: false, refusal: false };
  for (const field of ['content', 'refusal'] as const) {
    const text = message[field];
    if (typeof text !== 'string') continue;
    const tokens = logprobs?.[field];
    for (const piece of pieces(text, tokens)) {
      const lp = Array.isArray(tokens) ? { content: null, refusal: null, [field]: piece.logprobs } : null;
      carried[field] ||= lp !== null;
      out.push({ delta: { [field]: piece.text }, logprobs: lp });
    }
  }
  if (message.annotations !== undefined)
    out.push({ delta: { annotations: message.annotations }, logprobs: null });
  const rest = Object.fromEntries(
    Object.entries(message).filter(([field, value]) => !MESSAGE_FIELDS.includes(field) && present(value)),
  );
  if (Object.keys(rest).length > 0) out.push({ delta: rest, logprobs: null });
  const audio = message.audio;
  if (isRecord(audio)) {
    const { id, transcript, data, expires_at } = audio;
    const first = Object.fromEntries(Object.entries({ id, transcript }).filter(([, v]) => present(v)));
    if (Object.keys(first).length > 0) out.push({ delta: { audio: first }, logprobs: null });
    if (present(data)) out.push({ delta: { audio: { data } }, logprobs: null });
    if (present(expires_at)) out.push({ delta: { audio: { expires_at } }, logprobs: null });
  }
  for (const [index, tool] of list(message.tool_calls).entries()) {
    if (!isRecord(tool)) continue;
    const { function: fn, ...rest } = tool;
    if (!isRecord(fn)) {
      out.push({ delta: { tool_calls: [{ index, ...tool }] }, logprobs: null });
      continue;
    }
    const opening = { index, ...rest, function: { ...fn, arguments: '' } };
    out.push({ delta: { tool_calls: [opening] }, logprobs: null });
    if (typeof fn.arguments === 'string' && fn.arguments.length > 0) {
      out.push({ delta: { tool_calls: [{ index, function: { arguments: fn.arguments } }] }, logprobs: null });
    }
  }
  if (isRecord(message.function_call))
    out.push({ delta: { function_call: message.function_call }, logprobs: null });
  // Logprobs no content or refusal chunk carried (empty lists) ride on the finish chunk.
  if (logprobs && !carried.content && !carried.refusal) out.push({ delta: {}, logprobs });
  return out;
}

/**
 * Chunks that replay a `ChatCompletion` as the API streams it (`includeUsage`: as with
 * `stream_options.include_usage`). Per choice: a role chunk without logprobs; the content (one
 * chunk per logprob token when the tokens spell it, each with its logprobs), the refusal (the
 * same), `annotations`, other message fields, the audio (id and transcript, data, `expires_at`),
 * each tool call (opened with its id, type and name, then its arguments, by `index`), a legacy
 * `function_call`; then the finish chunk. Last, a usage chunk when asked for and the answer has
 * usage (every other chunk then has `usage: null`, like the API's). openai's
 * `ChatCompletionStream` accumulates the chunks into exactly `completion`.
 */
export function chatCompletionToChunks(completion: Json, includeUsage: boolean): Json[] {
  const { choices, usage, object: _object, ...top } = completion;
  const base: Json = { ...top, object: 'chat.completion.chunk' };
  const withUsage = includeUsage && isRecord(usage);
  const chunk = (choice: Json): Json =>
    withUsage ? { ...base, choices: [choice], usage: null } : { ...base, choices: [choice] };
  const chunks: Json[] = [];
  for (const value of list(choices)) {
    if (!isRecord(value)) continue;
    const { index, message: rawMessage, logprobs, finish_reason, ...other } = value;
    const message = isRecord(rawMessage) ? rawMessage : {};
    const piece = (delta: Json, lp: Json | null) =>
      chunks.push(chunk({ index, delta, logprobs: lp, finish_reason: null }));
    const role = {
      role: message.role ?? 'assistant',
      content: typeof message.content === 'string' ? '' : null,
    };
    piece({ ...role, refusal: null }, null);
    const deltas = messageDeltas(message, isRecord(logprobs) ? logprobs : undefined);
    const last = deltas.at(-1);
    const leftover = last && Object.keys(last.delta).length === 0 ? deltas.pop()?.logprobs : null;
    for (const { delta, logprobs: lp } of deltas) piece(delta, lp);
    chunks.push(chunk({ ...other, index, delta: {}, logprobs: leftover ?? null, finish_reason }));
  }
  if (withUsage) chunks.push({ ...base, choices: [], usage });
  return chunks;
}

/**
 * Recorded chat chunks as a caller receives them: without `includeUsage` no `usage` field and no
 * usage chunk (a stream recorded without usage has none to give); with `includeObfuscation:
 * false` no `obfuscation` field. Chunks that need no change are passed on as they are.
 */
export function adaptChatChunks(
  chunks: readonly unknown[],
  includeUsage: boolean,
  includeObfuscation = true,
): unknown[] {
  const out: unknown[] = [];
  for (const chunk of chunks) {
    if (!isRecord(chunk)) {
      out.push(chunk);
      continue;
    }
    const dropUsage = !includeUsage && 'usage' in chunk;
    if (dropUsage && list(chunk.choices).length === 0 && isRecord(chunk.usage)) continue;
    const dropObfuscation = !includeObfuscation && 'obfuscation' in chunk;
    if (!dropUsage && !dropObfuscation) {
      out.push(chunk);
      continue;
    }
    const copy = { ...chunk };
    if (dropUsage) delete copy.usage;
    if (dropObfuscation) delete copy.obfuscation;
    out.push(copy);
  }
  return out;
}
