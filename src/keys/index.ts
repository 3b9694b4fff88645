/**
 * Keys: hashing, stable stringify, key templates and the key builder.
 *
 * @module
 */

export { getHasher, getHasherSync, HASH_HEX_LENGTH, type HashAlgorithm, type Hasher } from './hash.js';
export {
  type CacheKey,
  escapeKeyPart,
  KeyBuilder,
  type KeyBuilderOptions,
  normalizeCacheKey,
} from './key-builder.js';
export { stableStringify } from './stable-stringify.js';
export { compileKeyTemplate, templateParams } from './template.js';
