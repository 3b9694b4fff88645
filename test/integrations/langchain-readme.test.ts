/**
 * The README's runnable LangChain example, run as written (its package imports pointed at the
 * sources): the second chat call is a hit, the second embeddings call sends only 'blue'.
 */

import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const file = `${root}.tmp/readme-langchain-${randomUUID()}.ts`;

afterAll(() => {
  rmSync(file, { force: true });
});

/** The first ```ts block after "Runnable as is" in the LangChain section. */
function example(): string {
  const section = readme.slice(readme.indexOf('## LangChain.js (`ai-response-cache/langchain`)'));
  const start = section.indexOf('```ts', section.indexOf('Runnable as is'));
  const end = section.indexOf('```', start + 5);
  return section.slice(start + 5, end);
}

describe('README: LangChain.js example', () => {
  it('runs as written', async () => {
    const code = example()
      .replace("from 'ai-response-cache/langchain'", `from '${root}src/integrations/langchain/index.ts'`)
      .replace("from 'ai-response-cache'", `from '${root}src/index.ts'`);
    expect(code).toContain('new LangChainCache(ai)');
    mkdirSync(`${root}.tmp`, { recursive: true });
    writeFileSync(file, code.replace('process.env.REDIS_URL ?', 'undefined ?'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(pathToFileURL(file).href);
      expect(log).toHaveBeenCalledWith(['hit', 'miss']);
    } finally {
      log.mockRestore();
    }
  });
});
