/**
 * Type-level tests of cacheMiddleware (checked by `tsc --noEmit`): one middleware type fits the
 * middleware slots of `ai` 5 (V2), 6 (V3) and 7 (V4), and wrapped models keep the SDK's types.
 */
import { type LanguageModelMiddleware, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import {
  type LanguageModelMiddleware as LanguageModelMiddlewareV2,
  wrapLanguageModel as wrapV2,
} from 'ai-v5';
import { MockLanguageModelV2 } from 'ai-v5/test';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import { type CacheMiddleware, cacheMiddleware } from '../../src/integrations/ai-sdk/index.js';
import type { LanguageModelMiddleware as LanguageModelMiddlewareV4 } from '../../tools/node24/node_modules/ai/dist/index.js';

describe('cacheMiddleware types', () => {
  const cache = new AIResponseCache();

  it('fits the middleware slot of ai 5, 6 and 7', async () => {
    expectTypeOf(cacheMiddleware(cache)).toEqualTypeOf<CacheMiddleware<'v3'>>();
    expectTypeOf(cacheMiddleware(cache)).toExtend<LanguageModelMiddleware>();
    expectTypeOf(cacheMiddleware(cache)).toExtend<LanguageModelMiddlewareV2>();
    expectTypeOf(
      cacheMiddleware(cache, { specificationVersion: 'v4' }),
    ).toExtend<LanguageModelMiddlewareV4>();
    // Inferred from where it is used.
    const v4: LanguageModelMiddlewareV4 = cacheMiddleware(cache);
    const v3 = wrapLanguageModel({ model: new MockLanguageModelV3(), middleware: cacheMiddleware(cache) });
    const v2 = wrapV2({ model: new MockLanguageModelV2(), middleware: cacheMiddleware(cache) });
    expectTypeOf(v3.doGenerate).returns.resolves.toHaveProperty('content');
    expectTypeOf(v2.doGenerate).returns.resolves.toHaveProperty('content');
    expectTypeOf(v2.doStream).returns.resolves.toHaveProperty('stream');
    // The SDK does not read the version at run time; the middleware works in every slot.
    expect(typeof v4.wrapGenerate).toBe('function');
    expect(typeof v3.doStream).toBe('function');
    await cache.close();
  });
});
