import { MemoryBackend } from '../../src/backends/memory.js';
import { defineKeyIsolationSuite } from './keys-suite.js';

defineKeyIsolationSuite(
  'Key isolation over a MemoryBackend',
  async () => {
    const backend = new MemoryBackend();
    return { backend, close: () => backend.close() };
  },
  'adv-keys-memory',
);
