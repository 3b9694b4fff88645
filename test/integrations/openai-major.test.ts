import { VERSION } from 'openai/version';
import { describe, expect, it } from 'vitest';
import { withCache } from '../../src/integrations/openai/index.js';

// `npm test` runs the openai suites with the openai devDependency (6); `npm run test:openai7`
// runs them again under Node 24 with openai 7 aliased in (vitest.openai7.config.ts). This file
// proves which one a run really loaded.
describe('the openai package under test', () => {
  const expected = process.env.EXPECT_OPENAI_MAJOR ?? '6';
  it(`is openai ${expected}.x`, () => {
    expect(VERSION.split('.')[0]).toBe(expected);
    expect(typeof withCache).toBe('function');
  });
});
