/**
 * The invalidation messages themselves: validation (a frozen copy holding only the known
 * fields), splitting of large `delete` messages, and the wire envelope of the Redis bus
 * (`{"s":"<sender id>","m":<message>}`).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { InvalidationMessage } from './types.js';

/** Largest number of keys in one `delete` message on the wire; more are split. */
export const MAX_KEYS_PER_MESSAGE = 1000;

/** A stable random id: 12 random bytes in base64url (16 characters). */
export function newBusId(): string {
  return randomBytes(12).toString('base64url');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

/**
 * A frozen copy of `value` holding only the fields of an {@link InvalidationMessage}, or the
 * reason why `value` is not one.
 */
export function normalizeMessage(value: unknown): InvalidationMessage | string {
  if (typeof value !== 'object' || value === null) return 'expected an object';
  const { type } = value as { type?: unknown };
  switch (type) {
    case 'delete': {
      const { keys } = value as { keys?: unknown };
      if (!isStringArray(keys)) return 'delete: expected keys to be an array of non-empty strings';
      return Object.freeze({ type, keys: Object.freeze([...keys]) as string[] });
    }
    case 'clear': {
      const { prefix } = value as { prefix?: unknown };
      if (typeof prefix !== 'string') return 'clear: expected prefix to be a string';
      return Object.freeze({ type, prefix });
    }
    case 'tags': {
      const { tags, at } = value as { tags?: unknown; at?: unknown };
      if (!isStringArray(tags)) return 'tags: expected tags to be an array of non-empty strings';
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
        return 'tags: expected at to be a finite epoch time in milliseconds >= 0';
      }
      return Object.freeze({ type, tags: Object.freeze([...tags]) as string[], at });
    }
    default:
      return `unknown message type ${JSON.stringify(String(type))}`;
  }
}

/** Whether the message invalidates nothing (no keys or no tags). */
export function isEmpty(message: InvalidationMessage): boolean {
  return (
    (message.type === 'delete' && message.keys.length === 0) ||
    (message.type === 'tags' && message.tags.length === 0)
  );
}

/** `message`, with a `delete` split into messages of at most {@link MAX_KEYS_PER_MESSAGE} keys. */
export function split(message: InvalidationMessage): InvalidationMessage[] {
  if (message.type !== 'delete' || message.keys.length <= MAX_KEYS_PER_MESSAGE) return [message];
  const parts: InvalidationMessage[] = [];
  for (let i = 0; i < message.keys.length; i += MAX_KEYS_PER_MESSAGE) {
    parts.push({ type: 'delete', keys: message.keys.slice(i, i + MAX_KEYS_PER_MESSAGE) });
  }
  return parts;
}

/** The wire form of `message` sent by the bus `sender`: compact JSON `{"s":sender,"m":message}`. */
export function encodeEnvelope(sender: string, message: InvalidationMessage): string {
  return JSON.stringify({ s: sender, m: message });
}

/** What {@link decodeEnvelope} found in a payload. */
export type DecodedEnvelope =
  /** A valid message of another bus (a frozen copy, see {@link normalizeMessage}). */
  | { readonly kind: 'message'; readonly message: InvalidationMessage }
  /** A message sent by the bus `self` itself (its content is not looked at). */
  | { readonly kind: 'own' }
  /** Not an envelope holding a valid message: `reason` says why. */
  | { readonly kind: 'malformed'; readonly reason: string };

/** Reads a payload received on the channel of the bus whose id is `self`. */
export function decodeEnvelope(payload: string, self: string): DecodedEnvelope {
  let envelope: unknown;
  try {
    envelope = JSON.parse(payload);
  } catch {
    return { kind: 'malformed', reason: 'not JSON' };
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return { kind: 'malformed', reason: 'expected a JSON object' };
  }
  const { s: sender, m: message } = envelope as { s?: unknown; m?: unknown };
  if (typeof sender !== 'string' || sender === '') {
    return { kind: 'malformed', reason: 'expected "s" to be the sender id' };
  }
  if (sender === self) return { kind: 'own' };
  const normalized = normalizeMessage(message);
  return typeof normalized === 'string'
    ? { kind: 'malformed', reason: normalized }
    : { kind: 'message', message: normalized };
}
