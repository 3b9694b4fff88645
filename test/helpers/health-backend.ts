/**
 * Test doubles of the *contracts* the cache builds on (not of Redis): a {@link CacheBackend}
 * over a real `MemoryBackend` with a controllable circuit breaker (`health`) and injectable
 * failures or hangs, and an in-memory {@link DistributedLock} that counts its calls.
 *
 * @module
 */
import { MemoryBackend } from '../../src/backends/memory.js';
import type {
  BackendEntry,
  BackendHealth,
  BackendHealthChange,
  BackendHealthState,
  CacheBackend,
} from '../../src/backends/types.js';
import { CircuitOpenError } from '../../src/errors.js';
import type { DistributedLock, LockHandle, WaitOutcome } from '../../src/locks/types.js';

/** A breaker whose state the test sets. */
export class ManualHealth implements BackendHealth {
  state: BackendHealthState = 'closed';
  opened = 0;
  readonly listeners = new Set<(change: BackendHealthChange) => void>();

  onChange(listener: (change: BackendHealthChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(state: BackendHealthState, reason?: Error): void {
    const previous = this.state;
    if (previous === state) return;
    this.state = state;
    if (state === 'open') this.opened++;
    const change: BackendHealthChange = reason ? { state, previous, reason } : { state, previous };
    for (const listener of [...this.listeners]) listener(change);
  }
}

/** What a call of {@link ControlledBackend} does besides delegating. */
export type Fault = (op: string, key: string) => Error | 'hang' | undefined;

const never = <T>() => new Promise<T>(() => {});

/**
 * A backend over a `MemoryBackend` with a {@link ManualHealth} breaker: while `open`, every
 * call fails at once with `CircuitOpenError` (what a breaker-aware backend does); `fault` may
 * make any call fail or hang. `calls` counts every call that reached it.
 */
export class ControlledBackend implements CacheBackend {
  readonly name = 'controlled';
  readonly inner = new MemoryBackend();
  readonly health = new ManualHealth();
  readonly calls: { op: string; key: string }[] = [];
  fault: Fault | undefined;
  closed = 0;
  commandTimeoutMs: number | undefined;

  async #call<T>(op: string, key: string, run: () => Promise<T>): Promise<T> {
    this.calls.push({ op, key });
    if (this.health.state === 'open') throw new CircuitOpenError('breaker open');
    const fault = this.fault?.(op, key);
    if (fault === 'hang') return never<T>();
    if (fault) throw fault;
    return run();
  }

  get(key: string) {
    return this.#call('get', key, () => this.inner.get(key));
  }
  set(key: string, value: Uint8Array, ttlMs: number) {
    return this.#call('set', key, () => this.inner.set(key, value, ttlMs));
  }
  delete(key: string) {
    return this.#call('delete', key, () => this.inner.delete(key));
  }
  has(key: string) {
    return this.#call('has', key, () => this.inner.has(key));
  }
  clear(prefix?: string) {
    return this.#call('clear', prefix ?? '', () => this.inner.clear(prefix));
  }
  keys(prefix?: string) {
    return this.inner.keys(prefix);
  }
  getMany(keys: string[]) {
    return this.#call('getMany', keys[0] ?? '', () => this.inner.getMany(keys));
  }
  setMany(entries: BackendEntry[]) {
    return this.#call('setMany', entries[0]?.key ?? '', () => this.inner.setMany(entries));
  }
  async close() {
    this.closed++;
    await this.inner.close();
  }
}

/** An in-process {@link DistributedLock} counting its calls (optionally hanging on acquire). */
export class CountingLock implements DistributedLock {
  readonly name = 'counting';
  readonly held = new Map<string, string>();
  acquires = 0;
  waits = 0;
  closed = 0;
  hang = false;

  async tryAcquire(key: string, _ttlMs: number): Promise<LockHandle | undefined> {
    this.acquires++;
    if (this.hang) return never();
    if (this.held.has(key)) return undefined;
    const token = `t${this.acquires}`;
    this.held.set(key, token);
    return {
      key,
      token,
      release: async () => this.held.get(key) === token && this.held.delete(key),
      extend: async () => this.held.get(key) === token,
    };
  }

  async waitForRelease(_key: string, _timeoutMs: number): Promise<WaitOutcome> {
    this.waits++;
    return 'released';
  }

  async close(): Promise<void> {
    this.closed++;
  }
}
