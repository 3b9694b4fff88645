/**
 * cacheMiddleware with `ai` 7 (LanguageModelV4, `MockLanguageModelV4` from `ai/test`), which
 * needs Node 22+: installed in `tools/node24` and run under Node 24 by `npm run test:node24`
 * (`vitest.ai7.config.ts`). Not a `*.test.ts` file, so the Node 20 run leaves it out.
 */
import * as ai from '../../tools/node24/node_modules/ai/dist/index.js';
import { MockLanguageModelV4 } from '../../tools/node24/node_modules/ai/dist/test/index.js';
import { aiSdkSuite } from './ai-sdk-suite.js';

aiSdkSuite({ version: 'v4', major: 7, ai, MockLanguageModel: MockLanguageModelV4 });
