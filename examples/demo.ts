/**
 * `npm run demo`: the project's main job. For now it runs the generic-cache example; it grows
 * into the full `withCache(openai)` demo against a local OpenAI-compatible server.
 */
import { runGenericCacheExample } from './generic-cache.js';

console.log('ai-response-cache demo (embedded memory tier; set REDIS_URL to use Redis)\n');
await runGenericCacheExample();
