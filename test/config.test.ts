import { ConfigError } from '../src/common/errors';
import { describeConfig, loadConfig, settings } from '../src/config';

const aesKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const selfBuilt = { WECOM_CORP_ID: 'ww1234567890', WECOM_KF_SECRET: 's3cr3t-value', WECOM_TOKEN: 'QDG6eK', WECOM_ENCODING_AES_KEY: aesKey };

describe('loadConfig', () => {
  it('runs the sandbox with every default when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'sandbox', port: 3978, host: '0.0.0.0', dataDir: './data', testClock: false, logLevel: 'info',
      apiBaseUrl: 'https://qyapi.weixin.qq.com/cgi-bin/',
    });
    expect(config.corp).toBeUndefined();
    expect(config.mongodbUri).toBeUndefined();
    expect(config.locale).toBeUndefined();
  });

  it('reads STORE_ENGINE (sqlite or nedb; unset → the store decides) and refuses anything else, naming the fix', () => {
    expect(loadConfig({}).storeEngine).toBeUndefined();
    expect(loadConfig({ STORE_ENGINE: 'nedb' }).storeEngine).toBe('nedb');
    expect(loadConfig({ STORE_ENGINE: 'SQLite' }).storeEngine).toBe('sqlite');
    expect(() => loadConfig({ STORE_ENGINE: 'mongo' })).toThrow(/STORE_ENGINE[\s\S]*set sqlite or nedb/);
  });

  it('reads WECOM_LOCALE as a canonical BCP 47 tag', () => {
    expect(loadConfig({ WECOM_LOCALE: 'zh-cn' }).locale).toBe('zh-CN');
    expect(loadConfig({ WECOM_LOCALE: 'en' }).locale).toBe('en');
  });

  it('reads a complete self-built setup', () => {
    const config = loadConfig({ ...selfBuilt, PORT: '8080', WECOM_API_BASE_URL: 'http://127.0.0.1:9000/cgi-bin', TEST_CLOCK: 'true' });
    expect(config.mode).toBe('self-built');
    expect(config.port).toBe(8080);
    expect(config.apiBaseUrl).toBe('http://127.0.0.1:9000/cgi-bin/');
    expect(config.testClock).toBe(true);
    expect(config.corp).toEqual({ corpId: 'ww1234567890', secret: 's3cr3t-value', token: 'QDG6eK', encodingAesKey: aesKey });
  });

  it('picks provider mode when a suite id is set, keeping WECOM_CORP_ID as the provider corp', () => {
    const config = loadConfig({
      WECOM_SUITE_ID: 'wwsuite1', WECOM_SUITE_SECRET: 'x', WECOM_SUITE_TOKEN: 'tok', WECOM_SUITE_ENCODING_AES_KEY: aesKey, WECOM_CORP_ID: 'wwprov',
      WECOM_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    });
    expect(config.mode).toBe('provider');
    expect(config.suite).toMatchObject({ suiteId: 'wwsuite1', providerCorpId: 'wwprov' });
    expect(config.suite?.secretKey).toEqual(Buffer.alloc(32, 9));
  });

  it.each([
    [undefined, /WECOM_SECRET_KEY is required/],
    [Buffer.alloc(16).toString('base64'), /WECOM_SECRET_KEY is invalid \(value hidden\): must be 32 bytes/],
    ['not base64 at all, not base64 at all, nope!', /WECOM_SECRET_KEY is invalid/],
  ])('refuses provider mode without a 32-byte WECOM_SECRET_KEY (%s)', (key, message) => {
    const env = { WECOM_SUITE_ID: 'wwsuite1', WECOM_SUITE_SECRET: 'x', WECOM_SUITE_TOKEN: 'tok', WECOM_SUITE_ENCODING_AES_KEY: aesKey, WECOM_SECRET_KEY: key };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    [{ ...selfBuilt, WECOM_KF_SECRET: undefined }, 'WECOM_KF_SECRET', /is required/],
    [{ ...selfBuilt, WECOM_ENCODING_AES_KEY: 'short' }, 'WECOM_ENCODING_AES_KEY', /43 characters/],
    [{ ...selfBuilt, WECOM_TOKEN: 'has space' }, 'WECOM_TOKEN', /without spaces/],
    [{ PORT: 'eighty' }, 'PORT', /invalid/],
    [{ PORT: '70000' }, 'PORT', /invalid/],
    [{ WECOM_API_BASE_URL: 'ftp://x' }, 'WECOM_API_BASE_URL', /http/],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI', /mongodb:\/\//],
    [{ TEST_CLOCK: 'yes' }, 'TEST_CLOCK', /invalid/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /invalid/],
    [{ WECOM_LOCALE: 'zh_CN' }, 'WECOM_LOCALE', /BCP 47/],
  ])('refuses a wrong value with a ConfigError naming the variable and the fix (%#)', (env, variable, problem) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'config_invalid', variable });
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).toContain('Fix:');
  });

  it('accepts what other deployments write: a short admin token, LOG_LEVEL in capitals, a bare API host', () => {
    const config = loadConfig({ ...selfBuilt, ADMIN_TOKEN: 'admin', LOG_LEVEL: 'INFO', WECOM_API_BASE_URL: 'http://127.0.0.1:9000', WECOM_TOKEN: 'tok_123' });
    expect(config).toMatchObject({ adminToken: 'admin', logLevel: 'info', apiBaseUrl: 'http://127.0.0.1:9000/cgi-bin/', corp: { token: 'tok_123' } });
  });

  it('never echoes a secret in an error or in the loggable description', () => {
    const secretKey = 'Z'.repeat(42);
    expect(() => loadConfig({ ...selfBuilt, WECOM_ENCODING_AES_KEY: secretKey })).toThrow(/value hidden/);
    try {
      loadConfig({ ...selfBuilt, WECOM_ENCODING_AES_KEY: secretKey });
    } catch (e) {
      expect((e as Error).message).not.toContain(secretKey);
    }
    const described = JSON.stringify(describeConfig(loadConfig({ ...selfBuilt, ADMIN_TOKEN: 'a-very-long-admin-token' })));
    expect(described).not.toContain('s3cr3t-value');
    expect(described).not.toContain('a-very-long-admin-token');
    expect(described).not.toContain(aesKey);
  });

  it('declares every variable of architecture.md', () => {
    const names = settings.map((s) => s.name);
    for (const name of ['PORT', 'WECOM_CORP_ID', 'WECOM_KF_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY', 'WECOM_API_BASE_URL',
      'DATA_DIR', 'MONGODB_URI', 'ADMIN_TOKEN', 'WECOM_SUITE_ID', 'WECOM_SUITE_SECRET', 'WECOM_SUITE_TOKEN', 'WECOM_SUITE_ENCODING_AES_KEY', 'TEST_CLOCK']) {
      expect(names).toContain(name);
    }
  });
});

