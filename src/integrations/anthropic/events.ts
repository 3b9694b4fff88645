/**
 * Stream events <-> `Message`: {@link assembleMessage} builds the message a stream makes (as the
 * SDK's `MessageStream` accumulates it), {@link replayEvents} the event sequence the API sends for
 * a message (so that `MessageStream` accumulates exactly that message again).
 *
 * Both work on plain JSON (`Message` and `RawMessageStreamEvent` shapes) and never mutate their
 * input.
 *
 * @module
 */
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Content block types whose `input` streams as `input_json_delta` pieces. */
const TOOL_INPUT_BLOCKS: ReadonlySet<string> = new Set(['tool_use', 'server_tool_use']);

/** Usage counters `message_delta` carries (the SDK overwrites them when present). */
const DELTA_USAGE_FIELDS = [
  'input_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'server_tool_use',
  'output_tokens_details',
] as const;

/**
 * Whether a stream so far holds the whole message but for its tail: the `message_delta` with a
 * stop reason has arrived (only `message_stop` may follow).
 */
export function streamComplete(events: readonly RawMessageStreamEvent[]): boolean {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.type === 'message_delta') return event.delta.stop_reason != null;
    if (event?.type !== 'message_stop') return false;
  }
  return false;
}

/**
 * The message a complete stream makes, or `undefined` when the events do not make one (no
 * `message_start`, no stop reason, a tool input that is not valid JSON, a second message).
 */
export function assembleMessage(events: readonly RawMessageStreamEvent[]): Message | undefined {
  let message: Json | undefined;
  const content: Json[] = [];
  const inputs = new Map<number, string>();
  let stopped = false;
  for (const event of events) {
    if (event.type === 'message_start') {
      if (message) return undefined;
      message = structuredClone(event.message) as unknown as Json;
      continue;
    }
    if (!message) continue;
    switch (event.type) {
      case 'content_block_start':
        content[event.index] = structuredClone(event.content_block) as unknown as Json;
        break;
      case 'content_block_delta': {
        const block = content[event.index];
        if (!block) return undefined;
        const delta = event.delta;
        if (delta.type === 'text_delta') block.text = `${String(block.text ?? '')}${delta.text}`;
        else if (delta.type === 'citations_delta') {
          block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        } else if (delta.type === 'thinking_delta')
          block.thinking = `${String(block.thinking ?? '')}${delta.thinking}`;
        else if (delta.type === 'signature_delta') block.signature = delta.signature;
        else if (delta.type === 'input_json_delta') {
          inputs.set(event.index, `${inputs.get(event.index) ?? ''}${delta.partial_json}`);
        }
        break;
      }
      case 'message_delta': {
        const { delta, usage } = event;
        message.stop_reason = delta.stop_reason;
        message.stop_sequence = delta.stop_sequence;
        if ('stop_details' in delta) message.stop_details = delta.stop_details;
        if (delta.container != null) message.container = delta.container;
        const total: Json = { ...(message.usage as Json), output_tokens: usage.output_tokens };
        const counters = usage as unknown as Json;
        for (const field of DELTA_USAGE_FIELDS) if (counters[field] != null) total[field] = counters[field];
        message.usage = total;
        stopped = delta.stop_reason != null;
        break;
      }
      default:
        break;
    }
  }
  if (!message || !stopped) return undefined;
  for (const [index, json] of inputs) {
    const block = content[index];
    if (!block || !TOOL_INPUT_BLOCKS.has(String(block.type))) continue;
    try {
      block.input = json ? JSON.parse(json) : block.input;
    } catch {
      return undefined;
    }
  }
  if (content.some((block) => block === undefined)) return undefined;
  message.content = content;
  return message as unknown as Message;
}

/** `text` in pieces of about `words` words (at least one piece; code points never split). */
function wordPieces(text: string, words: number): string[] {
  const tokens = text.match(/\s*\S+\s*/gu) ?? [];
  if (tokens.length === 0) return text ? [text] : [];
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += words) out.push(tokens.slice(i, i + words).join(''));
  // Leading whitespace the regex did not attach to a word.
  const joined = out.join('');
  if (joined !== text) return [text];
  return out;
}

