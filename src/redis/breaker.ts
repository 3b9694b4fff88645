/**
 * The circuit breaker of one Redis connection ({@link BackendHealth}).
 *
 * @module
 */
import type { BackendHealth, BackendHealthChange, BackendHealthState } from '../backends/types.js';
import { ValidationError, type ValidationIssue } from '../errors.js';
import { MAX_TIMER_MS } from './target.js';

/** Tuning of the circuit breaker of a Redis connection. */
export interface BreakerOptions {
  /**
   * Delay, in milliseconds, before the first half-open probe (`PING`) after the breaker
   * opened; each failed probe doubles it, up to {@link BreakerOptions.maxProbeIntervalMs}.
   * @default 200
   */
  probeIntervalMs?: number;
  /**
   * Longest delay between two probes, in milliseconds.
   * @default 2000
   */
  maxProbeIntervalMs?: number;
  /**
   * Consecutive command deadlines missed while the connection still looks ready (a hung or
   * paused server) that open the breaker; any answer resets the count. Failures while the
   * connection is not ready (refused, reset, closed) open it at once.
   * @default 3
   */
  timeoutThreshold?: number;
}

const DEFAULTS = { probeIntervalMs: 200, maxProbeIntervalMs: 2000, timeoutThreshold: 3 } as const;

/** Validates {@link BreakerOptions}, adding problems under `path`. */
export function checkBreakerOptions(issues: ValidationIssue[], path: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null) {
    issues.push({ path, message: 'expected an object' });
    return;
  }
  const options = value as Record<string, unknown>;
  for (const name of ['probeIntervalMs', 'maxProbeIntervalMs', 'timeoutThreshold'] as const) {
    const v = options[name];
    if (v === undefined) continue;
    const integer = name === 'timeoutThreshold';
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      v > 0 &&
      v <= MAX_TIMER_MS &&
      (!integer || Number.isSafeInteger(v));
    if (!ok) {
      issues.push({
        path: `${path}.${name}`,
        message: `expected a positive ${integer ? 'integer' : 'number of milliseconds'} (got ${String(v)})`,
      });
    }
  }
}

/** Validates, throwing a {@link ValidationError} listing every problem. */
function validate(options: BreakerOptions): void {
  const issues: ValidationIssue[] = [];
  checkBreakerOptions(issues, 'breaker', options);
  if (issues.length > 0) throw new ValidationError('Invalid breaker options', issues);
}

/**
 * A circuit breaker: `closed` (commands go out), `open` (they fail at once, without I/O),
 * `half-open` (one probe is out). The connection drives it: {@link CircuitBreaker.fail} on a
 * connection-level failure, {@link CircuitBreaker.succeed} on any answer,
 * {@link CircuitBreaker.close} when the client reports `ready`. While open, `probe` is called
 * on an `unref()`ed timer with exponential backoff.
 */
export class CircuitBreaker implements BackendHealth {
  readonly #probeIntervalMs: number;
  readonly #maxProbeIntervalMs: number;
  readonly #timeoutThreshold: number;
  readonly #probe: () => Promise<boolean> | undefined;
  readonly #listeners = new Set<(change: BackendHealthChange) => void>();
  #state: BackendHealthState = 'closed';
  #opened = 0;
  #timeouts = 0;
  #reason: Error | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #stopped = false;

  /**
   * @param probe sends one probe and resolves `true` when the server answered, or returns
   * `undefined` when no probe can be sent yet (the breaker stays open, without a `half-open`).
   * @throws {ValidationError} for invalid options.
   */
  constructor(options: BreakerOptions, probe: () => Promise<boolean> | undefined) {
    validate(options);
    this.#probeIntervalMs = options.probeIntervalMs ?? DEFAULTS.probeIntervalMs;
    this.#maxProbeIntervalMs = Math.max(
      this.#probeIntervalMs,
      options.maxProbeIntervalMs ?? DEFAULTS.maxProbeIntervalMs,
    );
    this.#timeoutThreshold = options.timeoutThreshold ?? DEFAULTS.timeoutThreshold;
    this.#delay = this.#probeIntervalMs;
    this.#probe = probe;
  }

  /** {@inheritDoc BackendHealth.state} */
  get state(): BackendHealthState {
    return this.#state;
  }

  /** {@inheritDoc BackendHealth.opened} */
  get opened(): number {
    return this.#opened;
  }

  /** The failure that opened the breaker last (secret-free), while it is not closed. */
  get reason(): Error | undefined {
    return this.#state === 'closed' ? undefined : this.#reason;
  }

  /** {@inheritDoc BackendHealth.onChange} */
  onChange(listener: (change: BackendHealthChange) => void): () => void {
    const registration = (change: BackendHealthChange): void => listener(change);
    this.#listeners.add(registration);
    return () => {
      this.#listeners.delete(registration);
    };
  }

  /**
   * Records a connection-level failure. `ready` tells whether the connection still looks
   * usable: if not, the breaker opens at once; if so (a missed deadline on a live socket), it
   * opens after `timeoutThreshold` consecutive ones.
   */
  fail(reason: Error, ready: boolean): void {
    if (this.#stopped) return;
    this.#reason = reason;
    if (this.#state === 'open') return;
    if (this.#state === 'closed' && ready && ++this.#timeouts < this.#timeoutThreshold) return;
    this.#open(reason);
  }

  /** Records an answer from the server (resets the count of missed deadlines). */
  succeed(): void {
    this.#timeouts = 0;
  }

  /** Closes the breaker (the client reported `ready`, or a probe was answered). */
  close(): void {
    this.#timeouts = 0;
    this.#delay = this.#probeIntervalMs;
    this.#clearTimer();
    if (this.#state !== 'closed' && !this.#stopped) this.#set('closed');
  }

  /** Stops probing for good (the connection is closed); the state no longer changes. */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  #open(reason: Error): void {
    const previous = this.#state;
    if (previous === 'closed') this.#opened++;
    this.#timeouts = 0;
    this.#set('open', reason);
    if (previous === 'half-open') this.#delay = Math.min(this.#delay * 2, this.#maxProbeIntervalMs);
    this.#schedule();
  }

  #schedule(): void {
    this.#clearTimer();
    if (this.#stopped) return;
    this.#timer = setTimeout(this.#runProbe, this.#delay);
    this.#timer.unref();
  }

  readonly #runProbe = (): void => {
    this.#timer = undefined;
    if (this.#stopped || this.#state !== 'open') return;
    const attempt = this.#probe();
    if (attempt === undefined) {
      // Nothing to probe yet (the client is reconnecting by itself): look again later.
      this.#delay = Math.min(this.#delay * 2, this.#maxProbeIntervalMs);
      this.#schedule();
      return;
    }
    this.#set('half-open');
    attempt.then(
      (answered) => this.#settleProbe(answered),
      () => this.#settleProbe(false),
    );
  };

  #settleProbe(answered: boolean): void {
    if (this.#stopped || this.#state !== 'half-open') return;
    if (answered) {
      this.close();
      return;
    }
    this.#open(this.#reason ?? new Error('probe failed'));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #set(state: BackendHealthState, reason?: Error): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: BackendHealthChange = reason ? { state, previous, reason } : { state, previous };
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A failing listener must not break the breaker.
      }
    }
  }
}
