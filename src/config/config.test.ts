import { describe, expect, it } from 'vitest';
import { ConfigError, configSource, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      affinityAuth: 'basic',
      affinityRatePerMinute: 900,
      affinityMaxConcurrent: 8,
      dataDir: './.affinity-sync',
      logLevel: 'info',
      port: 3000,
    });
    expect(c.affinityApiKey).toBeUndefined();
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads the environment and lets flags win', () => {
    const c = loadConfig(
      { AFFINITY_API_KEY: 'k-123', AFFINITY_RATE_PER_MINUTE: '600', AFFINITY_SYNC_DATA_DIR: '/env' },
      { dataDir: '/flag' },
    );
    expect(c.affinityApiKey).toBe('k-123');
    expect(c.affinityRatePerMinute).toBe(600);
    expect(c.dataDir).toBe('/flag');
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', AFFINITY_API_KEY: '' }).databaseUrl).toBeUndefined();
  });

  it('reports every problem at once, naming each variable and value', () => {
    let error: unknown;
    try {
      loadConfig(
        { AFFINITY_RATE_PER_MINUTE: 'fast', DATABASE_URL: 'mysql://x', PORT: '70000' },
        { logLevel: 'loud' },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/AFFINITY_RATE_PER_MINUTE="fast"/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL="mysql:\/\/x": must start with postgres/);
    expect(problems.join('\n')).toMatch(/PORT="70000"/);
    expect(problems.join('\n')).toMatch(/--log-level="loud"/);
  });

  it('never echoes secrets in errors', () => {
    try {
      loadConfig({ AFFINITY_SYNC_SECRET: 'short' });
      expect.unreachable('a short secret must be refused');
    } catch (e) {
      expect((e as Error).message).toContain('AFFINITY_SYNC_SECRET=(hidden)');
      expect((e as Error).message).not.toContain('short"');
    }
  });
});

describe('flag names and sources', () => {
  it('names a flag as the user typed it, not after the configuration key', () => {
    try {
      loadConfig({}, { affinityBaseUrl: 'not a url' }, { affinityBaseUrl: '--base-url' });
      expect.unreachable('a bad URL must be refused');
    } catch (e) {
      expect((e as Error).message).toContain('--base-url="not a url"');
      expect((e as Error).message).not.toContain('--affinity-base-url');
    }
  });

  it('says which flag or variable set a value', () => {
    const fromEnv = loadConfig({ AFFINITY_BASE_URL: 'http://127.0.0.1:1' });
    expect(configSource(fromEnv, 'affinityBaseUrl')).toBe('AFFINITY_BASE_URL');
    const fromFlag = loadConfig(
      { AFFINITY_BASE_URL: 'http://127.0.0.1:1' },
      { affinityBaseUrl: 'http://127.0.0.1:2' },
      { affinityBaseUrl: '--base-url' },
    );
    expect(configSource(fromFlag, 'affinityBaseUrl')).toBe('--base-url');
    expect(configSource(fromFlag, 'logLevel')).toBeUndefined();
    expect(fromFlag.connection).toBe('default');
    expect(loadConfig({ AFFINITY_SYNC_CONNECTION: 'second' }).connection).toBe('second');
  });
});
