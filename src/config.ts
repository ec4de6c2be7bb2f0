import { z } from 'zod';
import { ConfigError } from './common/errors';
import { normaliseApiBaseUrl } from './common/url';

/** How the channel reaches WeCom: decided by which credentials are set. */
export type ChannelMode = 'sandbox' | 'self-built' | 'provider';

/** One environment variable: its meaning, default, and whether it is a secret (never logged). */
export interface SettingSpec {
  readonly name: string;
  readonly description: string;
  readonly default?: string;
  readonly secret: boolean;
  /** What a person should do when the value is wrong. */
  readonly fix: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'url';
}

const ENCODING_AES_KEY = /^[A-Za-z0-9+/]{43}$/;

/**
 * Every environment variable the channel reads. README's configuration table and `manifest.json`
 * are kept in step with this list by a test.
 */
export const settings: readonly SettingSpec[] = [
  { name: 'PORT', type: 'integer', default: '3978', secret: false, description: 'HTTP port of the server', fix: 'set a port number between 1 and 65535' },
  { name: 'HOST', type: 'string', default: '0.0.0.0', secret: false, description: 'Address the server listens on', fix: 'set an IP address such as 0.0.0.0 or 127.0.0.1' },
  { name: 'WECOM_CORP_ID', type: 'string', secret: false, description: 'Self-built mode: your corp id (`ww…`). Unset with no suite id → sandbox', fix: 'copy it from WeCom admin → My Company → Corp ID' },
  { name: 'WECOM_KF_SECRET', type: 'string', secret: true, description: 'Self-built mode: secret of the app allowed to call the kf API', fix: 'copy it from WeCom admin → WeChat Customer Service → apps that may call the API' },
  { name: 'WECOM_TOKEN', type: 'string', secret: true, description: 'Callback Token (self-built mode)', fix: 'copy it from the app\'s API receive settings (3–32 letters or digits)' },
  { name: 'WECOM_ENCODING_AES_KEY', type: 'string', secret: true, description: 'Callback EncodingAESKey, 43 characters (self-built mode)', fix: 'copy the 43-character EncodingAESKey from the app\'s API receive settings' },
  { name: 'WECOM_API_BASE_URL', type: 'url', default: 'https://qyapi.weixin.qq.com/cgi-bin/', secret: false, description: 'WeCom API base URL (a proxy for trusted-IP setups, or an emulator); a bare host gets /cgi-bin/', fix: 'set an http(s) URL such as https://qyapi.weixin.qq.com/cgi-bin/' },
  { name: 'WECOM_HTTP_PROXY', type: 'url', secret: true, description: 'HTTP proxy for every WeCom API call (CONNECT tunnel), so WeCom sees its fixed IP: whitelist that IP under the app\'s Trusted IP (企业可信IP); unset → direct', fix: 'set an http:// URL such as http://proxy.internal:3128 (credentials as http://user:pass@host:port), or leave it unset' },
  { name: 'WECOM_API_CONNECTIONS', type: 'integer', default: '256', secret: false, description: 'Connections open to the WeCom API at most; a call beyond them waits for a free one (replies to many customers go out in parallel). Lower it if WeCom answers 45033 (too many concurrent calls)', fix: 'set a whole number, at least 1' },
  { name: 'WECOM_SUITE_ID', type: 'string', secret: false, description: 'Provider mode: the third-party app\'s suite id', fix: 'copy it from the provider console → app details' },
  { name: 'WECOM_SUITE_SECRET', type: 'string', secret: true, description: 'Provider mode: suite secret', fix: 'copy it from the provider console → app details' },
  { name: 'WECOM_SUITE_TOKEN', type: 'string', secret: true, description: 'Provider mode: callback Token of the suite', fix: 'copy it from the provider console → callback settings' },
  { name: 'WECOM_SUITE_ENCODING_AES_KEY', type: 'string', secret: true, description: 'Provider mode: callback EncodingAESKey of the suite (43 characters)', fix: 'copy the 43-character key from the provider console → callback settings' },
  { name: 'WECOM_SECRET_KEY', type: 'string', secret: true, description: 'Provider mode: 32 bytes, base64, that encrypt the corps\' permanent codes at rest (AES-256-GCM); keep it, or every corp must install again', fix: 'generate one with `openssl rand -base64 32` and keep it with your other secrets' },
  { name: 'WECOM_LOCALE', type: 'string', secret: false, description: 'Locale given to every inbound activity (a BCP 47 tag such as zh-CN or en-US); unset → none, and botbuilder-dialogs prompts use their default (English)', fix: 'set a BCP 47 language tag such as zh-CN or en-US, or leave it unset' },
  { name: 'DATA_DIR', type: 'string', default: './data', secret: false, description: 'Folder of the embedded store (used when MONGODB_URI is unset)', fix: 'set a writable folder path' },
  { name: 'STORE_ENGINE', type: 'string', secret: false, description: 'Engine of the embedded store for a new DATA_DIR: sqlite (default) or nedb; a DATA_DIR that already holds one engine\'s files keeps it', fix: 'set sqlite or nedb, or leave it unset' },
  { name: 'MONGODB_URI', type: 'url', secret: true, description: 'MongoDB connection string; needed to run several instances', fix: 'set a mongodb:// or mongodb+srv:// URI, e.g. mongodb://127.0.0.1:27017/wecom?replicaSet=rs0' },
  { name: 'MONGODB_DB', type: 'string', secret: false, description: 'Database name when the URI names none (default `wecom_kf`)', fix: 'set a MongoDB database name' },
  { name: 'ADMIN_TOKEN', type: 'string', secret: true, description: 'Bearer token of the /admin/v1 API (use at least 16 random characters); unset → admin API refuses every call (the sandbox makes one up)', fix: 'set a random string of at least 16 characters' },
  { name: 'METRICS_TOKEN', type: 'string', secret: true, description: 'Bearer token GET /metrics asks for; unset → /metrics is open, like /healthz', fix: 'set a random string, and the same as the bearer token of your Prometheus scrape job' },
  { name: 'TEST_CLOCK', type: 'boolean', default: 'false', secret: false, description: 'Enables POST /admin/v1/test-clock/advance (never in production; the sandbox turns it on)', fix: 'set true or false' },
  { name: 'LICENSING_CRON', type: 'string', default: '* * * * *', secret: false, description: 'When the licensing jobs run (node-cron syntax, UTC); they also run once at start-up', fix: 'use 5 or 6 cron fields, e.g. "*/5 * * * *"' },
  { name: 'HTTP_HEADERS_TIMEOUT_MS', type: 'integer', default: '10000', secret: false, description: 'A client that has not sent its request headers within this many ms is answered 408 and disconnected (slow-header connections)', fix: 'set a whole number of milliseconds, at least 1000' },
  { name: 'HTTP_REQUEST_TIMEOUT_MS', type: 'integer', default: '30000', secret: false, description: 'A request whose body has not arrived within this many ms is answered 408 and disconnected', fix: 'set a whole number of milliseconds, at least 1000' },
  { name: 'HTTP_KEEP_ALIVE_TIMEOUT_MS', type: 'integer', default: '5000', secret: false, description: 'An idle keep-alive connection is closed after this many ms (behind a load balancer: longer than its idle timeout)', fix: 'set a whole number of milliseconds, at least 1000' },
  { name: 'HTTP_MAX_CONNECTIONS', type: 'integer', default: '512', secret: false, description: 'Open client connections at most; more are dropped at once, so file descriptors stay free for the store and WeCom', fix: 'set a whole number, at least 16 and below the process\'s open-file limit (ulimit -n)' },
  { name: 'LOG_LEVEL', type: 'string', default: 'info', secret: false, description: 'pino log level: fatal, error, warn, info, debug, trace or silent', fix: 'set one of fatal, error, warn, info, debug, trace, silent' },
];

