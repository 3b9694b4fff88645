import { describe, expect, it } from 'vitest';
import { AIResponseCache } from '../../src/index.js';
import { requestKey } from '../../src/integrations/openai/explain.js';

describe('openai request keys', () => {
  it('never put request text into the key, short bodies included', async () => {
    const ai = new AIResponseCache({});
    const body = { model: 'm', messages: [{ role: 'user', content: 'zebramarker' }] };
    // The key the wrapper's call path stores the request under.
    const { key } = await requestKey(ai, 'chat.completions', body);
    expect(key).toMatch(/sha256(:|%3A)[0-9a-f]{64}/);
    expect(key).not.toContain('zebramarker');
    const other = await requestKey(ai, 'chat.completions', {
      ...body,
      messages: [{ role: 'user', content: 'other' }],
    });
    expect(other.key).not.toBe(key);
    await ai.close();
  });
});
