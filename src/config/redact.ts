/**
 * Secret redaction for configuration objects, URLs and messages.
 *
 * @module
 */

/** The placeholder that replaces secrets. */
export const REDACTED = '***';

/**
 * Keys whose values are secrets, compared case-insensitively: `password`, `passphrase`,
 * `secret`, `token`, `apiKey` and any key ending with one of them (`sentinelPassword`,
 * `clientSecret`, `accessToken`, `openaiApiKey`, ...).
 */
const SECRET_KEY = /(password|passphrase|secret|token|api[-_]?key)$/i;

/** `scheme://user:password@` inside any text; the password part is group 2. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):([^\s@/]*)@/gi;

/**
 * Replaces the password of every `scheme://user:password@host` URL inside `text` by `***`.
 * Works on malformed URLs too, since it does not parse them.
 *
 * @example redactUrl('redis://user:secret@host:6379') // 'redis://user:***@host:6379'
 */
export function redactUrl(text: string): string {
  return text.replace(URL_CREDENTIALS, (_match, head: string, password: string) =>
    password === '' ? `${head}:@` : `${head}:${REDACTED}@`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Deep copy of `config` with secrets replaced by `'***'`: values of `password` (and similar:
 * `secret`, `token`, `apiKey`) fields, and passwords inside URLs found in any string.
 * The input is not modified.
 */
export function redactConfig<T>(config: T): T {
  return redactValue(config) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    copy[key] = SECRET_KEY.test(key) && child !== undefined && child !== '' ? REDACTED : redactValue(child);
  }
  return copy;
}

/**
 * Every secret string found in `value` (secret fields and URL passwords, raw and decoded),
 * longest first, so that messages can be scrubbed of them.
 */
export function collectSecrets(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof node === 'string') {
      for (const match of node.matchAll(URL_CREDENTIALS)) {
        const password = match[2];
        if (!password) continue;
        found.add(password);
        try {
          found.add(decodeURIComponent(password));
        } catch {
          // keep the raw form only
        }
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const child of node) visit(child, depth + 1);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, child] of Object.entries(node)) {
      if (SECRET_KEY.test(key) && typeof child === 'string' && child !== '') found.add(child);
      visit(child, depth + 1);
    }
  };
  visit(value, 0);
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Removes `secrets` (and URL passwords) from a message. Secrets shorter than 4 characters are
 * only removed from URLs, so that short words of the message itself are not mangled.
 */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let text = redactUrl(message);
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join(REDACTED);
  }
  return text;
}

/** `util.inspect.custom`, without importing `node:util`. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

type InspectFn = (value: unknown, options?: object) => string;

/**
 * Makes `config` (and every plain object nested in it) show its secrets redacted wherever it is
 * printed: `JSON.stringify(config)` (a `toJSON()`), `util.inspect(config)` / `console.log`
 * (a `[util.inspect.custom]`) and `String(config)`. Both are non-enumerable, so the values
 * themselves, `Object.keys` and equality are unchanged and the code that needs the password
 * still reads it. Returns `config` itself.
 *
 * @example
 * const config = protectSecrets({ redis: { url: 'redis://:pw@host' } });
 * JSON.stringify(config); // '{"redis":{"url":"redis://:***@host"}}'
 */
export function protectSecrets<T>(config: T): T {
  protect(config, 0);
  return config;
}

function protect(node: unknown, depth: number): void {
  if (depth > 32) return;
  if (Array.isArray(node)) {
    for (const child of node) protect(child, depth + 1);
    return;
  }
  if (!isPlainObject(node) || Object.isFrozen(node)) return;
  for (const child of Object.values(node)) protect(child, depth + 1);
  Object.defineProperties(node, {
    toJSON: { value: () => redactConfig(node), enumerable: false, configurable: true, writable: true },
    [INSPECT]: {
      value: (_depth: number, options: object, inspect: InspectFn) => inspect(redactConfig(node), options),
      enumerable: false,
      configurable: true,
      writable: true,
    },
  });
}
