import { MemoryBackend } from '../../src/backends/memory.js';
import { defineEntryCorruptionSuite } from './entries-suite.js';

defineEntryCorruptionSuite(
  'Corrupted entries in a MemoryBackend',
  async () => {
    const backend = new MemoryBackend();
    return {
      backend,
      writeRaw: (full, bytes) => backend.set(full, bytes, 3_600_000),
      readRaw: (full) => backend.get(full),
      exists: (full) => backend.has(full),
      close: () => backend.close(),
    };
  },
  'adv-entries-memory',
);