/** The typed configuration the app runs on. */
export interface ChannelConfig {
  readonly mode: ChannelMode;
  readonly port: number;
  readonly host: string;
  readonly apiBaseUrl: string;
  readonly dataDir: string;
  /** `STORE_ENGINE`: the embedded engine for a new `DATA_DIR`; unset → the store's default (SQLite). */
  readonly storeEngine?: 'sqlite' | 'nedb';
  readonly mongodbUri?: string;
  readonly mongodbDb?: string;
  readonly adminToken?: string;
  /** `METRICS_TOKEN`: unset → `/metrics` is open. */
  readonly metricsToken?: string;
  readonly testClock: boolean;
  readonly logLevel: string;
  readonly licensingCron: string;
  /** `WECOM_API_CONNECTIONS`: connections open to the WeCom API at most. */
  readonly apiConnections: number;
  /** `WECOM_HTTP_PROXY`: the proxy every WeCom API call goes through; unset → direct. */
  readonly httpProxy?: string;
  /** Limits of the app's HTTP server against slow or too many clients. */
  readonly http: HttpServerLimits;
  /** `WECOM_LOCALE`, canonical (`zh-CN`); unset → activities carry no locale. */
  readonly locale?: string;
  /** Set in self-built mode. */
  readonly corp?: { readonly corpId: string; readonly secret: string; readonly token: string; readonly encodingAesKey: string };
  /** Set in provider mode. `providerCorpId` is WECOM_CORP_ID when given alongside the suite. */
  readonly suite?: { readonly suiteId: string; readonly secret: string; readonly token: string; readonly encodingAesKey: string; readonly providerCorpId?: string; readonly secretKey: Buffer };
}

