/**
 * xxhash-wasm, loaded on first use: the main entry does not load it at import, only the first
 * `getHasher('xxh64')` (a cache's `ready()` or first operation) does. Its WebAssembly module is
 * initialised asynchronously anyway, so the load is a dynamic `import()`, which the CJS build
 * turns into `require`.
 *
 * @internal
 * @module
 */

import type { XXHashAPI } from 'xxhash-wasm';

type XxhashInit = () => Promise<XXHashAPI>;

/**
 * Imports xxhash-wasm and initialises its WebAssembly module (the caller memoizes the result).
 *
 * @throws (rejection) whatever the import or the WebAssembly initialisation throws.
 */
export async function loadXxhash(): Promise<XXHashAPI> {
  const module = (await import('xxhash-wasm')) as { default?: unknown };
  // ESM: the default export; CJS build: esbuild's interop puts module.exports on `default`.
  const init = (typeof module.default === 'function' ? module.default : module) as XxhashInit;
  return init();
}
