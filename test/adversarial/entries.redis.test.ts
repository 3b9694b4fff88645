import { RedisBackend } from '../../src/backends/redis.js';
import { describeRedis, uniqueCachePrefix } from '../helpers/redis.js';
import { defineEntryCorruptionSuite } from './entries-suite.js';

describeRedis('Corrupted entries on a real Redis', (url) => {
  defineEntryCorruptionSuite(
    'written straight into Redis under the full key',
    async () => {
      const backend = new RedisBackend({ url });
      await backend.connect();
      const client = backend.client;
      return {
        backend,
        writeRaw: async (full, bytes) => {
          await client.set(
            full,
            Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
            'PX',
            3_600_000,
          );
        },
        readRaw: async (full) => {
          const value = await client.getBuffer(full);
          return value === null ? undefined : new Uint8Array(value);
        },
        exists: async (full) => (await client.exists(full)) === 1,
        close: () => backend.close(),
      };
    },
    uniqueCachePrefix('adv-entries'),
  );
});
