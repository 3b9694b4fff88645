/**
 * Deterministic, varied English prose for the mock OpenAI server.
 *
 * Everything here is a pure function of its inputs (a numeric seed, optional topic words): the same seed
 * always produces the same text, different seeds produce visibly different text. The prose is built from a
 * small sentence grammar (templates with slots for subjects, verbs, objects, adverbials and connectors), so
 * answers read like real sentences instead of repeated filler words.
 *
 * @module
 */

/** A seeded pseudo-random number generator returning floats in `[0, 1)`. */
export type Rng = () => number;

/**
 * Hashes a string to an unsigned 32-bit integer (cyrb53 folded to 32 bits).
 *
 * @param input - The string to hash.
 * @param seed - Optional seed mixed into the hash; different seeds give unrelated hashes.
 * @returns An integer in `[0, 2^32)`.
 */
export function hashString(input: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ (h2 >>> 1)) >>> 0;
}

/**
 * Creates a mulberry32 pseudo-random generator.
 *
 * @param seed - Any integer; only the low 32 bits are used.
 * @returns A function yielding deterministic floats in `[0, 1)`.
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns an integer in `[min, max]` (both inclusive). */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Picks one element of a non-empty array. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError('pick() needs a non-empty array');
  return item;
}

// ---------------------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------------------

/** Singular subjects, paired with third-person verbs. */
const SINGULAR_SUBJECTS = [
  'a careful engineer',
  'the team',
  'a well-designed system',
  'the new approach',
  'a small prototype',
  'the documentation',
  'an experienced reviewer',
  'the compiler',
  'a good cache',
  'the scheduler',
  'the proposal',
  'a thoughtful design',
  'the research group',
  'the old library',
  'a curious student',
  'the product manager',
  'the first draft',
  'every benchmark',
] as const;

/** Plural subjects, paired with base-form verbs. */
const PLURAL_SUBJECTS = [
  'most developers',
  'many teams',
  'small companies',
  'the best tools',
  'experienced writers',
  'careful readers',
  'modern databases',
  'good abstractions',
  'the early results',
  'independent studies',
  'seasoned operators',
  'clear examples',
] as const;

/** Verbs as `[third person singular, base form]`. */
const VERBS = [
  ['improves', 'improve'],
  ['reduces', 'reduce'],
  ['explains', 'explain'],
  ['reveals', 'reveal'],
  ['simplifies', 'simplify'],
  ['questions', 'question'],
  ['supports', 'support'],
  ['changes', 'change'],
  ['protects', 'protect'],
  ['measures', 'measure'],
  ['highlights', 'highlight'],
  ['challenges', 'challenge'],
  ['shapes', 'shape'],
  ['clarifies', 'clarify'],
  ['rewards', 'reward'],
  ['exposes', 'expose'],
] as const;

const OBJECTS = [
  'the overall latency',
  'a surprising number of edge cases',
  'the cost of every request',
  'the way people think about failure',
  'the hidden assumptions in the code',
  'a long list of open questions',
  'the trade-offs between speed and safety',
  'the shape of the final answer',
  'the memory footprint',
  'the value of simple interfaces',
  'the rhythm of the release cycle',
  'the quality of the feedback',
  'the boundaries of the problem',
  'a few stubborn bottlenecks',
  'the history behind the decision',
  'the reliability of the whole pipeline',
  'the patience of its users',
  'the limits of the current model',
] as const;

const ADVERBIALS = [
  'in practice',
  'over time',
  'more often than expected',
  'without much ceremony',
  'in surprising ways',
  'under heavy load',
  'at every stage',
  'with remarkable consistency',
  'almost immediately',
  'in the long run',
  'for most workloads',
  'when deadlines are tight',
  'after a few iterations',
  'on a typical afternoon',
] as const;

const CONNECTORS = [
  'However',
  'In addition',
  'As a result',
  'For example',
  'On the other hand',
  'In many cases',
  'Surprisingly',
  'Of course',
  'At the same time',
  'Ultimately',
  'Meanwhile',
  'In short',
] as const;

const CONTEXTS = [
  'production systems',
  'small projects',
  'research settings',
  'distributed environments',
  'early prototypes',
  'large organizations',
  'classroom exercises',
  'open source communities',
] as const;

const ADJECTIVES = [
  'subtle',
  'practical',
  'important',
  'elegant',
  'fragile',
  'robust',
  'unexpected',
  'measurable',
  'reasonable',
  'costly',
] as const;

const FALLBACK_TOPICS = [
  'caching',
  'performance',
  'reliability',
  'the design',
  'this question',
  'the experiment',
  'the migration',
  'observability',
] as const;

