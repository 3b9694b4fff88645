/**
 * Private copies of JSON answers and chunks: each caller gets its own, so that one consumer's
 * edits (`delete chunk.usage`, a rewritten `delta.content`) never reach the stored answer or
 * another caller. Answers are JSON data (they are stored as JSON), so a plain recursive copy is
 * exact and several times faster than `structuredClone` for the small objects of an LLM answer.
 *
 * @module
 */

/** A deep copy of JSON data (plain objects, arrays and primitives; anything else as is). */
export function copyJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const length = value.length;
    const out = new Array(length);
    for (let i = 0; i < length; i++) {
      const item: unknown = value[i];
      // Primitives are copied in place (no call per string or number).
      out[i] = typeof item === 'object' && item !== null ? copyJson(item) : item;
    }
    return out as T;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredCopy(value);
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    out[key] = typeof item === 'object' && item !== null ? copyJson(item) : item;
  }
  return out as T;
}

/** Values that are not plain JSON (a `Date`, a typed array): `structuredClone`, or as is. */
function structuredCopy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
