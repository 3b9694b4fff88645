import { describe, expect, it } from 'vitest';
import { type EnvironmentName, EnvironmentPresets, parseConfig } from '../../src/config/index.js';
import { AICacheConfigSchema, CacheConfigSchema } from '../../src/config/public.js';

const names = Object.keys(EnvironmentPresets) as EnvironmentName[];

describe('EnvironmentPresets', () => {
  it('has the five presets', () => {
    expect(names.sort()).toEqual(['aiDevelopment', 'aiProduction', 'development', 'production', 'testing']);
  });

  it.each(names)('%s passes AICacheConfigSchema', (name) => {
    expect(AICacheConfigSchema.safeParse(EnvironmentPresets[name]()).success).toBe(true);
  });

  it.each(['development', 'testing', 'production'] as const)('%s also passes CacheConfigSchema', (name) => {
    expect(CacheConfigSchema.safeParse(EnvironmentPresets[name]()).success).toBe(true);
  });

  it.each(names)('%s returns a fresh object each time', (name) => {
    const a = EnvironmentPresets[name]();
    expect(EnvironmentPresets[name]()).not.toBe(a);
    expect(EnvironmentPresets[name]()).toEqual(a);
  });

  it('development: local redis, 5m, L1 on, no fail on connection error', () => {
    const config = parseConfig(AICacheConfigSchema, EnvironmentPresets.development());
    expect(config.redis?.url).toBe('redis://127.0.0.1:6379');
    expect(config.ttl).toBe('5m');
    expect(config.l1).not.toBe(false);
    expect(config.failOnConnectionError).toBe(false);
  });

  it('testing: 60s, no L1, db 15', () => {
    const config = parseConfig(AICacheConfigSchema, EnvironmentPresets.testing());
    expect(config.ttl).toBe('60s');
    expect(config.l1).toBe(false);
    expect(config.redis?.db).toBe(15);
  });

  it('production: 1h, L1 of 1000 entries, threshold 1024, 500 ms commands', () => {
    const config = parseConfig(AICacheConfigSchema, EnvironmentPresets.production());
    expect(config.ttl).toBe('1h');
    expect(config.l1).toMatchObject({ maxEntries: 1000 });
    expect(config.compression.threshold).toBe(1024);
    expect(config.compressionThreshold).toBe(1024);
    expect(config.failOnConnectionError).toBe(false);
    expect(config.redis?.commandTimeoutMs).toBe(500);
  });

  it('aiDevelopment: local redis with short TTLs', () => {
    const config = parseConfig(AICacheConfigSchema, EnvironmentPresets.aiDevelopment());
    expect(config.redis?.url).toBe('redis://127.0.0.1:6379');
    expect(config.prefix).toBe('ai-cache');
    expect(config.defaultTtl).toBe('5m');
    for (const ttl of Object.values(config.operationTtls)) expect(['5m', '10m']).toContain(ttl);
  });

  it('aiProduction: operation TTLs, hashed texts', () => {
    const config = parseConfig(AICacheConfigSchema, EnvironmentPresets.aiProduction());
    expect(config.operationTtls).toEqual({
      summarize: '2h',
      sentiment: '1h',
      key_points: '90m',
      questions: '80m',
      qa: '1h',
    });
    expect(config.textHashThreshold).toBe(500);
    expect(config.hashAllText).toBe(true);
    expect(config.redis?.commandTimeoutMs).toBe(500);
  });
});
