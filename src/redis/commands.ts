/**
 * Sending one command on a Redis connection: refused at once while the circuit breaker is not
 * closed or the connection is closed, bounded by a deadline, its failure turned into a
 * secret-free {@link InfrastructureError} that feeds the breaker when it concerns the
 * connection. {@link RedisConnection.run} is this module's {@link CommandSender.run}.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import { CircuitOpenError, InfrastructureError } from '../errors.js';
import type { CircuitBreaker } from './breaker.js';
import type { Deadlines } from './deadlines.js';
import { scopeOf, toInfrastructureError } from './failures.js';
import type { RedisRunOptions } from './options.js';

/** `Redis get`, `Redis lock acquire (key)`: the start of a command's error messages. */
function describe(op: string, options: RedisRunOptions | undefined): string {
  return `${options?.what ?? 'Redis'} ${op}${options?.subject ? ` (${options.subject})` : ''}`;
}

/** The error of a command not sent because the connection to `target` is closed. */
export function closedError(target: string, op: string, options?: RedisRunOptions): InfrastructureError {
  return new InfrastructureError(`The Redis connection to ${target} is closed`, {
    context: { op, target, reason: 'closed', ...options?.context },
  });
}

/** The error of a command whose deadline (`timeoutMs`) passed. */
export function timeoutError(
  target: string,
  op: string,
  timeoutMs: number,
  options?: RedisRunOptions,
): InfrastructureError {
  return new InfrastructureError(`${describe(op, options)} on ${target} timed out after ${timeoutMs} ms`, {
    context: { op, target, reason: 'timeout', timeoutMs, ...options?.context },
  });
}

/** The error of a command not sent because the breaker of `target` is open or half-open. */
export function circuitOpenError(
  target: string,
  breaker: Pick<CircuitBreaker, 'state' | 'reason'>,
  op: string,
  options?: RedisRunOptions,
): CircuitOpenError {
  const reason = breaker.reason;
  return new CircuitOpenError(
    `${describe(op, options)} not sent: the circuit breaker of ${target} is ${breaker.state}${
      reason ? ` (${reason.message})` : ''
    }`,
    {
      ...(reason ? { cause: reason } : {}),
      context: { op, target, reason: 'circuit-open', ...options?.context },
    },
  );
}

/** What a {@link CommandSender} works with: the parts of one connection. */
export interface CommandSenderParts {
  readonly client: Redis | Cluster;
  /** Secret-free description of the server. */
  readonly target: string;
  readonly health: CircuitBreaker;
  readonly deadlines: Deadlines;
  /** Deadline of a command without `timeoutMs`, in milliseconds. */
  readonly commandTimeoutMs: number;
  /** Whether the connection is closed (nothing is sent then). */
  readonly closed: () => boolean;
  /** Resolves once the client is ready (opening it if lazy), or rejects after `timeoutMs`. */
  readonly waitReady: (timeoutMs: number) => Promise<void>;
}

/**
 * Sends commands on one connection, through its breaker and within deadlines.
 *
 * @example
 * const sender = new CommandSender({ client, target, health, deadlines, commandTimeoutMs: 1000,
 *   closed: () => false, waitReady: (ms) => connection.waitReady(ms) });
 * const pong = await sender.run('ping', (c) => c.ping());
 */
export class CommandSender {
  readonly #parts: CommandSenderParts;

  constructor(parts: CommandSenderParts) {
    this.#parts = parts;
  }

  /**
   * Sends one command with a deadline. Rejects with a {@link CircuitOpenError} (no I/O) while
   * the breaker is not closed, with an {@link InfrastructureError} (`scope: 'key'` for an error
   * about this command's key or value, `'connection'` otherwise) when it fails or its deadline
   * passes. Before the client's first `ready` the command waits for it, within the deadline.
   * Connection-level failures feed the breaker.
   */
  run<T>(
    op: string,
    command: (client: Redis | Cluster) => Promise<T>,
    options?: RedisRunOptions,
  ): Promise<T> {
    const refused = this.#refuse(op, options);
    if (refused) return Promise.reject(refused);
    const timeoutMs = options?.timeoutMs ?? this.#parts.commandTimeoutMs;
    if (this.#parts.client.status !== 'ready') {
      // Before the first ready (a lazy or connecting client): wait for it within the deadline.
      const started = performance.now();
      return this.#parts.waitReady(timeoutMs).then(
        () => {
          const again = this.#refuse(op, options);
          if (again) throw again;
          return this.#send(op, command, Math.max(1, timeoutMs - (performance.now() - started)), options);
        },
        (error: unknown) => {
          throw this.failed(op, error, options);
        },
      );
    }
    return this.#send(op, command, timeoutMs, options);
  }

  /**
   * Wraps the failure of a command (secret-free, with its scope) and feeds the breaker with it
   * when it concerns the connection; an error reply counts as a success (the server is alive).
   */
  failed(op: string, error: unknown, options?: RedisRunOptions): Error {
    const { target, health, client } = this.#parts;
    const wrapped = toInfrastructureError(error, {
      what: options?.what ?? 'Redis',
      op,
      target,
      ...(options?.subject ? { subject: options.subject } : {}),
      ...(options?.context ? { context: options.context } : {}),
    }) as Error;
    if (this.#parts.closed() || error instanceof CircuitOpenError) return wrapped;
    if (scopeOf(wrapped) === 'connection') health.fail(wrapped, client.status === 'ready');
    else health.succeed();
    return wrapped;
  }

  #refuse(op: string, options: RedisRunOptions | undefined): Error | undefined {
    const { target, health } = this.#parts;
    if (this.#parts.closed()) return closedError(target, op, options);
    if (health.state === 'closed') return undefined;
    return circuitOpenError(target, health, op, options);
  }

  #send<T>(
    op: string,
    command: (client: Redis | Cluster) => Promise<T>,
    timeoutMs: number,
    options: RedisRunOptions | undefined,
  ): Promise<T> {
    let pending: Promise<T>;
    try {
      pending = command(this.#parts.client);
    } catch (error) {
      return Promise.reject(this.failed(op, error, options));
    }
    return this.#parts.deadlines
      .bound(pending, timeoutMs, () => timeoutError(this.#parts.target, op, timeoutMs, options))
      .then(
        (value) => {
          this.#parts.health.succeed();
          return value;
        },
        (error: unknown) => {
          throw this.failed(op, error, options);
        },
      );
  }
}
