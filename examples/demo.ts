/**
 * `npm run demo`: a realistic workload through `withCache(openai)`, then a table of what the
 * cache did: requests, upstream calls, hit ratio per operation, hit vs miss latency, tokens and
 * dollars saved.
 *
 * - Upstream: a local mock OpenAI server with realistic latency, or the real API (gpt-4o-mini,
 *   text-embedding-3-small) when `OPENAI_API_KEY` is set.
 * - Store: the embedded memory tier, or Redis when `REDIS_URL` is set.
 *
 *   npm run demo
 *   REDIS_URL=redis://127.0.0.1:6379 npm run demo
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { AIResponseCache, type SavingsStats } from '../src/index.js';
import { cacheStatus, type RequestContext, withCache } from '../src/integrations/openai/index.js';
import {
  type DemoStore,
  type OperationRow,
  progressBar,
  renderTable,
  type Sample,
  storeLine,
  storeOf,
  summarize,
} from './demo/report.js';
import { ARTICLES, buildWorkload, REVIEWS, requestsOf, SENTENCES, type Task } from './demo/workload.js';
import { type LatencyOptions, startMockOpenAI } from './mock-openai/server.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Number of requests in the workload. @default 400 (60 against the real API) */
  requests?: number;
  /** Latency of the mock server. @default realistic (300 ms answers, 150 ms to the first chunk) */
  latencyMs?: LatencyOptions;
  /** Where lines are printed. @default console.log */
  out?: (line: string) => void;
  /** Use the real OpenAI API with this key instead of the mock server. */
  openaiApiKey?: string;
  /** Store answers in this Redis instead of the embedded memory tier. */
  redisUrl?: string;
  /** Requests in flight at once. @default 6 */
  concurrency?: number;
  /** Pause of each worker between two tasks, in ms (users do not click continuously). @default 120 */
  paceMs?: number;
}

/** What {@link runDemo} measured. */
export interface DemoResult {
  requests: number;
  upstreamCalls: number;
  rows: OperationRow[];
  savings: SavingsStats;
  /** The printed table. */
  lines: string[];
  /**
   * Where answers were really cached: `'redis'`, `'memory'` (no Redis asked for), or
   * `'memory-fallback'` (Redis was asked for but failed, at connect or during the run).
   */
  store: DemoStore;
}

const CHAT_MODEL = 'gpt-4o-mini';
const EMBEDDING_MODEL = 'text-embedding-3-small';
/** USD per 1M tokens. */
const PRICES = { [CHAT_MODEL]: { input: 0.15, output: 0.6 }, [EMBEDDING_MODEL]: { input: 0.02, output: 0 } };
const TTLS = { summarize: '2h', sentiment: '1h', embeddings: '24h' };
const SUMMARIZE = 'Summarize the article in three short sentences.';
const CLASSIFY =
  'Classify the sentiment of the review as positive, negative or neutral. Answer with one word.';

/** The operation of a request: from the system prompt for chat, the default otherwise. */
function operationOf({ endpoint, params }: RequestContext): string | undefined {
  if (endpoint !== 'chat.completions') return undefined;
  const first = (params.messages as { content?: unknown }[] | undefined)?.[0];
  return first?.content === CLASSIFY ? 'sentiment' : 'summarize';
}

type Cached = ReturnType<typeof withCache<OpenAI>>;

/** Sends one task's requests and records a sample per request. */
async function perform(
  openai: Cached,
  task: Task,
  real: boolean,
  record: (s: Sample) => void,
): Promise<void> {
  const timed = async (operation: Sample['operation'], call: () => Promise<unknown>) => {
    const started = performance.now();
    const result = await call();
    record({ operation, status: cacheStatus(result), ms: performance.now() - started });
  };
  if (task.kind === 'embed') {
    const input = task.sentences.map((i) => SENTENCES[i] ?? '');
    return timed('embeddings', () => openai.embeddings.create({ model: EMBEDDING_MODEL, input }));
  }
  const [system, user, limit] =
    task.kind === 'summarize'
      ? [SUMMARIZE, ARTICLES[task.article], 200]
      : [CLASSIFY, REVIEWS[task.review], 10];
  const params = {
    model: CHAT_MODEL,
    temperature: 0,
    messages: [
      { role: 'system' as const, content: system },
      { role: 'user' as const, content: user ?? '' },
    ],
    ...(real ? { max_tokens: limit } : {}),
  };
  const stream = task.kind === 'summarize' && task.stream;
  const one = () =>
    timed(task.kind, async () => {
      if (!stream) return openai.chat.completions.create(params);
      const chunks = await openai.chat.completions.create({
        ...params,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const _ of chunks) {
        // A UI would render each delta here.
      }
      return chunks;
    });
  await Promise.all(Array.from({ length: task.burst }, one));
}

/** Runs the demo workload and prints the table. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = options.out ?? console.log;
  const real = options.openaiApiKey !== undefined;
  const server = real
    ? undefined
    : await startMockOpenAI(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs });
  const client = server
    ? new OpenAI({ baseURL: server.url, apiKey: 'demo', maxRetries: 0 })
    : new OpenAI({ apiKey: options.openaiApiKey });
  const ai = new AIResponseCache({
    prefix: `demo-${randomUUID().slice(0, 8)}`,
    operationTtls: TTLS,
    prices: PRICES,
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
  });
  const tasks = buildWorkload(options.requests ?? (real ? 60 : 400));
  const total = tasks.reduce((sum, t) => sum + requestsOf(t), 0);
  let fellBack = false;
  ai.on('degraded', () => {
    fellBack = true;
  });
  const upstream = server ? `a local mock OpenAI server (${server.url})` : 'the OpenAI API';
  const samples: Sample[] = [];
  const progress = progressBar(total, options.out === undefined && process.stdout.isTTY === true, out);
  const started = performance.now();
  try {
    await ai.connect();
    // Say where answers really go: never "Redis" when the cache fell back to memory.
    const store = storeOf(options.redisUrl !== undefined, fellBack);
    out(`ai-response-cache demo: ${total} requests to ${upstream}, ${storeLine(store)}`);
    const openai = withCache(client, { cache: ai, operation: operationOf });
    let served = 0;
    const record = (sample: Sample) => {
      samples.push(sample);
      if (sample.status === 'hit' || sample.status === 'coalesced') served++;
      progress.update(samples.length, served);
    };
    let next = 0;
    const worker = async () => {
      for (let task = tasks[next++]; task; task = tasks[next++]) {
        await perform(openai, task, real, record);
        if (options.paceMs !== 0) await new Promise((r) => setTimeout(r, options.paceMs ?? 120));
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
    progress.done();
    const rows = summarize(samples, TTLS);
    const savings = ai.stats().savings;
    const lines = renderTable(rows, savings, performance.now() - started);
    out('');
    for (const line of lines) out(line);
    const finalStore = storeOf(options.redisUrl !== undefined, fellBack);
    if (finalStore !== store) out(`note: ${storeLine(finalStore)} (Redis failed during the run)`);
    const totals = rows.at(-1);
    return {
      requests: totals?.requests ?? 0,
      upstreamCalls: totals?.upstreamCalls ?? 0,
      rows,
      savings,
      lines,
      store: finalStore,
    };
  } finally {
    if (options.redisUrl) await ai.cache.clear().catch(() => {});
    await ai.close();
    await server?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { OPENAI_API_KEY, REDIS_URL } = process.env;
  await runDemo({
    ...(OPENAI_API_KEY ? { openaiApiKey: OPENAI_API_KEY } : {}),
    ...(REDIS_URL ? { redisUrl: REDIS_URL } : {}),
  });
}
