/**
 * `AUDIT_OPS` (main entry): every operation an `AuditCallback` records, all of them by default,
 * and the only values its `ops` option accepts. Driven through a real `Cache`.
 */
import { describe, expect, it } from 'vitest';
import {
  AUDIT_OPS,
  AuditCallback,
  type AuditRecord,
  createCache,
  InfrastructureError,
  MemoryBackend,
  ValidationError,
} from '../../src/index.js';

/** A memory backend whose reads of `poisoned` fail (a one-key failure, as Redis WRONGTYPE is). */
class PoisonedBackend extends MemoryBackend {
  override async get(key: string): Promise<Uint8Array | undefined> {
    if (key.endsWith('poisoned')) throw new InfrastructureError('WRONGTYPE', { scope: 'key' });
    return super.get(key);
  }
}

async function exercise(audit: AuditCallback): Promise<void> {
  const cache = createCache({ prefix: 'audit-ops', backend: new PoisonedBackend(), l1: false });
  cache.use(audit);
  await cache.get('k'); // miss
  await cache.set('k', 'v'); // set
  await cache.get('k'); // get (a hit)
  await cache.delete('k'); // delete
  await cache.get('poisoned'); // error (and a miss)
  await cache.close();
}

describe('AUDIT_OPS', () => {
  it('an AuditCallback without ops records each of AUDIT_OPS, and nothing else', async () => {
    const records: AuditRecord[] = [];
    await exercise(new AuditCallback({ log: (r) => records.push(r) }));
    const ops = new Set(records.map((r) => r.op));
    expect([...ops].sort()).toEqual([...AUDIT_OPS].sort());
    expect(records.find((r) => r.op === 'error')).toMatchObject({ failedOp: 'get', result: 'error' });
  });

  it('each op of AUDIT_OPS given alone records that op only', async () => {
    for (const op of AUDIT_OPS) {
      const records: AuditRecord[] = [];
      await exercise(new AuditCallback({ log: (r) => records.push(r), ops: [op] }));
      expect(records.length).toBeGreaterThan(0);
      expect(new Set(records.map((r) => r.op))).toEqual(new Set([op]));
    }
  });

  it('an op outside AUDIT_OPS is a ValidationError that lists AUDIT_OPS', () => {
    let error: unknown;
    try {
      new AuditCallback({ log: () => {}, ops: ['get', 'hit' as never] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'ops', message: `unknown op "hit"; expected one of ${AUDIT_OPS.join(', ')}` },
    ]);
  });

  it('cannot be changed (a frozen list)', () => {
    expect(Object.isFrozen(AUDIT_OPS)).toBe(true);
    expect(() => (AUDIT_OPS as string[]).push('hit')).toThrow(TypeError);
  });
});
