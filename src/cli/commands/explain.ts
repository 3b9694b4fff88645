/**
 * `explain <request.json>`: how the openai wrapper keys a request: its canonical form, its key,
 * and the fields left out of the key and why. The key is the one the wrapper's call path computes
 * (`requestKey`), for the client's base URL (`--base-url`, default the openai API's).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { AIResponseCache } from '../../ai-cache/ai-response-cache.js';
import { MemoryBackend } from '../../backends/memory.js';
import { requestKey } from '../../integrations/openai/explain.js';
import { canonicalText, EXCLUDED_REQUEST_FIELDS } from '../../integrations/openai/keys.js';
import type { Endpoint } from '../../integrations/openai/types.js';
import type { CommandContext } from '../context.js';
import { CommandError, UsageError } from '../errors.js';

const ENDPOINTS: Readonly<Record<Endpoint, string>> = {
  'chat.completions': 'chat',
  embeddings: 'embeddings',
  responses: 'responses',
};

/** Why each excluded field is left out. */
const REASONS: Readonly<Record<string, string>> = {
  user: 'identifies the end user, not the question',
  metadata: 'bookkeeping tags, do not change the answer',
  stream: 'a streamed and a non-streamed call share one entry (converted on read)',
  stream_options: 'how the stream is delivered (a usage chunk is added or dropped on replay)',
  store: 'server-side storage of the response, not its content',
  safety_identifier: 'identifies the end user for abuse detection',
  prompt_cache_key: "a hint for the provider's own prompt cache",
  prompt_cache_retention: "a setting of the provider's own prompt cache",
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The endpoint of a body: `messages` → chat, `input` of an embedding model → embeddings, `input` → responses. */
function endpointOf(body: Record<string, unknown>): Endpoint | undefined {
  if ('messages' in body) return 'chat.completions';
  if ('input' in body)
    return typeof body.model === 'string' && body.model.includes('embedding') ? 'embeddings' : 'responses';
  return undefined;
}

/** Runs `explain`. */
export async function explainCommand(ctx: CommandContext): Promise<void> {
  const file = ctx.positionals[0] as string;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CommandError(`cannot read ${file} as JSON: ${(error as Error).message}`);
  }
  // Either the request body itself, or { endpoint, body }.
  const wrapped = isRecord(parsed) && isRecord(parsed.body) ? parsed : undefined;
  const body = wrapped ? wrapped.body : parsed;
  if (!isRecord(body)) throw new CommandError(`${file} must hold a JSON object (an openai request body)`);
  if ('prompt' in body && Array.isArray(body.prompt)) {
    throw new CommandError(
      'AI SDK requests cannot be explained by this version: only openai request bodies are',
    );
  }
  const given =
    ctx.options.endpoint ?? (typeof wrapped?.endpoint === 'string' ? wrapped.endpoint : undefined);
  if (given !== undefined && !Object.hasOwn(ENDPOINTS, given)) {
    throw new UsageError(`--endpoint must be one of ${Object.keys(ENDPOINTS).join(', ')}`);
  }
  const endpoint = (given as Endpoint | undefined) ?? endpointOf(body);
  if (endpoint === undefined)
    throw new CommandError('cannot tell the endpoint (no messages, no input): give --endpoint');
  const operation = ctx.options.operation ?? ENDPOINTS[endpoint];
  // The configured cache (prefix, namespace, hashing), on memory: nothing is read or written.
  const { redis: _redis, ...config } = ctx.config;
  const ai = new AIResponseCache({ ...config, backend: new MemoryBackend() });
  try {
    const canonical = canonicalText(body);
    const { key, bypass, scope } = await requestKey(ai, endpoint, body, {
      operation,
      ...(ctx.options.namespace === undefined ? {} : { namespace: ctx.options.namespace }),
      ...(ctx.options['base-url'] === undefined ? {} : { baseURL: ctx.options['base-url'] }),
    });
    if (key === undefined) throw new CommandError(`this request is never cached (${bypass ?? 'bypass'})`);
    const excluded = Object.keys(body)
      .filter((f) => EXCLUDED_REQUEST_FIELDS.includes(f))
      .map((field) => ({ field, reason: REASONS[field] ?? 'does not change the answer' }));
    ctx.out.data({ endpoint, operation, scope, canonical: JSON.parse(canonical), key, excluded });
    ctx.out.text(`endpoint:  ${endpoint}`);
    ctx.out.text(`base URL:  ${scope ?? '(none)'} (part of the key; --base-url to change)`);
    ctx.out.text(`operation: ${operation}`);
    ctx.out.text(`key:       ${key}`);
    ctx.out.text('canonical form (hashed with sha256 into the key; never stored in clear):');
    ctx.out.text(`  ${canonical}`);
    ctx.out.text(excluded.length === 0 ? 'left out of the key: nothing' : 'left out of the key:');
    for (const e of excluded) ctx.out.text(`  ${e.field}: ${e.reason}`);
  } finally {
    await ai.close();
  }
}
