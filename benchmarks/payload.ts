/**
 * Deterministic, realistic `chat.completion` responses for the benchmark: varied English text
 * (a few hundred words drawn with a Zipf-like skew, in markdown paragraphs, headings and lists,
 * so that it compresses about as much as real model output), wrapped in the JSON an
 * OpenAI-compatible API returns. The same (size, seed) always gives the same document, and its
 * `JSON.stringify` is exactly `bytes` long (ASCII only, so characters = bytes).
 *
 * @module
 */
import { createRandom } from '../src/benchmark/payload.js';

// Function words (frequent) and content words (drawn with a Zipf-like skew): word-level
// generation gives text whose compressibility is close to real model output, unlike a few
// repeated phrases.
const FUNCTION_WORDS = (
  'the of and to a in is that for it as with be on not this by are or from at which but have an ' +
  'they more can their was will these has been when than its also into only other some there such ' +
  'may so if what most each one all we you our them both about over after before because while'
).split(' ');
const CONTENT_WORDS = (
  'system data model cache request response time value result user service process method problem ' +
  'question answer example number level change support design approach team project report version ' +
  'memory network latency throughput cost budget risk policy review feature release test benchmark ' +
  'server client library function interface option default behaviour error failure recovery update ' +
  'document summary section detail context reason evidence analysis measure metric signal trend ' +
  'customer market product price quality growth strategy decision plan goal priority deadline ' +
  'meeting schedule history future present morning evening week month year season weather city ' +
  'country river mountain forest garden kitchen window table letter story novel author reader ' +
  'language word sentence paragraph meaning structure pattern rule exception limit boundary edge ' +
  'important simple complex careful clear different similar common rare large small early late ' +
  'recent modern ancient practical theoretical useful reliable stable fast slow expensive cheap ' +
  'obvious subtle hidden visible public private local global central remote internal external ' +
  'explain describe improve reduce increase compare measure consider suggest require provide ' +
  'allow prevent protect follow create remove replace combine separate organize collect store ' +
  'retrieve compute estimate predict observe notice understand remember forget decide choose ' +
  'accept reject deliver build deploy monitor debug profile optimize document publish discuss ' +
  'usually often rarely quickly slowly carefully clearly roughly nearly mostly probably certainly ' +
  'instead however therefore meanwhile otherwise finally first second third next last again ' +
  'people engineer manager scientist student teacher doctor writer designer developer operator ' +
  'energy water light sound color shape surface weight distance speed pressure temperature signal ' +
  'agreement contract invoice payment account balance transfer deposit credit interest revenue ' +
  'traffic queue worker thread lock token key hash index column record batch stream buffer packet ' +
  'careful honest curious patient generous anxious confident gentle brave quiet noisy bright dark ' +
  'happen appear remain become seem grow fall rise open close begin continue finish return arrive ' +
  'health exercise sleep habit routine diet recipe flavour ingredient portion meal dinner breakfast ' +
  'painting music concert theatre museum gallery festival holiday journey island harbour bridge'
).split(' ');
const TOPICS = [
  'Background',
  'Key points',
  'Trade-offs',
  'Recommendation',
  'Next steps',
  'Risks',
  'Summary',
  'Details',
  'Context',
  'Open questions',
  'Method',
  'Results',
] as const;

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
/** Index in [0, n) with a Zipf-like skew (rank r drawn with weight about 1 / r). */
const zipf = (random: Random, n: number): number => Math.min(n - 1, Math.floor(n ** random()) - 1);
const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function sentence(random: Random): string {
  const words = 6 + Math.floor(random() * 16);
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    let word =
      random() < 0.42
        ? (FUNCTION_WORDS[zipf(random, FUNCTION_WORDS.length)] as string)
        : random() < 0.5
          ? (CONTENT_WORDS[zipf(random, CONTENT_WORDS.length)] as string)
          : pick(random, CONTENT_WORDS);
    if (random() < 0.03) word = `${Math.floor(random() * 1000)}`;
    if (i > 2 && i < words - 2 && random() < 0.07) word += ',';
    out.push(word);
  }
  const end = random() < 0.9 ? '.' : random() < 0.5 ? '?' : '!';
  return `${capitalize(out.join(' '))}${end}`;
}

