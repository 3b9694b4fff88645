import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { createScope } from '../../src/cache/scope.js';
import { TAG_STAMPS_MAX } from '../../src/cache/tag-stamps.js';
import {
  invalidateTags,
  stampIds,
  tagInvalidated,
  tagKey,
  tagsInvalidatedRemote,
  validateTags,
} from '../../src/cache/tags.js';
import { ValidationError } from '../../src/errors.js';
import { createCache } from '../../src/index.js';
import { escapeKeyPart } from '../../src/keys/key-builder.js';
import { fakeClock } from '../helpers/clock.js';
import { readyScope } from './fixtures/scope.js';

describe('tags module', () => {
  it('tagKey escapes the tag under the prefix; validateTags de-duplicates and lists every bad tag', () => {
    expect(tagKey('p', 'a:b#c')).toBe(`p:#tag:${escapeKeyPart('a:b#c')}`);
    expect(tagKey('p', 'a:b#c')).not.toBe(tagKey('p', 'a:b'));
    expect(validateTags(['a', 'b', 'a'])).toEqual(['a', 'b']);
    try {
      validateTags(['ok', '', 3]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['tags.1', 'tags.2']);
    }
    expect(() => validateTags('a' as unknown as string[])).toThrow(ValidationError);
  });

  it('stampIds: one id per tag and per enclosing namespace, the root first', async () => {
    const root = await readyScope();
    expect(stampIds(root, ['x'])).toEqual(['#x']);
    const nested = await readyScope({}, ['tenant', 'team']);
    expect(nested.tagScopes).toEqual(['', 'tenant', 'tenant:team']);
    expect(stampIds(nested, ['x', 'y'])).toEqual([
      '#x',
      'tenant#x',
      'tenant:team#x',
      '#y',
      'tenant#y',
      'tenant:team#y',
    ]);
  });

  it('invalidateTags stamps the own scope in process and in the backend; parents and siblings are not hit', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const a = await readyScope({ backend, now: clock.now, bus: false }, ['a']);
    await invalidateTags(a, ['items']);
    const at = clock.now();
    expect(a.core.tagStamps.get('a#items')).toBe(at);
    const stored = await backend.get(tagKey(a.core.prefix, 'a#items'));
    expect(stored && new DataView(stored.buffer, stored.byteOffset, 8).getFloat64(0, true)).toBe(at);
    expect(tagInvalidated(a, ['items'], at)).toBe(true);
    expect(tagInvalidated(a, ['items'], at + 1)).toBe(false);
    // The root and a sibling share the core, but not the scope of the stamp.
    expect(tagInvalidated(createScope(a.core, []), ['items'], at - 1)).toBe(false);
    expect(tagInvalidated(createScope(a.core, ['b']), ['items'], at - 1)).toBe(false);
    expect(tagInvalidated(createScope(a.core, ['a', 'inner']), ['items'], at - 1)).toBe(true);
  });

  it('tagsInvalidatedRemote learns stamps another process wrote to the backend', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend();
    const writer = await readyScope({ backend, now: clock.now, bus: false });
    const reader = await readyScope({ backend, now: clock.now, bus: false });
    const createdAt = clock.now();
    clock.advance(10);
    await invalidateTags(writer, ['t']);
    expect(tagInvalidated(reader, ['t'], createdAt)).toBe(false);
    expect(await tagsInvalidatedRemote(reader, ['t'], createdAt)).toBe(true);
    expect(reader.core.tagStamps.get('#t')).toBe(createdAt + 10);
  });

  it('a stream of distinct tags keeps the in-process stamps bounded, and an invalidated entry stays a miss', async () => {
    const clock = fakeClock();
    const cache = createCache({ now: clock.now });
    await cache.set('old', 1, { tags: ['first'] });
    clock.advance(1);
    await cache.invalidateTags(['first']);
    clock.advance(1);
    await cache.set('recent', 2, { tags: ['other'] });
    clock.advance(1);
    for (let i = 0; i < TAG_STAMPS_MAX + 500; i += 100) {
      await cache.invalidateTags(Array.from({ length: 100 }, (_, j) => `t${i + j}`));
    }
    // 'first' was forgotten long ago; its entry is still not served.
    expect(await cache.get('old')).toBeUndefined();
    // Tagged entries created before the forgotten stamps are conservatively misses too.
    expect(await cache.get('recent')).toBeUndefined();
    clock.advance(1);
    await cache.set('new', 3, { tags: ['other'] });
    await cache.set('untagged', 4);
    expect(await cache.get('new')).toBe(3);
    expect(await cache.get('untagged')).toBe(4);
  });
});
