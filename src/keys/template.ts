/**
 * Key templates such as `"items:{category}:{page}"`.
 *
 * @module
 */

import { ValidationError, type ValidationIssue } from '../errors.js';
import { escapeKeyPart } from './key-builder.js';
import { stableStringify } from './stable-stringify.js';

type Segment = { literal: string } | { param: string };

const PARAM_NAME = /^[A-Za-z_$][\w$]*$/;

function parseTemplate(template: string): Segment[] {
  if (typeof template !== 'string' || template.length === 0) {
    throw new ValidationError('Invalid key template', [{ path: '', message: 'must be a non-empty string' }]);
  }
  const issues: ValidationIssue[] = [];
  const segments: Segment[] = [];
  let literal = '';
  let sawParam = false;
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '}') {
      issues.push({ path: '', message: `unmatched "}" at position ${i}` });
      i++;
      continue;
    }
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    const nextOpen = template.indexOf('{', i + 1);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      issues.push({ path: '', message: `unclosed "{" at position ${i}` });
      i++;
      continue;
    }
    const name = template.slice(i + 1, close);
    if (!PARAM_NAME.test(name)) {
      issues.push({
        path: '',
        message: `invalid parameter name "${name}" at position ${i} (expected an identifier)`,
      });
    }
    if (sawParam && !literal.includes(':')) {
      issues.push({
        path: '',
        message: `parameter {${name}} must be separated from the previous one by ":"`,
      });
    }
    if (literal !== '') segments.push({ literal });
    segments.push({ param: name });
    sawParam = true;
    literal = '';
    i = close + 1;
  }
  if (literal !== '') segments.push({ literal });
  if (issues.length > 0) throw new ValidationError(`Invalid key template "${template}"`, issues);
  return segments;
}

/** Converts one parameter value to a key part (before escaping). */
function toKeyPart(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // NaN and ±Infinity are not keys (see CacheKey).
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return stableStringify(value);
    default:
      // undefined, function, symbol
      return undefined;
  }
}

function describeBad(value: unknown): string {
  if (value === undefined) return 'missing parameter';
  if (typeof value === 'number')
    return `${Number.isNaN(value) ? 'NaN' : String(value)} cannot be part of a key`;
  return `a ${typeof value} cannot be part of a key`;
}

/**
 * The parameter names of `template`, in order of first appearance, without duplicates.
 *
 * @throws {ValidationError} when the template is malformed.
 */
export function templateParams(template: string): string[] {
  const names: string[] = [];
  for (const segment of parseTemplate(template)) {
    if ('param' in segment && !names.includes(segment.param)) names.push(segment.param);
  }
  return names;
}

/**
 * Compiles a key template (`"items:{category}:{page}"`) into a function building the key from
 * parameters.
 *
 * The literal text of the template is kept as it is; each value is stringified (strings as they
 * are, finite numbers / booleans / bigints with `String()`, objects, arrays and `null` with
 * {@link stableStringify}) and escaped with {@link escapeKeyPart}, exactly as the parts of an
 * array key are. So the result, used as a (verbatim) string key, is the same key as the array
 * of its parts: `'items:{category}:{page}'` with `{ category: 'books', page: 2 }` gives
 * `'items:books:2'`, the key of `cache.get('items:books:2')` and of
 * `cache.get(['items', 'books', 2])`, and a value containing `:` cannot forge another key. For
 * that guarantee to hold, consecutive parameters must be separated by a literal containing `:`
 * (`"{a}:{b}"`, not `"{a}{b}"` or `"{a}-{b}"`); the compiler enforces it.
 *
 * @example
 * ```ts
 * const build = compileKeyTemplate('items:{category}:{page}');
 * build({ category: 'books', page: 2 }); // 'items:books:2'
 * build({ category: 'a:b', page: 1 });   // 'items:a%3Ab:1'
 * ```
 *
 * @throws {ValidationError} at compile time when the template is malformed; the returned
 *   function throws a {@link ValidationError} naming every missing (`undefined`) parameter or
 *   parameter that cannot be part of a key (function, symbol, `NaN`, `±Infinity`).
 */
export function compileKeyTemplate(template: string): (params: Record<string, unknown>) => string {
  const segments = parseTemplate(template);
  return (params: Record<string, unknown>): string => {
    let out = '';
    let issues: ValidationIssue[] | undefined;
    for (const segment of segments) {
      if ('literal' in segment) {
        out += segment.literal;
        continue;
      }
      const value = params === null || typeof params !== 'object' ? undefined : params[segment.param];
      const part = toKeyPart(value);
      if (part === undefined) {
        issues ??= [];
        if (!issues.some((issue) => issue.path === segment.param)) {
          issues.push({
            path: segment.param,
            message: describeBad(value),
          });
        }
        continue;
      }
      out += escapeKeyPart(part);
    }
    if (issues !== undefined)
      throw new ValidationError(`Cannot build key from template "${template}"`, issues);
    return out;
  };
}
