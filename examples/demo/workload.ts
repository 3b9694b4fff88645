/**
 * The demo's workload: a support team's assistant summarizing articles (some streamed to a UI),
 * classifying the sentiment of customer reviews, and embedding FAQ sentences in batches for
 * search. Popular items are asked for much more often than others (a skewed, deterministic
 * random choice), and now and then a burst of identical requests arrives at once (a page
 * rendered for many users at the same moment).
 *
 * @module
 */

/** The operations of the demo, in table order. */
export const OPERATIONS = ['summarize', 'sentiment', 'embeddings'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** One unit of work: a request, or a burst of identical concurrent requests. */
export type Task =
  | { kind: 'summarize'; article: number; stream: boolean; burst: number }
  | { kind: 'sentiment'; review: number; burst: number }
  | { kind: 'embed'; sentences: number[] };

const TOPICS = [
  'Redis clustering',
  'connection pooling',
  'cache invalidation',
  'TLS certificates',
  'rate limiting',
  'background jobs',
  'database indexes',
  'feature flags',
  'structured logging',
  'blue-green deployments',
  'OAuth scopes',
  'webhook retries',
];

/** Articles to summarize. */
export const ARTICLES: readonly string[] = TOPICS.map(
  (topic, i) =>
    `Knowledge base article #${i + 1}: ${topic}. This article explains how our platform handles ${topic}, ` +
    `which settings matter in production, the mistakes customers make most often, and how to diagnose ` +
    `problems with ${topic} using the dashboard and the command-line tools.`,
);

const FEELINGS = ['love', 'hate', 'am puzzled by', 'am impressed by', 'am disappointed with', 'enjoy'];
const THINGS = [
  'the new dashboard',
  'your API latency',
  'the billing page',
  'support response times',
  'the CLI',
];

/** Customer reviews to classify. */
export const REVIEWS: readonly string[] = FEELINGS.flatMap((feeling) =>
  THINGS.map((thing) => `I ${feeling} ${thing}.`),
);

/** FAQ sentences to embed. */
export const SENTENCES: readonly string[] = TOPICS.flatMap((topic) => [
  `How do I configure ${topic}?`,
  `Why does ${topic} fail after an upgrade?`,
  `Where are the metrics for ${topic}?`,
]);

/** Mulberry32: a small deterministic random generator. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A skewed pick: low indexes (the popular items) come up much more often. */
const skewed = (rng: () => number, n: number) => Math.min(n - 1, Math.floor(n * rng() ** 2.2));

/** How many requests a task sends. */
export const requestsOf = (task: Task): number => (task.kind === 'embed' ? 1 : task.burst);

/** A deterministic workload of about `requests` requests. */
export function buildWorkload(requests: number, seed = 7): Task[] {
  const rng = random(seed);
  const tasks: Task[] = [];
  let count = 0;
  while (count < requests) {
    const roll = rng();
    const burst = rng() < 0.08 ? Math.min(8, Math.max(1, requests - count)) : 1;
    // A burst is many users opening the same (often new, so not yet cached) item at once.
    const pick = (n: number) => (burst > 1 ? Math.floor(rng() * n) : skewed(rng, n));
    let task: Task;
    if (roll < 0.45) {
      task = { kind: 'summarize', article: pick(ARTICLES.length), stream: rng() < 0.4, burst };
    } else if (roll < 0.8) {
      task = { kind: 'sentiment', review: pick(REVIEWS.length), burst };
    } else {
      const start = skewed(rng, SENTENCES.length - 4);
      const size = 3 + Math.floor(rng() * 4);
      task = {
        kind: 'embed',
        sentences: Array.from({ length: size }, (_, i) => (start + i * 2) % SENTENCES.length),
      };
    }
    tasks.push(task);
    count += requestsOf(task);
  }
  return tasks;
}
