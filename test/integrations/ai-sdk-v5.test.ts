/** cacheMiddleware with `ai` 5 (LanguageModelV2, `MockLanguageModelV2` from `ai/test`; installed as `ai-v5`). */
import * as ai from 'ai-v5';
import { MockLanguageModelV2 } from 'ai-v5/test';
import { aiSdkSuite } from './ai-sdk-suite.js';

aiSdkSuite({ version: 'v2', major: 5, ai, MockLanguageModel: MockLanguageModelV2 });
