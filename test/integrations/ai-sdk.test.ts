/** cacheMiddleware with `ai` 6 (LanguageModelV3, `MockLanguageModelV3` from `ai/test`). */
import * as ai from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { aiSdkSuite } from './ai-sdk-suite.js';

aiSdkSuite({ version: 'v3', major: 6, ai, MockLanguageModel: MockLanguageModelV3 });
