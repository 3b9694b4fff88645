/**
 * The answers of the mock Anthropic server: a request becomes a planned `Message` (deterministic
 * content, fresh id), which the server sends as JSON or as the API's server-sent events.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';

/** A content block the mock can answer with. */
export type PlannedBlock =
  | { type: 'text'; text: string; citations?: unknown[] | null }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

/** What the mock answers to one request. */
export interface AnswerPlan {
  blocks: PlannedBlock[];
  /** @default 'tool_use' when a block is a tool use, else 'end_turn' */
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';
  /** Set with `stopReason: 'stop_sequence'`. */
  stopSequence?: string;
}

/** Chooses the answer to a request body (replaces the built-in planner). */
export type Planner = (body: Record<string, unknown>) => AnswerPlan;

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

const WORDS = [
  'cache',
  'answer',
  'model',
  'stream',
  'token',
  'request',
  'replay',
  'event',
  'message',
  'block',
  'delta',
  'usage',
  'prompt',
  'entry',
  'redis',
  'tier',
];

const isRecord = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stable JSON (keys sorted) of `value`. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Deterministic prose of `count` words seeded by `seed`. */
function prose(seed: string, count: number): string {
  const digest = createHash('sha256').update(seed).digest();
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(WORDS[(digest[i % digest.length] ?? 0) % WORDS.length] ?? 'x');
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The text of the last user message of a request. */
export function lastUserText(body: JsonObject): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as JsonObject | undefined;
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      return m.content.map((b) => (isRecord(b) && typeof b.text === 'string' ? b.text : '')).join(' ');
    }
  }
  return '';
}

/**
 * The built-in planner. The answer depends only on the request (minus `stream` and
 * `metadata`), so identical requests get identical content. Markers in the last user message:
 * `[[tool]]` answers with a call of the request's first tool, `[[empty]]` with no content; a
 * request with `thinking` enabled gets a thinking block first; `max_tokens` below 8 truncates
 * the text (`stop_reason: 'max_tokens'`).
 */
export function defaultPlanner(body: JsonObject): AnswerPlan {
  const { stream: _s, metadata: _m, ...rest } = body;
  const seed = canonical(rest);
  const user = lastUserText(body);
  const blocks: PlannedBlock[] = [];
  const thinking = isRecord(body.thinking) && body.thinking.type !== 'disabled';
  if (thinking) {
    blocks.push({ type: 'thinking', thinking: prose(`think:${seed}`, 12), signature: `sig-${hash(seed)}` });
  }
  if (user.includes('[[empty]]')) return { blocks: [] };
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const tool = tools.find((t): t is JsonObject => isRecord(t) && typeof t.name === 'string');
  if (user.includes('[[tool]]') && tool) {
    blocks.push({ type: 'text', text: prose(`pre:${seed}`, 5) });
    blocks.push({
      type: 'tool_use',
      name: String(tool.name),
      input: { query: prose(`q:${seed}`, 4), limit: 3, nested: { deep: [1, 2.5, 'three'], ok: true } },
    });
    return { blocks, stopReason: 'tool_use' };
  }
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 1024;
  const words = 24;
  const text = prose(`text:${seed}`, Math.min(words, maxTokens));
  blocks.push({ type: 'text', text });
  return { blocks, stopReason: maxTokens < words ? 'max_tokens' : 'end_turn' };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const tokens = (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0);

/** The `Message` of a plan (fresh ids). */
export function messageOf(plan: AnswerPlan, body: JsonObject): JsonObject {
  let output = 0;
  const content = plan.blocks.map((block): JsonObject => {
    switch (block.type) {
      case 'text':
        output += tokens(block.text);
        return { type: 'text', text: block.text, citations: block.citations ?? null };
      case 'thinking':
        output += tokens(block.thinking);
        return { ...block };
      case 'redacted_thinking':
        output += 1;
        return { ...block };
      case 'tool_use':
        output += tokens(JSON.stringify(block.input));
        return {
          type: 'tool_use',
          id: block.id ?? `toolu_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
          name: block.name,
          input: block.input,
        };
    }
    return {};
  });
  const stopReason =
    plan.stopReason ?? (plan.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn');
  return {
    id: `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    type: 'message',
    role: 'assistant',
    model: typeof body.model === 'string' ? body.model : 'unknown',
    content,
    stop_reason: stopReason,
    stop_sequence: plan.stopSequence ?? null,
    usage: {
      input_tokens: Math.max(1, Math.ceil(canonical(body.messages ?? []).length / 4)),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: output,
      service_tier: 'standard',
    },
  };
}

/** Splits `text` into pieces of at most `size` characters (at least one piece). */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/** The server-sent events the API sends for `message` (what the mock streams). */
export function eventsOf(message: JsonObject): JsonObject[] {
  const content = (message.content as JsonObject[]) ?? [];
  const usage = message.usage as JsonObject;
  const events: JsonObject[] = [
    {
      type: 'message_start',
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    { type: 'ping' },
  ];
  content.forEach((block, index) => {
    const delta = (d: JsonObject) => events.push({ type: 'content_block_delta', index, delta: d });
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, text: '' } });
      for (const text of pieces(String(block.text), 7)) if (text) delta({ type: 'text_delta', text });
    } else if (block.type === 'thinking') {
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      for (const thinking of pieces(String(block.thinking), 9)) delta({ type: 'thinking_delta', thinking });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
      for (const partial_json of pieces(JSON.stringify(block.input), 5))
        delta({ type: 'input_json_delta', partial_json });
    } else {
      events.push({ type: 'content_block_start', index, content_block: block });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
    },
  });
  events.push({ type: 'message_stop' });
  return events;
}
