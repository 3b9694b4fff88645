/**
 * Alerting callback: raises alerts when errors or the miss rate cross thresholds within a
 * sliding time window.
 *
 * @module
 */
import type { CacheCallbacks, CacheOp, GetContext } from '../cache/events.js';
import { ValidationError, type ValidationIssue } from '../errors.js';

/** Kinds of alerts. */
export type AlertKind = 'errors' | 'miss-rate';

/** An alert raised by {@link AlertingCallback}. */
export interface Alert {
  /** What crossed its threshold. */
  kind: AlertKind;
  /** Human-readable description. */
  message: string;
  /** Observed value: errors in the window, or the miss rate (0-1). */
  value: number;
  /** The configured threshold it exceeded. */
  threshold: number;
  /** When it was raised (clock milliseconds). */
  at: number;
}

/** Listener of alerts. */
export type AlertListener = (alert: Alert) => void;

/** Options of {@link AlertingCallback}. */
export interface AlertingCallbackOptions {
  /** Alert when more than `maxErrors` errors happen within `windowMs`. Off when omitted. */
  errorRate?: { maxErrors: number; windowMs: number };
  /**
   * Alert when the share of misses among lookups within `windowMs` exceeds `threshold` (0-1),
   * once at least `minSamples` lookups were seen in the window. Off when omitted.
   */
  missRate?: { threshold: number; minSamples: number; windowMs: number };
  /**
   * An alert of a kind is not raised again within this many milliseconds.
   * @default 60000
   */
  cooldownMs?: number;
  /**
   * Number of past alerts kept in {@link AlertingCallback.alerts}.
   * @default 100
   */
  historySize?: number;
  /**
   * Clock in milliseconds.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Counts of events per millisecond over a sliding window: memory is bounded by the number of
 * distinct milliseconds in the window, whatever the event rate.
 */
class SlidingCounter {
  readonly #windowMs: number;
  #times: number[] = [];
  #counts: number[][] = [];
  #head = 0;
  readonly #totals: number[];

  constructor(windowMs: number, series: number) {
    this.#windowMs = windowMs;
    this.#totals = new Array<number>(series).fill(0);
  }