describe('loadConfig: egress proxy and HTTP server limits', () => {
  it('defaults to no proxy and to slow-client limits that are on', () => {
    const config = loadConfig({});
    expect(config.httpProxy).toBeUndefined();
    expect(config.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 512 });
  });

  it('reads WECOM_HTTP_PROXY and the HTTP_* limits, and logs the proxy host without its credentials', () => {
    const config = loadConfig({ ...selfBuilt, WECOM_HTTP_PROXY: 'http://user:pw@proxy.internal:3128', HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_MAX_CONNECTIONS: '200' });
    expect(config.httpProxy).toBe('http://user:pw@proxy.internal:3128');
    expect(config.http).toMatchObject({ headersTimeoutMs: 5000, maxConnections: 200 });
    expect(describeConfig(config).httpProxy).toBe('proxy.internal:3128');
    expect(JSON.stringify(describeConfig(config))).not.toContain('pw');
  });

  it('refuses a proxy that is not a URL without echoing it, and limits too small to be safe', () => {
    expect(() => loadConfig({ WECOM_HTTP_PROXY: 'proxy.internal:3128' })).toThrow(ConfigError);
    expect(() => loadConfig({ WECOM_HTTP_PROXY: 'user:pw@proxy' })).toThrow(/WECOM_HTTP_PROXY is invalid \(value hidden\)/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '10' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS is invalid "10": must be at least 1000 ms/);
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: 'lots' })).toThrow(/HTTP_MAX_CONNECTIONS is invalid/);
  });
});
