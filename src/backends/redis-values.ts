/**
 * Values on the way to and from Redis: zero-copy Buffer / Uint8Array views, `PX` times, entry
 * checks, and `MATCH` patterns.
 *
 * @module
 */
import { Buffer } from 'node:buffer';

/** Escapes the glob metacharacters of a Redis `MATCH` pattern. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A Buffer view over the same memory (no copy). */
export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** A plain Uint8Array view over a Buffer returned by ioredis (no copy). */
export function toBytes(value: Buffer | null | undefined): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined;
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Redis `PX` wants a positive integer. */
export function toPx(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
