/**
 * Secrets never show: every configuration object handed out prints (JSON.stringify,
 * util.inspect, String) with passwords redacted, in URLs and in option fields.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AICacheConfigSchema, CacheConfigSchema } from '../../src/config/public.js';
import {
  AIResponseCache,
  CacheConfigBuilder,
  CacheFactory,
  parseConfig,
  protectSecrets,
  RedisBackend,
} from '../../src/index.js';

const URL_SECRET = 'url-pa55word-Zq';
const FIELD_SECRET = 'field-pa55word-Xy';
/** A port nothing listens on: connections are refused at once (the caches degrade to memory). */
const url = `redis://:${URL_SECRET}@127.0.0.1:1`;

/** Every way a value is commonly printed. */
function printed(value: unknown): string[] {
  return [
    JSON.stringify(value) ?? '',
    inspect(value),
    inspect(value, { depth: null, showHidden: false }),
    String(value),
    `${value as string}`,
  ];
}

function expectNoSecret(value: unknown): void {
  for (const text of printed(value)) {
    expect(text).not.toContain(URL_SECRET);
    expect(text).not.toContain(FIELD_SECRET);
    expect(text).not.toContain(encodeURIComponent(URL_SECRET));
  }
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close().catch(() => {})));
});

describe('secrets are redacted wherever a configuration is printed', () => {
  it('ai.config, ai.config.redis and ai itself', () => {
    const ai = new AIResponseCache({ redisUrl: url });
    opened.push(ai);
    expectNoSecret(ai.config);
    expectNoSecret(ai.config.redis);
    expectNoSecret(ai);
    expect(JSON.stringify(ai.config)).toContain('redis://:***@127.0.0.1:1');
    expect(inspect(ai)).toContain('***');
    // The values themselves are intact: the connection needs them.
    expect(ai.config.redis?.url).toContain(URL_SECRET);
  });

  it('a password given as an option field', () => {
    const ai = new AIResponseCache({ redis: { url: 'redis://127.0.0.1:1', password: FIELD_SECRET } });
    opened.push(ai);
    expectNoSecret(ai.config);
    expectNoSecret(ai);
    expect(JSON.parse(JSON.stringify(ai.config)).redis.password).toBe('***');
    expect(ai.config.redis?.password).toBe(FIELD_SECRET);
  });

  it('CacheConfigBuilder: build() output and the builder', () => {
    const builder = new CacheConfigBuilder().withRedis(url, { password: FIELD_SECRET });
    const config = builder.build();
    expectNoSecret(config);
    expectNoSecret(builder);
    expect(config.redis?.password).toBe(FIELD_SECRET);
    expect(Object.keys(config)).not.toContain('toJSON');
  });

  it('parseConfig results (generic and AI schemas)', () => {
    expectNoSecret(parseConfig(CacheConfigSchema, { redis: { url, password: FIELD_SECRET } }));
    expectNoSecret(parseConfig(AICacheConfigSchema, { redisUrl: url }));
  });

  it('CacheFactory results', async () => {
    const factory = new CacheFactory();
    const ai = await factory.forAIApp({ redisUrl: url });
    opened.push(ai);
    expectNoSecret(ai);
    expectNoSecret(ai.config);
    const fromBuilder = await factory.fromConfig(new CacheConfigBuilder().withRedis(url));
    opened.push(fromBuilder);
    expectNoSecret(fromBuilder);
    expectNoSecret(fromBuilder.config);
    const web = await factory.forWebApp({ redisUrl: url });
    opened.push(web);
    expectNoSecret(web);
  });

  it('RedisBackend (util.inspect(backend))', async () => {
    const backend = new RedisBackend({ url });
    opened.push(backend);
    expectNoSecret(backend);
  });

  it('protectSecrets keeps values, keys and equality unchanged', () => {
    const config = protectSecrets({ redis: { url, password: FIELD_SECRET }, ttl: '1h' });
    expect(config).toEqual({ redis: { url, password: FIELD_SECRET }, ttl: '1h' });
    expect(Object.keys(config)).toEqual(['redis', 'ttl']);
    expect({ ...config.redis }).toEqual({ url, password: FIELD_SECRET });
    expectNoSecret(config);
  });

  it('fields named like secrets, in any nesting, with any prefix', () => {
    const config = protectSecrets({
      sentinels: [{ host: 'h', sentinelPassword: FIELD_SECRET }],
      auth: {
        clientSecret: FIELD_SECRET,
        accessToken: FIELD_SECRET,
        openaiApiKey: FIELD_SECRET,
        api_key: FIELD_SECRET,
      },
      usage: { totalTokens: 12, maxTokens: 3 },
    });
    expectNoSecret(config);
    expect(JSON.parse(JSON.stringify(config)).usage).toEqual({ totalTokens: 12, maxTokens: 3 });
  });
});