  /** Adds one event of `series` at `now` and expires old ones. */
  add(now: number, series: number): void {
    this.expire(now);
    const last = this.#times.length - 1;
    let bucket: number[] | undefined;
    if (last >= this.#head && this.#times[last] === now) bucket = this.#counts[last];
    if (!bucket) {
      bucket = new Array<number>(this.#totals.length).fill(0);
      this.#times.push(now);
      this.#counts.push(bucket);
    }
    bucket[series] = (bucket[series] ?? 0) + 1;
    this.#totals[series] = (this.#totals[series] ?? 0) + 1;
  }

  /** Drops events at or before `now - windowMs`. */
  expire(now: number): void {
    const oldest = now - this.#windowMs;
    while (this.#head < this.#times.length && (this.#times[this.#head] ?? 0) <= oldest) {
      const bucket = this.#counts[this.#head] ?? [];
      for (let i = 0; i < this.#totals.length; i++)
        this.#totals[i] = (this.#totals[i] ?? 0) - (bucket[i] ?? 0);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#counts = this.#counts.slice(this.#head);
      this.#head = 0;
    }
  }

  total(series: number): number {
    return this.#totals[series] ?? 0;
  }

  clear(): void {
    this.#times = [];
    this.#counts = [];
    this.#head = 0;
    this.#totals.fill(0);
  }
}

const HIT = 0;
const MISS = 1;

/**
 * Raises an `alert` when more than `errorRate.maxErrors` errors happen within
 * `errorRate.windowMs`, or when the miss rate within `missRate.windowMs` exceeds
 * `missRate.threshold` (after `missRate.minSamples` lookups). Windows slide with the injectable
 * clock; an alert of a kind is not repeated within `cooldownMs`.
 *
 * @example
 * const alerting = new AlertingCallback({ errorRate: { maxErrors: 10, windowMs: 60_000 } });
 * alerting.on('alert', (alert) => pager.send(alert.message));
 * cache.use(alerting);
 */
export class AlertingCallback implements CacheCallbacks {
  readonly #errorRate: { maxErrors: number; windowMs: number } | undefined;
  readonly #missRate: { threshold: number; minSamples: number; windowMs: number } | undefined;
  readonly #cooldownMs: number;
  readonly #historySize: number;
  readonly #now: () => number;
  readonly #errors: SlidingCounter | undefined;
  readonly #lookups: SlidingCounter | undefined;
  readonly #listeners = new Set<AlertListener>();
  readonly #lastAlertAt = new Map<AlertKind, number>();
  #history: Alert[] = [];

  constructor(options: AlertingCallbackOptions = {}) {
    const issues: ValidationIssue[] = [];
    const positive = (path: string, value: number, integer = false): void => {
      if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
        issues.push({ path, message: `expected ${integer ? 'an integer' : 'a number'} > 0` });
      }
    };
    if (options.errorRate) {
      if (!Number.isInteger(options.errorRate.maxErrors) || options.errorRate.maxErrors < 0) {
        issues.push({ path: 'errorRate.maxErrors', message: 'expected an integer >= 0' });
      }
      positive('errorRate.windowMs', options.errorRate.windowMs);
    }
    if (options.missRate) {
      const { threshold, minSamples } = options.missRate;
      if (!(threshold >= 0 && threshold <= 1))
        issues.push({ path: 'missRate.threshold', message: 'expected a number in [0, 1]' });
      positive('missRate.minSamples', minSamples, true);
      positive('missRate.windowMs', options.missRate.windowMs);
    }
    const cooldownMs = options.cooldownMs ?? 60_000;
    if (!Number.isFinite(cooldownMs) || cooldownMs < 0)
      issues.push({ path: 'cooldownMs', message: 'expected a number >= 0' });
    const historySize = options.historySize ?? 100;
    if (!Number.isInteger(historySize) || historySize < 0) {
      issues.push({ path: 'historySize', message: 'expected an integer >= 0' });
    }
    if (issues.length > 0) throw new ValidationError('Invalid AlertingCallback options', issues);

    this.#errorRate = options.errorRate ? { ...options.errorRate } : undefined;
    this.#missRate = options.missRate ? { ...options.missRate } : undefined;
    this.#cooldownMs = cooldownMs;
    this.#historySize = historySize;
    this.#now = options.now ?? Date.now;
    this.#errors = this.#errorRate ? new SlidingCounter(this.#errorRate.windowMs, 1) : undefined;
    this.#lookups = this.#missRate ? new SlidingCounter(this.#missRate.windowMs, 2) : undefined;
  }

  /** Adds an alert listener; returns a function that removes it. A throwing listener does not affect others. */
  on(event: 'alert', listener: AlertListener): () => void {
    if (event !== 'alert') throw new ValidationError(`Unknown event ${JSON.stringify(event)}`, []);
    this.#listeners.add(listener);
    return () => this.off(event, listener);
  }

  /** Removes an alert listener. */
  off(_event: 'alert', listener: AlertListener): void {
    this.#listeners.delete(listener);
  }

  /** Alerts raised so far, oldest first (at most `historySize`). */
  get alerts(): readonly Alert[] {
    return [...this.#history];
  }

  /** Counts a hit. Never replaces the value. */
  onGet(_context: GetContext): undefined {
    this.#lookup(HIT);
    return undefined;
  }

  /** Counts a miss. */
  onMiss(_context: { key: string; durationMs: number }): void {
    this.#lookup(MISS);
  }

  /** Counts an error. */
  onError(_context: { key: string; op: CacheOp; error: Error }): void {
    const config = this.#errorRate;
    const errors = this.#errors;
    if (!config || !errors) return;
    const now = this.#now();
    errors.add(now, 0);
    const count = errors.total(0);
    if (count > config.maxErrors) {
      this.#raise({
        kind: 'errors',
        message: `${count} cache errors in the last ${config.windowMs} ms (more than ${config.maxErrors})`,
        value: count,
        threshold: config.maxErrors,
        at: now,
      });
    }
  }

  /** Forgets the windows, the cooldowns and the history (listeners stay). */
  reset(): void {
    this.#errors?.clear();
    this.#lookups?.clear();
    this.#lastAlertAt.clear();
    this.#history = [];
  }

  #lookup(series: number): void {
    const config = this.#missRate;
    const lookups = this.#lookups;
    if (!config || !lookups) return;
    const now = this.#now();
    lookups.add(now, series);
    const misses = lookups.total(MISS);
    const samples = misses + lookups.total(HIT);
    if (samples < config.minSamples) return;
    const rate = misses / samples;
    if (rate > config.threshold) {
      this.#raise({
        kind: 'miss-rate',
        message: `cache miss rate ${(rate * 100).toFixed(1)}% over ${samples} lookups in the last ${config.windowMs} ms (threshold ${(config.threshold * 100).toFixed(1)}%)`,
        value: rate,
        threshold: config.threshold,
        at: now,
      });
    }
  }

  #raise(alert: Alert): void {
    const last = this.#lastAlertAt.get(alert.kind);
    if (last !== undefined && alert.at - last < this.#cooldownMs) return;
    this.#lastAlertAt.set(alert.kind, alert.at);
    if (this.#historySize > 0) {
      this.#history.push(alert);
      if (this.#history.length > this.#historySize)
        this.#history.splice(0, this.#history.length - this.#historySize);
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener({ ...alert });
      } catch {
        // A failing listener must not break the cache operation nor the other listeners.
      }
    }
  }
}
