/**
 * Shared option checks of the LangChain integration (every problem is collected, so one
 * `ValidationError` lists them all).
 *
 * @module
 */
import { KeyBuilder, ValidationError, type ValidationIssue } from '../../index.js';

/** Problems of an `operation` option (a non-empty string without `:`). */
export function operationIssues(operation: unknown): ValidationIssue[] {
  if (operation === undefined) return [];
  if (typeof operation !== 'string' || operation === '' || operation.includes(':')) {
    return [{ path: 'operation', message: 'must be a non-empty string without ":"' }];
  }
  return [];
}

/** Problems of a `namespace` option (the rules of `AIResponseCache.namespace`). */
export function namespaceIssues(namespace: unknown): ValidationIssue[] {
  if (namespace === undefined) return [];
  try {
    KeyBuilder.validatePart(namespace, 'namespace');
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
}