const STOPWORDS = new Set([
  'about',
  'above',
  'after',
  'again',
  'against',
  'because',
  'before',
  'being',
  'below',
  'between',
  'could',
  'describe',
  'during',
  'every',
  'explain',
  'other',
  'please',
  'should',
  'their',
  'there',
  'these',
  'thing',
  'things',
  'those',
  'through',
  'under',
  'until',
  'where',
  'which',
  'while',
  'would',
  'write',
  'tell',
  'what',
  'with',
  'your',
  // verbs and filler that often appear in prompts but make poor topics
  'affects',
  'answer',
  'behaves',
  'brief',
  'causes',
  'compare',
  'compares',
  'describes',
  'example',
  'explains',
  'handles',
  'happens',
  'helps',
  'improves',
  'makes',
  'matters',
  'paragraph',
  'reduces',
  'sentence',
  'sentences',
  'short',
  'simple',
  'summarize',
  'using',
  'works',
]);

// ---------------------------------------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------------------------------------

function capitalize(text: string): string {
  return text.length === 0 ? text : text.charAt(0).toUpperCase() + text.slice(1);
}

/** `a` or `an` followed by the word. */
function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/**
 * Draws words from the vocabulary lists without repeating one until its list is exhausted, so that a single
 * answer rarely says the same thing twice.
 */
class Picker {
  readonly #used = new Map<readonly unknown[], Set<number>>();

  constructor(readonly rng: Rng) {}

  pick<T>(items: readonly T[]): T {
    let used = this.#used.get(items);
    if (!used || used.size >= items.length) {
      used = new Set();
      this.#used.set(items, used);
    }
    let index = Math.floor(this.rng() * items.length);
    while (used.has(index)) index = (index + 1) % items.length;
    used.add(index);
    return items[index] as T;
  }

  /** A subject with a verb that agrees with it, and an object. */
  clause(): string {
    const verb = this.pick(VERBS);
    return this.rng() < 0.6
      ? `${this.pick(SINGULAR_SUBJECTS)} ${verb[0]} ${this.pick(OBJECTS)}`
      : `${this.pick(PLURAL_SUBJECTS)} ${verb[1]} ${this.pick(OBJECTS)}`;
  }
}

type Template = (p: Picker, topic: string) => string;

const TEMPLATES: readonly Template[] = [
  (p) => `${capitalize(p.clause())} ${p.pick(ADVERBIALS)}.`,
  (p) => `${p.pick(CONNECTORS)}, ${p.clause()}.`,
  (p) => `In ${p.pick(CONTEXTS)}, ${p.clause()}.`,
  (p, topic) => `When it comes to ${topic}, ${p.clause()}.`,
  (p) => `${capitalize(p.clause())}, while ${p.clause()}.`,
  (p) => `${capitalize(p.clause())} because ${p.clause()}.`,
  (p, topic) => `The ${p.pick(ADJECTIVES)} part of ${topic} is that ${p.clause()}.`,
  (p) => `It is ${p.pick(ADJECTIVES)} to notice how ${p.clause()} ${p.pick(ADVERBIALS)}.`,
  (p, topic) => `Why should anyone care about ${topic}? Because ${p.clause()}.`,
  (p) => `${p.pick(CONNECTORS)}, ${p.clause()}, and ${p.clause()}.`,
  (p) => `If ${p.clause()}, then ${p.clause()} ${p.pick(ADVERBIALS)}.`,
  (p, topic) =>
    `${capitalize(withArticle(p.pick(ADJECTIVES)))} view of ${topic} suggests that ${p.clause()}.`,
  (p, topic) => `Thinking about ${topic}, ${p.clause()} ${p.pick(ADVERBIALS)}.`,
  (p) => `${capitalize(p.clause())}; ${p.pick(CONNECTORS).toLowerCase()}, ${p.clause()}.`,
];

const ADJECTIVE_ENDINGS = /(?:ed|al|ic|ive|ous|ful|able|ent|ant|ary)$/;
const NON_TOPIC_ENDINGS = /(?:ly|[^e]ed)$/;

/**
 * Extracts up to `max` topic phrases from a prompt: distinctive lowercase words (5+ letters, not common filler
 * or verb-looking words), taken from the end of the prompt where objects usually are, an adjective-looking
 * word before them being kept (`'distributed systems'`). Used to make answers mention what the prompt asked.
 */
export function extractTopics(text: string, max = 3): string[] {
  const words = text.toLowerCase().match(/[a-z][a-z-]*/g) ?? [];
  const topics: string[] = [];
  for (let i = words.length - 1; i >= 0 && topics.length < max; i--) {
    const word = words[i] ?? '';
    if (word.length < 5 || STOPWORDS.has(word) || NON_TOPIC_ENDINGS.test(word)) continue;
    const before = words[i - 1];
    const phrase =
      before && before.length >= 5 && !STOPWORDS.has(before) && ADJECTIVE_ENDINGS.test(before)
        ? `${before} ${word}`
        : word;
    if (topics.some((topic) => topic.includes(word))) continue;
    topics.push(phrase);
    if (phrase !== word) i--;
  }
  return topics;
}