/** About `chars` characters of English-like prose in markdown paragraphs, deterministic for `seed`. */
export function prose(chars: number, seed: number): string {
  const random = createRandom(seed);
  const blocks: string[] = [];
  let length = 0;
  while (length < chars) {
    let block: string;
    const r = random();
    if (r < 0.12) {
      block = `## ${pick(random, TOPICS)}`;
    } else if (r < 0.27) {
      const items = 2 + Math.floor(random() * 3);
      block = Array.from({ length: items }, () => `- ${sentence(random)}`).join('\n');
    } else {
      const sentences = 2 + Math.floor(random() * 4);
      block = Array.from({ length: sentences }, () => sentence(random)).join(' ');
    }
    blocks.push(block);
    length += block.length + 2;
  }
  return blocks.join('\n\n');
}

/** The shape of an OpenAI `chat.completion` response (the fields the benchmark fills). */
export interface ChatCompletionLike {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string; refusal: null; annotations: unknown[] };
    logprobs: null;
    finish_reason: 'stop';
  }[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
    completion_tokens_details: {
      reasoning_tokens: number;
      audio_tokens: number;
      accepted_prediction_tokens: number;
      rejected_prediction_tokens: number;
    };
  };
  service_tier: string;
  system_fingerprint: string;
}

/**
 * A `chat.completion` whose JSON is exactly `bytes` long (at least ~520 bytes: the envelope
 * alone takes that much).
 */
export function chatCompletion(bytes: number, seed = 1): ChatCompletionLike {
  const random = createRandom(seed * 7919 + bytes);
  const id = `chatcmpl-${Math.floor(random() * 2 ** 48).toString(36)}${seed.toString(36)}`;
  const promptTokens = 40 + Math.floor(random() * 400);
  const make = (content: string): ChatCompletionLike => {
    const completion = Math.max(1, Math.round(content.length / 4.2));
    return {
      id,
      object: 'chat.completion',
      created: 1_730_000_000 + seed,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completion,
        total_tokens: promptTokens + completion,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: `fp_${(seed * 2654435761).toString(16).slice(0, 10).padStart(10, '0')}`,
    };
  };
  const envelope = JSON.stringify(make('')).length;
  const room = Math.max(0, bytes - envelope);
  // Newlines become `\n` (2 characters) in JSON: generate more text and trim to the exact size.
  let content = prose(room + 64, seed);
  let doc = make(content);
  let over = JSON.stringify(doc).length - bytes;
  while (over > 0 && content.length > 0) {
    content = content.slice(0, Math.max(0, content.length - Math.max(1, over))).replace(/\\$/, '');
    doc = make(content);
    over = JSON.stringify(doc).length - bytes;
  }
  if (over < 0) doc = make(content + ' '.repeat(-over));
  return doc;
}

/** A user prompt of about `chars` characters (for request-side keys). */
export function prompt(chars: number, seed = 1): string {
  return `Summarize the following notes for an engineering audience.\n\n${prose(chars, seed + 1_000_003)}`.slice(
    0,
    chars,
  );
}

/** A short model answer (`{ model, content }`) whose JSON is exactly `bytes` long (at least 40). */
export function shortAnswer(bytes: number, seed = 1): { model: string; content: string } {
  const make = (content: string) => ({ model: 'gpt-4o-mini', content });
  const room = Math.max(0, bytes - JSON.stringify(make('')).length);
  let content = prose(room + 16, seed)
    .replace(/\n/g, ' ')
    .slice(0, room);
  while (JSON.stringify(make(content)).length < bytes) content += ' ';
  return make(content);
}

/** A realistic response of exactly `bytes` bytes of JSON: a `chat.completion` from 700 bytes, a short answer below. */
export function responseOfSize(bytes: number, seed = 1): object {
  return bytes >= 700 ? chatCompletion(bytes, seed) : shortAnswer(bytes, seed);
}
