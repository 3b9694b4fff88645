/**
 * JSON helpers shared by the openai integration's conversions.
 *
 * @module
 */

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether `value` is a non-array object. */
export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` when it is an array, else an empty one. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Whether `value` is neither `null` nor `undefined`. */
export const present = (value: unknown): boolean => value !== null && value !== undefined;