/** `text` in pieces of at most `size` code points. */
function codePointPieces(text: string, size: number): string[] {
  const points = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

function blockEvents(block: Json, index: number): Json[] {
  const start = (content_block: Json): Json => ({ type: 'content_block_start', index, content_block });
  const delta = (d: Json): Json => ({ type: 'content_block_delta', index, delta: d });
  const events: Json[] = [];
  const type = String(block.type);
  if (type === 'text') {
    const citations = Array.isArray(block.citations) ? block.citations : [];
    events.push(start({ ...block, text: '', ...(citations.length > 0 ? { citations: null } : {}) }));
    for (const text of wordPieces(String(block.text ?? ''), 3))
      events.push(delta({ type: 'text_delta', text }));
    for (const citation of citations) events.push(delta({ type: 'citations_delta', citation }));
  } else if (type === 'thinking') {
    events.push(start({ ...block, thinking: '', signature: '' }));
    for (const thinking of wordPieces(String(block.thinking ?? ''), 3)) {
      events.push(delta({ type: 'thinking_delta', thinking }));
    }
    events.push(delta({ type: 'signature_delta', signature: String(block.signature ?? '') }));
  } else if (TOOL_INPUT_BLOCKS.has(type)) {
    events.push(start({ ...block, input: {} }));
    const json = JSON.stringify(block.input ?? {});
    for (const partial_json of codePointPieces(json, 16)) {
      events.push(delta({ type: 'input_json_delta', partial_json }));
    }
  } else {
    // Complete blocks (redacted thinking, server tool results, ...) arrive whole in their start.
    events.push(start(block));
  }
  events.push({ type: 'content_block_stop', index });
  return events;
}

/**
 * The event sequence the API streams for `message`: `message_start` (the message without
 * content or stop reason, usage with the input tokens), per content block
 * `content_block_start` / `content_block_delta`s (`text_delta` + `citations_delta` for text,
 * `thinking_delta` + `signature_delta` for thinking, `input_json_delta` pieces for tool use) /
 * `content_block_stop`, then `message_delta` (stop reason and usage) and `message_stop`.
 */
export function replayEvents(message: Message): RawMessageStreamEvent[] {
  const source = structuredClone(message) as unknown as Json;
  const usage = isRecord(source.usage) ? source.usage : { input_tokens: 0, output_tokens: 0 };
  const content = Array.isArray(source.content) ? (source.content as Json[]) : [];
  const { content: _content, stop_reason, stop_sequence, ...rest } = source;
  const startMessage: Json = {
    ...rest,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { ...usage, output_tokens: Math.min(1, Number(usage.output_tokens ?? 0)) },
  };
  if ('stop_details' in source) startMessage.stop_details = null;
  const events: Json[] = [{ type: 'message_start', message: startMessage }];
  content.forEach((block, index) => {
    events.push(...blockEvents(block, index));
  });
  const delta: Json = { stop_reason, stop_sequence: stop_sequence ?? null };
  if ('stop_details' in source) delta.stop_details = source.stop_details;
  if (source.container != null) delta.container = source.container;
  const deltaUsage: Json = { output_tokens: usage.output_tokens ?? 0 };
  for (const field of DELTA_USAGE_FIELDS) if (usage[field] != null) deltaUsage[field] = usage[field];
  events.push({ type: 'message_delta', delta, usage: deltaUsage });
  events.push({ type: 'message_stop' });
  return events as unknown as RawMessageStreamEvent[];
}

/**
 * A recorded stream for another caller: copies, `ping`s dropped, and a `message_stop` added
 * when the recording ended after its stop reason (a stream drained in the background).
 */
export function restreamEvents(events: readonly RawMessageStreamEvent[]): RawMessageStreamEvent[] {
  const out = events.filter((e) => (e as { type: string }).type !== 'ping').map((e) => structuredClone(e));
  if (out.at(-1)?.type !== 'message_stop' && streamComplete(out)) {
    out.push({ type: 'message_stop' });
  }
  return out;
}