/** The app server's protection against slow and excess connections (the `HTTP_*` variables). */
export interface HttpServerLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const specByName = new Map(settings.map((s) => [s.name, s]));

function fail(name: string, problem: string): never {
  throw new ConfigError(name, problem, specByName.get(name)?.fix ?? 'see the README configuration table');
}

/** Reads a variable through a zod schema; a refusal names the variable and its fix. */
function read<T>(env: Env, name: string, schema: z.ZodType<T>): T {
  const spec = specByName.get(name);
  const raw = env[name]?.trim();
  const value = raw === undefined || raw === '' ? spec?.default : raw;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const shown = spec?.secret ? '(value hidden)' : JSON.stringify(value);
    fail(name, value === undefined ? 'is required' : `is invalid ${shown}: ${parsed.error.issues[0]?.message ?? 'bad value'}`);
  }
  return parsed.data;
}

const optionalString = z.string().min(1).optional();
const requiredString = z.string().min(1, 'must not be empty');
const aesKey = z.string().regex(ENCODING_AES_KEY, 'must be exactly 43 characters of base64 (A–Z, a–z, 0–9, +, /)');
// WeCom's console makes letters and digits; anything without spaces is accepted (a typo shows up as a signature mismatch).
const callbackToken = z.string().regex(/^\S{1,128}$/, 'must be 1–128 characters without spaces');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const mongoUrl = z.string().regex(/^mongodb(\+srv)?:\/\/.+/, 'must start with mongodb:// or mongodb+srv://');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int('must be a whole number').min(0).max(65535);
const localeTag = z.string().transform((tag, ctx) => {
  try {
    return Intl.getCanonicalLocales(tag)[0]!;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag such as zh-CN or en-US' });
    return z.NEVER;
  }
});
/** `WECOM_SECRET_KEY`: exactly 32 bytes once base64-decoded (an AES-256 key). */
const secretKey = z.string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (44 characters ending in =)')
  .transform((v) => Buffer.from(v, 'base64'));
const logLevel = z.string().transform((v) => v.toLowerCase()).pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));

/**
 * Turns the environment into a typed {@link ChannelConfig}. A missing or wrong value throws a
 * {@link ConfigError} naming the variable and the fix; secrets are never echoed.
 *
 * @example
 * const config = loadConfig(process.env);
 * if (config.mode === 'sandbox') console.log('no credentials: running the sandbox');
 */
