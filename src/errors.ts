/**
 * Error hierarchy of ai-response-cache.
 *
 * Every error thrown by this library is a {@link CacheError} with a stable, machine-readable
 * `code` and a `context` object. Context never carries secrets (passwords, API keys) nor
 * cached values. Errors raised by user code (producers, upstream clients) pass through
 * untouched and are never wrapped.
 *
 * @module
 */

/** Stable error codes. */
export const ErrorCodes = {
  CACHE: 'E_CACHE',
  CONFIGURATION: 'E_CONFIGURATION',
  VALIDATION: 'E_VALIDATION',
  INFRASTRUCTURE: 'E_INFRASTRUCTURE',
  SERIALIZATION: 'E_SERIALIZATION',
  LOCK_TIMEOUT: 'E_LOCK_TIMEOUT',
  TIMEOUT: 'E_TIMEOUT',
  CIRCUIT_OPEN: 'E_CIRCUIT_OPEN',
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Options accepted by every {@link CacheError} constructor. */
export interface CacheErrorOptions {
  /** Structured, secret-free details about what failed. */
  context?: Record<string, unknown>;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error raised by ai-response-cache. */
export class CacheError extends Error {
  /** Stable machine-readable code, e.g. `E_VALIDATION`. */
  readonly code: ErrorCode;
  /** Structured, secret-free details. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(message: string, options: CacheErrorOptions = {}, code: ErrorCode = ErrorCodes.CACHE) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

/** The cache was configured in a way that cannot work (e.g. an unsupported combination). */
export class ConfigurationError extends CacheError {
  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, options, ErrorCodes.CONFIGURATION);
  }
}

/** One problem found while validating input or configuration. */
export interface ValidationIssue {
  /** Dotted path of the offending field (`''` for the input itself). */
  path: string;
  /** Human-readable description of the problem. */
  message: string;
}

/**
 * Input or configuration failed validation. `issues` lists every problem found, not only the
 * first one; the message lists them too.
 */
export class ValidationError extends CacheError {
  /** Every problem found. */
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: ValidationIssue[] = [], options: CacheErrorOptions = {}) {
    const list = issues.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n');
    super(
      list ? `${message}\n${list}` : message,
      { ...options, context: { ...options.context, issues } },
      ErrorCodes.VALIDATION,
    );
    this.issues = Object.freeze([...issues]);
  }
}

/**
 * What an infrastructure failure concerns: `'connection'` (refused, reset, timed out, not
 * ready: the whole backend is unusable, a circuit breaker counts it) or `'key'` (one key or one
 * write only, e.g. Redis `WRONGTYPE` or an `OOM` refusal: the rest of the cache keeps working).
 */
export type FailureScope = 'connection' | 'key';

/** Options of {@link InfrastructureError}. */
export interface InfrastructureErrorOptions extends CacheErrorOptions {
  /** @default 'connection' */
  scope?: FailureScope;
}

/** A backend (Redis, disk) could not be reached or failed. */
export class InfrastructureError extends CacheError {
  /** Whether the failure concerns the connection or one key only. */
  readonly scope: FailureScope;

  constructor(
    message: string,
    options: InfrastructureErrorOptions = {},
    code: ErrorCode = ErrorCodes.INFRASTRUCTURE,
  ) {
    super(message, options, code);
    this.scope = options.scope ?? 'connection';
  }
}

/**
 * A command was not sent because the connection's circuit breaker is open (the backend failed
 * recently and has not answered a probe since). Raised without any I/O, within microseconds.
 */
export class CircuitOpenError extends InfrastructureError {
  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, { ...options, scope: 'connection' }, ErrorCodes.CIRCUIT_OPEN);
  }
}

/** A value could not be serialized, or a stored entry could not be decoded. */
export class SerializationError extends CacheError {
  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, options, ErrorCodes.SERIALIZATION);
  }
}

/** A distributed lock could not be acquired in time (only when configured to throw). */
export class LockTimeoutError extends CacheError {
  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, options, ErrorCodes.LOCK_TIMEOUT);
  }
}

/** A producer exceeded its hard timeout. */
export class TimeoutError extends CacheError {
  constructor(message: string, options: CacheErrorOptions = {}) {
    super(message, options, ErrorCodes.TIMEOUT);
  }
}

/**
 * Maps an error to the HTTP status a server should answer with: 422 for validation errors,
 * 503 for infrastructure and lock/timeouts, 500 for everything else.
 */
export function httpStatusFor(error: unknown): 500 | 422 | 503 {
  if (error instanceof ValidationError) return 422;
  if (
    error instanceof InfrastructureError ||
    error instanceof LockTimeoutError ||
    error instanceof TimeoutError
  ) {
    return 503;
  }
  return 500;
}

/** Turns anything thrown into an `Error` without losing the original. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`, {
    cause: value,
  });
}
