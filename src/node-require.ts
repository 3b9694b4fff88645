/**
 * Node's `require` for the optional or heavy packages the library loads on first use
 * (ioredis, better-sqlite3), in every build: the sources and the ESM build, and the CJS build.
 *
 * @module
 */
import { createRequire } from 'node:module';

/**
 * Loads `id` with Node's `require`, resolved from this module. ESM: created from
 * `import.meta.url`. CJS build: tsup's `shims` define `import.meta.url` from `__filename`;
 * without them esbuild leaves `import.meta` empty and the real `require` is used.
 * (`typeof require` cannot decide: esbuild's ESM output defines a throwing `require` shim.)
 */
export function nodeRequire(id: string): unknown {
  const url: string | undefined = import.meta.url;
  return (url ? createRequire(url) : require)(id);
}
