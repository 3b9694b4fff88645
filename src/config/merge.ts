/**
 * Deep merge of configuration layers (internal).
 *
 * @module
 */

/** A plain configuration object. */
export type ConfigRecord = Record<string, unknown>;

/** Whether `value` is a plain object (not an array, not a class instance). */
export function isPlainObject(value: unknown): value is ConfigRecord {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deep copy of plain objects and arrays; other values are returned as they are. */
export function cloneConfig<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneConfig) as T;
  if (!isPlainObject(value)) return value;
  const copy: ConfigRecord = {};
  for (const [key, child] of Object.entries(value)) copy[key] = cloneConfig(child);
  return copy as T;
}

/** Options that are two spellings of the same setting: the one set last wins. */
const ALIASES: readonly (readonly [string, string])[] = [
  ['redisUrl', 'redis.url'],
  ['compressionThreshold', 'compression.threshold'],
];

function hasPath(record: ConfigRecord, path: string): boolean {
  let node: unknown = record;
  for (const segment of path.split('.')) {
    if (!isPlainObject(node) || node[segment] === undefined) return false;
    node = node[segment];
  }
  return true;
}

function deletePath(record: ConfigRecord, path: string): void {
  const segments = path.split('.');
  const last = segments.pop() as string;
  let node: unknown = record;
  for (const segment of segments) {
    if (!isPlainObject(node)) return;
    node = node[segment];
  }
  if (isPlainObject(node)) delete node[last];
}

function mergeInto(target: ConfigRecord, source: ConfigRecord): ConfigRecord {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    target[key] =
      isPlainObject(value) && isPlainObject(current) ? mergeInto(current, value) : cloneConfig(value);
  }
  return target;
}

/**
 * Merges configuration layers, later layers winning: plain objects are merged deeply, arrays
 * and primitives replaced, `undefined` values skipped. When a layer sets one spelling of an
 * aliased option (`redisUrl` / `redis.url`, `compressionThreshold` / `compression.threshold`),
 * the other spelling set by earlier layers is dropped. Inputs are not modified.
 */
export function mergeConfig(...layers: readonly unknown[]): ConfigRecord {
  let result: ConfigRecord = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    result = cloneConfig(result);
    for (const [a, b] of ALIASES) {
      if (hasPath(layer, a) && !hasPath(layer, b)) deletePath(result, b);
      if (hasPath(layer, b) && !hasPath(layer, a)) deletePath(result, a);
    }
    result = mergeInto(result, layer);
  }
  return result;
}

/** Reads a dotted path. */
export function getPath(record: unknown, path: string): unknown {
  let node: unknown = record;
  for (const segment of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}