export function loadConfig(env: Env = process.env): ChannelConfig {
  const corpId = read(env, 'WECOM_CORP_ID', optionalString);
  const suiteId = read(env, 'WECOM_SUITE_ID', optionalString);
  const mode: ChannelMode = suiteId ? 'provider' : corpId ? 'self-built' : 'sandbox';

  // Short tokens are accepted (a refusal would stop the whole app); the admin API warns at start.
  const adminToken = read(env, 'ADMIN_TOKEN', z.string().min(1).optional());
  const apiBaseUrl = read(env, 'WECOM_API_BASE_URL', httpUrl);

  const base = {
    mode,
    port: read(env, 'PORT', port),
    host: read(env, 'HOST', requiredString),
    apiBaseUrl: normaliseApiBaseUrl(apiBaseUrl),
    dataDir: read(env, 'DATA_DIR', requiredString),
    storeEngine: read(env, 'STORE_ENGINE', z.string().transform((v) => v.toLowerCase()).pipe(z.enum(['sqlite', 'nedb'])).optional()),
    mongodbUri: read(env, 'MONGODB_URI', mongoUrl.optional()),
    mongodbDb: read(env, 'MONGODB_DB', optionalString),
    adminToken,
    metricsToken: read(env, 'METRICS_TOKEN', optionalString),
    testClock: read(env, 'TEST_CLOCK', bool),
    logLevel: read(env, 'LOG_LEVEL', logLevel),
    licensingCron: read(env, 'LICENSING_CRON', z.string().regex(/^\S+(\s+\S+){4,5}$/, 'must have 5 or 6 cron fields')),
    locale: readLocale(env),
    httpProxy: read(env, 'WECOM_HTTP_PROXY', httpUrl.optional()),
    apiConnections: readApiConnections(env),
    http: readHttpLimits(env),
  };

  if (mode === 'self-built') {
    return {
      ...base,
      corp: {
        corpId: corpId!,
        secret: read(env, 'WECOM_KF_SECRET', requiredString),
        token: read(env, 'WECOM_TOKEN', callbackToken),
        encodingAesKey: read(env, 'WECOM_ENCODING_AES_KEY', aesKey),
      },
    };
  }
  if (mode === 'provider') {
    return {
      ...base,
      suite: {
        suiteId: suiteId!,
        secret: read(env, 'WECOM_SUITE_SECRET', requiredString),
        token: read(env, 'WECOM_SUITE_TOKEN', callbackToken),
        encodingAesKey: read(env, 'WECOM_SUITE_ENCODING_AES_KEY', aesKey),
        providerCorpId: corpId,
        secretKey: read(env, 'WECOM_SECRET_KEY', secretKey),
      },
    };
  }
  return base;
}

/** The `HTTP_*` server limits alone, for code that serves HTTP without the rest of the config. */
export function readHttpLimits(env: Env = process.env): HttpServerLimits {
  const ms = z.coerce.number().int('must be a whole number').min(1000, 'must be at least 1000 ms');
  return {
    headersTimeoutMs: read(env, 'HTTP_HEADERS_TIMEOUT_MS', ms),
    requestTimeoutMs: read(env, 'HTTP_REQUEST_TIMEOUT_MS', ms),
    keepAliveTimeoutMs: read(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', ms),
    maxConnections: read(env, 'HTTP_MAX_CONNECTIONS', z.coerce.number().int('must be a whole number').min(16, 'must be at least 16')),
  };
}

/** `WECOM_API_CONNECTIONS` alone: the adapter reads it even when its credentials come as options. */
export function readApiConnections(env: Env = process.env): number {
  return read(env, 'WECOM_API_CONNECTIONS', z.coerce.number().int('must be a whole number').min(1, 'must be at least 1'));
}

/**
 * `WECOM_LOCALE` alone, canonicalised (`zh-cn` → `zh-CN`); undefined when unset. A tag that is not
 * BCP 47 is a {@link ConfigError}. The adapter reads it even when its credentials come as options.
 */
export function readLocale(env: Env = process.env): string | undefined {
  return read(env, 'WECOM_LOCALE', localeTag.optional());
}

/** The config as it may be logged: secrets replaced. */
export function describeConfig(config: ChannelConfig): Record<string, unknown> {
  return {
    mode: config.mode,
    port: config.port,
    host: config.host,
    apiBaseUrl: config.apiBaseUrl,
    // The host only: a proxy URL may carry credentials.
    httpProxy: config.httpProxy ? new URL(config.httpProxy).host : 'none',
    store: config.mongodbUri ? 'mongodb' : `embedded (${config.dataDir})`,
    adminApi: config.adminToken ? 'enabled' : 'disabled (ADMIN_TOKEN unset)',
    metrics: config.metricsToken ? 'bearer METRICS_TOKEN' : 'open',
    testClock: config.testClock,
    locale: config.locale ?? 'none',
    corpId: config.corp?.corpId,
    suiteId: config.suite?.suiteId,
  };
}
