import { describe, expect, it } from 'vitest';
import { runAnthropicExample } from '../../examples/mock-anthropic/example.js';

describe('the README Anthropic example runs', () => {
  it('misses on create, then replays the stored message as a stream hit (one upstream call)', async () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const lines: string[] = [];
      await runAnthropicExample((line) => lines.push(line));
      expect(lines[0]).toMatch(/^create: miss/);
      expect(lines[1]).toMatch(/^stream: hit, same message: true, [1-9]\d* characters streamed/);
      expect(lines[2]).toBe('upstream calls: 1');
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
  });
});
