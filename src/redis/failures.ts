/**
 * Which Redis failures concern the connection (they open the circuit breaker) and which
 * concern one key only (they never do), and how they become {@link InfrastructureError}s.
 *
 * @module
 */
import { CacheError, type FailureScope, InfrastructureError } from '../errors.js';
import { sanitize } from './target.js';

/** Socket error codes of an unreachable or dropped server. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
]);

/** ioredis messages (or reply prefixes) meaning "the server cannot serve anything right now". */
const CONNECTION_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Command timed out',
  'Reached the max retries per request limit',
  'connect ETIMEDOUT',
  'None of startup nodes is available',
  'Cluster isn',
  'Failed to refresh slots cache',
  'LOADING',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'READONLY',
  'NOAUTH',
  'WRONGPASS',
  'BUSY ',
];

/**
 * `'connection'` for failures of the connection (refused, reset, timed out, closed, not ready,
 * server loading or read-only, authentication), `'key'` for an error reply about one command
 * (`WRONGTYPE`, `OOM command not allowed`, any other `ERR` reply).
 */
export function scopeOf(error: unknown): FailureScope {
  if (error instanceof InfrastructureError) return error.scope;
  if (!(error instanceof Error)) return 'connection';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection';
  const { message } = error;
  if (CONNECTION_MESSAGES.some((text) => message.startsWith(text) || message.includes(text))) {
    return 'connection';
  }
  // A reply from the server: it is alive, the command (its key or value) was refused.
  if (error.name === 'ReplyError') return 'key';
  return 'connection';
}

/** What a {@link toInfrastructureError} message and context say about the failed command. */
export interface FailureContext {
  /** `Redis`, `Redis lock`, `Invalidation bus`, ... (start of the message). */
  readonly what: string;
  readonly op: string;
  /** What the command was about (a lock key, a channel), shown after `op` in the message. */
  readonly subject?: string;
  readonly target: string;
  /** Extra secret-free context (component, key, channel, ...). */
  readonly context?: Record<string, unknown>;
}

/** A secret-free {@link InfrastructureError} for a failed command, with its scope. */
export function toInfrastructureError(error: unknown, at: FailureContext): CacheError {
  if (error instanceof CacheError) return error;
  const clean = sanitize(error);
  const scope = scopeOf(error);
  const reason = scope === 'key' ? 'reply' : 'command';
  return new InfrastructureError(
    `${at.what} ${at.op}${at.subject ? ` (${at.subject})` : ''} failed on ${at.target}: ${clean.message}`,
    {
      cause: clean,
      scope,
      context: { op: at.op, target: at.target, reason, ...at.context },
    },
  );
}
