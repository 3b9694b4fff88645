/**
 * Tags: invalidating every entry that carries a tag, in O(number of tags). Each invalidation is
 * a stamp (a time) per tag and namespace scope, held in process ({@link TagStamps}, bounded)
 * and in the backend; an entry older than a stamp of one of its tags is a miss.
 *
 * @module
 */
import { ValidationError } from '../errors.js';
import { escapeKeyPart } from '../keys/key-builder.js';
import { type Budget, OVER_BUDGET } from './budget.js';
import { io } from './failover.js';
import { announce } from './invalidation.js';
import type { Scope } from './scope.js';

/**
 * The backend key holding a tag's invalidation stamp: `prefix:#tag:<tag>`. No namespace name contains
 * `#` and every user key starts with `prefix:` + `:` or a namespace, so no key can equal a stamp.
 */
export function tagKey(prefix: string, tag: string): string {
  return `${prefix}:#tag:${escapeKeyPart(tag)}`;
}

/** Checks tags (non-empty strings, de-duplicated); throws a ValidationError listing every bad one. */
export function validateTags(tags: readonly unknown[]): string[] {
  if (!Array.isArray(tags)) {
    throw new ValidationError('Invalid tags', [{ path: 'tags', message: 'must be an array of strings' }]);
  }
  const issues = tags.flatMap((tag, i) =>
    typeof tag === 'string' && tag.length > 0
      ? []
      : [{ path: `tags.${i}`, message: 'must be a non-empty string' }],
  );
  if (issues.length) throw new ValidationError('Invalid tags', issues);
  return [...new Set(tags as string[])];
}

/**
 * The stamp ids that can invalidate an entry of this namespace tagged `tags`: one per tag and
 * per enclosing namespace (`{escaped namespace path}#{tag}`; the root's is `#{tag}`).
 * Escaped namespace segments contain neither `:` nor `#`, so ids of different scopes differ.
 */
export function stampIds(s: Scope, tags: readonly string[]): string[] {
  const ids: string[] = [];
  for (const tag of tags) for (const scope of s.tagScopes) ids.push(`${scope}#${tag}`);
  return ids;
}

/** Whether a tag of an entry created at `createdAt` was invalidated since (stamps known here only). */
export function tagInvalidated(s: Scope, tags: readonly string[], createdAt: number): boolean {
  const stamps = s.core.tagStamps;
  if (stamps.size === 0 && stamps.floor === Number.NEGATIVE_INFINITY) return false;
  return stamps.invalidated(stampIds(s, tags), createdAt);
}

/**
 * Like {@link tagInvalidated}, after refreshing the stamps of `tags` from the backend (within
 * `budget`: past it, the stamps known here decide).
 */
export async function tagsInvalidatedRemote(
  s: Scope,
  tags: readonly string[],
  createdAt: number,
  budget?: Budget,
): Promise<boolean> {
  const core = s.core;
  if (core.backend) {
    const ids = stampIds(s, tags);
    const keys = ids.map((id) => tagKey(core.prefix, id));
    const reading = io(
      s,
      'get',
      keys[0] ?? '',
      (b) => (b.getMany ? b.getMany(keys) : Promise.all(keys.map((k) => b.get(k)))),
      () => keys.map(() => undefined),
    );
    const read = budget ? await budget.bound(reading) : await reading;
    // Over budget: decide with the stamps known here.
    const values = read === OVER_BUDGET ? [] : read;
    values.forEach((bytes, i) => {
      if (bytes?.byteLength !== 8) return;
      const at = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
      core.tagStamps.raise(ids[i] as string, at);
    });
  }
  return tagInvalidated(s, tags, createdAt);
}

/**
 * Stamps `tags` as invalidated now in this namespace's own scope: in process, in the backend
 * (one `setMany`, each stamp living `tagStampTtl`) and, through the bus, in every process.
 */
export async function invalidateTags(s: Scope, tags: readonly string[]): Promise<void> {
  const own = s.tagScopes[s.tagScopes.length - 1] as string;
  const list = validateTags(tags).map((tag) => `${own}#${tag}`);
  const core = s.core;
  const at = core.now();
  for (const tag of list) core.tagStamps.raise(tag, at);
  if (core.backend) {
    const stamp = new Uint8Array(8);
    new DataView(stamp.buffer).setFloat64(0, at, true);
    const entries = list.map((tag) => ({
      key: tagKey(core.prefix, tag),
      value: stamp,
      ttlMs: core.tagStampTtlMs,
    }));
    await io(
      s,
      'set',
      entries[0]?.key ?? '',
      async (b) => {
        if (b.setMany) await b.setMany(entries);
        else await Promise.all(entries.map((e) => b.set(e.key, e.value, e.ttlMs)));
      },
      () => undefined,
    );
  }
  announce(core, { type: 'tags', tags: list, at });
}