/** Options for {@link generateProse}. */
export interface ProseOptions {
  /** Minimum number of sentences (default 3). */
  minSentences?: number;
  /** Maximum number of sentences (default 7). */
  maxSentences?: number;
  /** Words the prose may mention as its topic (e.g. from {@link extractTopics}). */
  topics?: readonly string[];
}

/**
 * Generates a few sentences of varied English prose. Deterministic for a given seed and options; long answers
 * are split into two paragraphs.
 *
 * @param seed - Seed for the generator (for example a {@link hashString} of the request).
 * @param options - Length bounds and topic words.
 * @returns Text without leading or trailing whitespace.
 */
export function generateProse(seed: number, options: ProseOptions = {}): string {
  const rng = createRng(seed);
  const picker = new Picker(rng);
  const min = Math.max(1, options.minSentences ?? 3);
  const max = Math.max(min, options.maxSentences ?? 7);
  const topics = options.topics && options.topics.length > 0 ? options.topics : FALLBACK_TOPICS;
  const count = randomInt(rng, min, max);
  const sentences: string[] = [];
  for (let i = 0; i < count; i++) {
    const template = picker.pick(TEMPLATES);
    sentences.push(template(picker, pick(rng, topics)));
  }
  if (sentences.length < 5) return sentences.join(' ');
  const split = Math.ceil(sentences.length / 2);
  return `${sentences.slice(0, split).join(' ')}\n\n${sentences.slice(split).join(' ')}`;
}

/** Returns a short lowercase phrase (2-4 words), handy for generated JSON string values. */
export function generatePhrase(rng: Rng): string {
  const words = pick(rng, OBJECTS).split(' ');
  const length = randomInt(rng, 2, Math.min(4, words.length));
  return words.slice(words.length - length).join(' ');
}

// ---------------------------------------------------------------------------------------------------------
// Word-level helpers (the mock's notion of "tokens")
// ---------------------------------------------------------------------------------------------------------

/** Counts whitespace-separated words. The mock server uses this as its token count. */
export function countWords(text: string): number {
  const matches = text.match(/\S+/g);
  return matches ? matches.length : 0;
}

/**
 * Keeps the first `maxWords` words of `text`, preserving the original spacing, and trims trailing whitespace.
 * The result is always a prefix of `text`.
 */
export function truncateWords(text: string, maxWords: number): string {
  if (maxWords <= 0) return '';
  const words = text.match(/\S+\s*/g) ?? [];
  if (words.length <= maxWords) return text;
  return words.slice(0, maxWords).join('').trimEnd();
}

/**
 * Splits text into streaming pieces of `minWords`..`maxWords` words each. Concatenating the pieces gives
 * back exactly `text` (whitespace is attached to the preceding word).
 */
export function splitIntoPieces(text: string, rng: Rng, minWords = 1, maxWords = 4): string[] {
  const leading = /^\s*/.exec(text)?.[0] ?? '';
  const words = text.slice(leading.length).match(/\S+\s*/g) ?? [];
  const pieces: string[] = [];
  let i = 0;
  while (i < words.length) {
    const size = randomInt(rng, minWords, maxWords);
    pieces.push(words.slice(i, i + size).join(''));
    i += size;
  }
  if (leading) {
    if (pieces.length === 0) pieces.push(leading);
    else pieces[0] = leading + (pieces[0] ?? '');
  }
  return pieces;
}

/** Splits a string into pieces of `size` characters (used to stream tool-call arguments). */
export function splitBySize(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

// ---------------------------------------------------------------------------------------------------------
// JSON values from a (subset of) JSON Schema
// ---------------------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Generates a deterministic JSON value that satisfies a simple JSON Schema (object, array, string, number,
 * integer, boolean, enum, const, anyOf). Unknown or missing schemas produce a `{ query: string }` object.
 * Used for tool-call arguments and structured outputs.
 */
export function generateJsonValue(schema: unknown, rng: Rng, depth = 0): unknown {
  if (!isRecord(schema)) return { query: generatePhrase(rng) };
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return pick(rng, schema.enum);
  const variants = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : null;
  if (variants && variants.length > 0) return generateJsonValue(variants[0], rng, depth);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return generatePhrase(rng);
    case 'integer':
      return randomInt(rng, 1, 100);
    case 'number':
      return Math.round(rng() * 10000) / 100;
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    case 'array': {
      if (depth > 4) return [];
      const length = randomInt(rng, 1, 3);
      return Array.from({ length }, () => generateJsonValue(schema.items, rng, depth + 1));
    }
    default: {
      const properties = isRecord(schema.properties) ? schema.properties : null;
      if (!properties) {
        if (type === 'object') return {};
        return depth === 0 ? { query: generatePhrase(rng) } : generatePhrase(rng);
      }
      const result: Record<string, unknown> = {};
      if (depth > 4) return result;
      for (const [key, value] of Object.entries(properties)) {
        result[key] = generateJsonValue(value, rng, depth + 1);
      }
      return result;
    }
  }
}
