import { describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import { cacheRequest, canonicalText } from '../../src/integrations/openai/keys.js';

describe('openai request keys', () => {
  it('never put request text into the key, short bodies included', async () => {
    const ai = new AIResponseCache({});
    const body = { model: 'm', messages: [{ role: 'user', content: 'zebramarker' }] };
    const request = await cacheRequest(ai, 'chat.completions', 'chat', canonicalText(body), {}, undefined);
    expect(request.text).toMatch(/^sha256:[0-9a-f]{64}$/);
    const key = await ai.keyFor(request);
    expect(key).not.toContain('zebramarker');
    const other = await cacheRequest(
      ai,
      'chat.completions',
      'chat',
      canonicalText({ ...body, messages: [{ role: 'user', content: 'other' }] }),
      {},
      undefined,
    );
    expect(other.text).not.toBe(request.text);
    await ai.close();
  });
});
