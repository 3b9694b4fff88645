import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts a throwaway redis-server (or uses REDIS_URL) and provides `redisUrl` to tests.
    globalSetup: ['./test/setup/redis-global.ts'],
    // Default reporter first, then the one-line Redis summary.
    reporters: ['default', './test/setup/redis-reporter.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Child processes: native addons (lz4-napi) and signal-driven Redis tests are safest there.
    pool: 'forks',
  },
});
