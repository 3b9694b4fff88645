/**
 * `CachedEmbeddings`: any LangChain `Embeddings`, cached per input on an {@link AIResponseCache}.
 *
 * Each text is its own entry, keyed (sha256, never verbatim) by the text, the model identity
 * and whether it was embedded as a document or as a query (some models embed the two
 * differently). `embedDocuments` answers the cached texts from the cache and sends only the
 * others to the wrapped embeddings, in one call, in input order; texts already being embedded by
 * a concurrent call of the same instance are awaited instead of being sent again. This is the
 * call path's `resolveEach`, which (in this version) coalesces within one process and takes no
 * cross-process lock: across processes, stored vectors are shared, concurrent misses are not.
 *
 * @module
 */
import { Embeddings } from '@langchain/core/embeddings';
import {
  type AIResponseCache,
  type CacheStatus,
  type CallPath,
  type CallPathOptions,
  createCallPath,
  type PreparedCall,
  type ProviderCodec,
  type TtlSetting,
  ttlProblem,
  ValidationError,
  type ValidationIssue,
} from '../../index.js';
import { namespaceIssues, operationIssues } from './options.js';

/** One input of an embeddings call. */
export interface EmbeddingInput {
  /** `embedDocuments` or `embedQuery`. */
  kind: 'document' | 'query';
  text: string;
}

/** Options of {@link CachedEmbeddings}. */
export interface CachedEmbeddingsOptions {
  /**
   * The model identity in every key. Required when it cannot be read from the wrapped
   * embeddings (a string `model` or `modelName` field). Change it to stop serving older vectors.
   * @default `${className}:${model}` (plus `dimensions` when set) of the wrapped embeddings
   */
  modelId?: string;
  /** Isolates entries (e.g. per tenant): a namespace view of the cache (`ai.namespace(name)`). @default none (the cache itself) */
  namespace?: string;
  /** Operation name of the entries (selects `operationTtls` and the stats slice; no `:`). @default 'embeddings' */
  operation?: string;
  /** TTL of stored vectors (overrides the cache's operation TTLs). @default the cache's */
  ttl?: TtlSetting;
  /** Receives absorbed cache failures (they are also `error` events of the cache). @default none */
  onError?: (error: Error) => void;
}

/** The model identity of `embeddings`, or `undefined` when it has no model name. */
export function modelIdentity(embeddings: object): string | undefined {
  const fields = embeddings as { model?: unknown; modelName?: unknown; dimensions?: unknown };
  const model = typeof fields.model === 'string' ? fields.model : fields.modelName;
  if (typeof model !== 'string' || model === '') return undefined;
  const dimensions = typeof fields.dimensions === 'number' ? `:${fields.dimensions}` : '';
  return `${embeddings.constructor.name}:${model}${dimensions}`;
}

const codec: ProviderCodec<EmbeddingInput, number[]> = {
  name: 'langchain-embeddings',
  keyMaterial: (input) => ({ kind: input.kind, text: input.text }),
  operation: () => 'embeddings',
};

/**
 * An `Embeddings` over another one, cached per input: partial hits send only the misses (in
 * order), concurrent overlapping batches of this instance send shared inputs once; tiered
 * (L1 over Redis or disk) and compressed. Upstream errors propagate unchanged and nothing is stored.
 */
export class CachedEmbeddings extends Embeddings {
  /** The wrapped embeddings. */
  readonly embeddings: Embeddings;
  /** The model identity in the keys. */
  readonly modelId: string;
  readonly #path: CallPath<EmbeddingInput, number[], never>;
  #last: readonly CacheStatus[] = [];

  /**
   * @param embeddings - the embeddings to cache
   * @param ai - where vectors are stored
   * @throws {ValidationError} listing every invalid option (also when no model identity can be found).
   */
  constructor(embeddings: Embeddings, ai: AIResponseCache, options: CachedEmbeddingsOptions = {}) {
    super({});
    const issues: ValidationIssue[] = [
      ...operationIssues(options.operation),
      ...namespaceIssues(options.namespace),
    ];
    const modelId = options.modelId ?? modelIdentity(embeddings);
    if (options.modelId !== undefined && (typeof options.modelId !== 'string' || options.modelId === '')) {
      issues.push({ path: 'modelId', message: 'must be a non-empty string' });
    } else if (modelId === undefined) {
      issues.push({
        path: 'modelId',
        message: `is required: ${embeddings.constructor.name} has no string model or modelName to key vectors by`,
      });
    }
    if (options.ttl !== undefined && typeof options.ttl !== 'function') {
      const problem = ttlProblem(options.ttl);
      if (problem) issues.push({ path: 'ttl', message: problem });
    }
    if (issues.length > 0 || modelId === undefined)
      throw new ValidationError('Invalid CachedEmbeddings options', issues);
    this.embeddings = embeddings;
    this.modelId = modelId;
    const pathOptions: CallPathOptions<EmbeddingInput> = {
      cache: options.namespace === undefined ? ai : ai.namespace(options.namespace),
      operation: options.operation ?? 'embeddings',
      scope: { model: modelId },
    };
    if (options.ttl !== undefined) pathOptions.ttl = options.ttl;
    if (options.onError !== undefined) pathOptions.onError = options.onError;
    this.#path = createCallPath(codec, pathOptions);
  }

  /** The status of each input of the last completed call of this instance (`hit`, `miss`, `coalesced`). */
  get lastStatuses(): readonly CacheStatus[] {
    return this.#last;
  }

  /** The vectors of `documents`, in order; only the uncached ones reach the wrapped embeddings. */
  override async embedDocuments(documents: string[]): Promise<number[][]> {
    if (documents.length === 0) return [];
    return this.#resolve(
      documents.map((text) => ({ kind: 'document', text })),
      (texts) => this.embeddings.embedDocuments(texts),
    );
  }

  /** The vector of a query (cached apart from documents: some models embed queries differently). */
  override async embedQuery(document: string): Promise<number[]> {
    const [vector] = await this.#resolve([{ kind: 'query', text: document }], async ([text]) => [
      await this.embeddings.embedQuery(text ?? ''),
    ]);
    return vector ?? [];
  }

  async #resolve(
    inputs: EmbeddingInput[],
    embed: (texts: string[]) => Promise<number[][]>,
  ): Promise<number[][]> {
    // A text given twice in one call is one input (sent at most once).
    const unique = [...new Set(inputs.map((input) => input.text))];
    const kind = inputs[0]?.kind ?? 'document';
    const prepared: PreparedCall<EmbeddingInput>[] = await Promise.all(
      unique.map((text) => this.#path.prepare({ kind, text })),
    );
    const { answers, statuses } = await this.#path.resolveEach(prepared, async (missing) => {
      const vectors = await embed(missing.map((input) => input.text));
      if (!Array.isArray(vectors) || vectors.length !== missing.length) {
        throw new Error(
          `${this.embeddings.constructor.name} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${missing.length} texts`,
        );
      }
      return { value: vectors };
    });
    const byText = new Map(unique.map((text, i) => [text, i]));
    this.#last = Object.freeze(inputs.map((input) => statuses[byText.get(input.text) ?? 0] ?? 'miss'));
    // Every caller gets its own arrays (a caller that edits a vector changes nothing stored).
    return inputs.map((input) => [...(answers[byText.get(input.text) ?? 0] ?? [])]);
  }
}
