/**
 * Accumulating streams with openai's own helpers, for the stream-fidelity matrix: what a caller
 * using `ChatCompletionStream` / `ResponseStream` (or the Responses event accumulation they
 * share) makes of a list of chunks or events.
 *
 * @module
 */
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import { ResponseStream } from 'openai/lib/responses/ResponseStream';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { VERSION } from 'openai/version';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Newline-delimited JSON of `items`, the format openai's `fromReadableStream` helpers read. */
export function readableOf(items: readonly unknown[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const item of items) controller.enqueue(encoder.encode(`${JSON.stringify(item)}\n`));
      controller.close();
    },
  });
}

const normalizes = Number(VERSION.split('.')[0]) >= 7;

/**
 * Chat chunks as the installed openai client delivers them from the wire: openai 7 fills a
 * missing `finish_reason` (the API's last audio delta has none) with `null`, openai 6 passes
 * chunks as sent.
 */
export function delivered(chunks: readonly Json[]): Json[] {
  if (!normalizes) return [...chunks];
  return chunks.map((chunk) =>
    Array.isArray(chunk.choices)
      ? {
          ...chunk,
          choices: (chunk.choices as Json[]).map((c) => ({ ...c, finish_reason: c.finish_reason ?? null })),
        }
      : chunk,
  );
}

/** Every item of a stream (an SDK `Stream`, a fanout replay, any async iterable). */
export async function collect(stream: AsyncIterable<unknown>): Promise<Json[]> {
  const items: Json[] = [];
  for await (const item of stream) items.push(item as Json);
  return items;
}

/**
 * The `ChatCompletion` openai's `ChatCompletionStream` accumulates from `chunks` (a list, or the
 * bytes of an SDK `Stream`'s `toReadableStream()`).
 */
export async function accumulateChat(chunks: readonly unknown[] | ReadableStream): Promise<Json> {
  const readable = Array.isArray(chunks) ? readableOf(chunks) : (chunks as ReadableStream);
  const final = (await ChatCompletionStream.fromReadableStream(
    readable,
  ).finalChatCompletion()) as unknown as Json;
  // `parsed` (and tool calls' `parsed_arguments`) are the helper's structured-output additions.
  for (const choice of final.choices as Json[]) {
    const message = choice.message as Json;
    delete message.parsed;
    for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
      delete (call.function as Json).parsed_arguments;
    }
  }
  return final;
}

function withoutParsed(response: Json): Json {
  const { output_parsed: _parsed, ...rest } = response;
  return {
    ...rest,
    output: (rest.output as Json[]).map((item) => {
      const { parsed_arguments: _args, ...plain } = item;
      if (!Array.isArray(plain.content)) return plain;
      return { ...plain, content: (plain.content as Json[]).map(({ parsed: _p, ...part }) => part) };
    }),
  };
}

/** The `Response` openai's `ResponseStream` accumulates from `events` (a list, or a `toReadableStream()`). */
export async function accumulateResponses(events: readonly unknown[] | ReadableStream): Promise<Json> {
  const readable = Array.isArray(events) ? readableOf(events) : (events as ReadableStream);
  const final = await ResponseStream.fromReadableStream(readable).finalResponse();
  return withoutParsed(final as unknown as Json);
}

/**
 * The response snapshot openai's event accumulation builds from every event but the terminal
 * one (which carries the whole answer): what the deltas and `*.done` events alone say.
 */
export function accumulateBeforeTerminal(events: readonly unknown[]): Json {
  let snapshot: ReturnType<typeof accumulateResponse> | undefined;
  for (const event of events) {
    const type = (event as Json).type as string;
    if (['response.completed', 'response.incomplete', 'response.failed'].includes(type)) break;
    snapshot = accumulateResponse(structuredClone(event) as ResponseStreamEvent, snapshot);
  }
  if (!snapshot) throw new Error('no events before the terminal one');
  return snapshot as unknown as Json;
}

/**
 * Per output item the text its delta events alone spell (text, refusal, summary, arguments), as
 * `output_index:kind:part_index -> text`: what a consumer reading only deltas sees.
 */
export function deltaTexts(events: readonly unknown[]): Record<string, string> {
  const texts: Record<string, string> = {};
  const kinds: Record<string, string> = {
    'response.output_text.delta': 'text',
    'response.refusal.delta': 'refusal',
    'response.reasoning_summary_text.delta': 'summary',
    'response.function_call_arguments.delta': 'arguments',
  };
  for (const value of events) {
    const event = value as Json;
    const kind = kinds[event.type as string];
    if (!kind) continue;
    const part = event.content_index ?? event.summary_index ?? 0;
    const key = `${String(event.output_index)}:${kind}:${String(part)}`;
    texts[key] = `${texts[key] ?? ''}${String(event.delta)}`;
  }
  return texts;
}

/** The same per-item texts read from a complete `Response` (see {@link deltaTexts}). */
export function answerTexts(response: Json): Record<string, string> {
  const texts: Record<string, string> = {};
  (response.output as Json[]).forEach((item, index) => {
    if (item.type === 'function_call') texts[`${index}:arguments:0`] = String(item.arguments);
    for (const [i, part] of ((item.summary as Json[] | undefined) ?? []).entries()) {
      texts[`${index}:summary:${i}`] = String(part.text);
    }
    for (const [i, part] of ((item.content as Json[] | undefined) ?? []).entries()) {
      if (part.type === 'output_text') texts[`${index}:text:${i}`] = String(part.text);
      if (part.type === 'refusal') texts[`${index}:refusal:${i}`] = String(part.refusal);
    }
  });
  return texts;
}

/** A `Response` as the SDK returns it from a non-streaming call (with its `output_text`). */
export function withSdkOutputText(response: Json): Json {
  const texts: string[] = [];
  for (const item of response.output as Json[]) {
    if (item.type !== 'message') continue;
    for (const part of item.content as Json[]) if (part.type === 'output_text') texts.push(String(part.text));
  }
  return { ...response, output_text: texts.join('') };
}

/** Resolves at the next write of `ai` (an answer stored). */
export function nextWrite(ai: { on(event: 'set', listener: () => void): () => void }): Promise<void> {
  return new Promise((resolve) => {
    const off = ai.on('set', () => {
      off();
      resolve();
    });
  });
}

/**
 * A stream read two ways at once (through its `tee()`): its items, and what openai's helper
 * accumulates from its `toReadableStream()` bytes.
 */
export async function readBoth<T>(
  stream: {
    tee(): [
      AsyncIterable<unknown> & { toReadableStream(): ReadableStream },
      { toReadableStream(): ReadableStream },
    ];
  },
  accumulate: (readable: ReadableStream) => Promise<T>,
): Promise<{ items: Json[]; final: T }> {
  const [left, right] = stream.tee();
  const [items, final] = await Promise.all([collect(left), accumulate(right.toReadableStream())]);
  return { items, final };
}
