import { RedisBackend } from '../../src/backends/redis.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { defineKeyIsolationSuite } from './keys-suite.js';

describeRedis('Key isolation on a real Redis', (url) => {
  defineKeyIsolationSuite(
    'namespaces, root array keys, markers and hashed keys',
    async () => {
      const backend = new RedisBackend({ url });
      return { backend, close: () => backend.close() };
    },
    uniqueCachePrefix('adv-keys'),
  );
});
