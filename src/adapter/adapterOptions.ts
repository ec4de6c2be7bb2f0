import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock';
import { ConfigError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { loadConfig, readApiConnections, readLocale } from '../config';
import type { Store } from '../store';
import type { SharedTokenStore } from '../wecom/tokenCache';
import type { ProviderAdapterSetup } from './corpDirectory';
import type { InboundGate, InboundObserver } from './inboundPipeline';

/**
 * Options of {@link WeComAdapter}. Every field is optional: what is missing comes from the
 * environment (see the README's configuration table), then from the default given here.
 */
export interface WeComAdapterOptions {
  /** `WECOM_CORP_ID`. */
  readonly corpId?: string;
  /** `WECOM_KF_SECRET`: the secret of the app that may call the kf API. */
  readonly secret?: string;
  /** `WECOM_TOKEN`: the callback Token. */
  readonly token?: string;
  /** `WECOM_ENCODING_AES_KEY`: the callback EncodingAESKey (43 characters). */
  readonly encodingAesKey?: string;
  /** `WECOM_API_BASE_URL`. Default `https://qyapi.weixin.qq.com/cgi-bin/`. */
  readonly apiBaseUrl?: string;
  /** An open store to use (the adapter will not close it). Default: opened from `MONGODB_URI` / `DATA_DIR`. */
  readonly store?: Store;
  /** `DATA_DIR`. Default `./data`. */
  readonly dataDir?: string;
  /** `MONGODB_URI`. Default: none (the embedded store). */
  readonly mongodbUri?: string;
  /** `MONGODB_DB`. */
  readonly mongodbDb?: string;
  /** Default the system clock (the store's clock when a store is given). */
  readonly clock?: Clock;
  /** Default a pino logger at `LOG_LEVEL`. */
  readonly logger?: Logger;
  /** On the first pull of an account, messages older than this are skipped, not replayed. Default 1 hour. */
  readonly backfillMs?: number;
  /** How often the sweep looks for accounts to pull without a callback. Default 60 000 ms; 0 turns the sweep off. */
  readonly sweepIntervalMs?: number;
  /**
   * The sweep pulls an account not pulled for this long (a missed callback). Default 5 minutes:
   * WeCom allows only about 10 pulls a minute without a callback's sync token.
   */
  readonly sweepStaleMs?: number;
  /**
   * An optional cap on turns running at once across conversations. Default none: turns are ordered per
   * conversation only, and only conversations with pulled messages have one queued.
   */
  readonly turnConcurrency?: number;
  /** A turn that throws is retried this many times in all, then parked as failed. Default 5. */
  readonly maxTurnAttempts?: number;
  /** First retry delay of a failed turn, doubling each time. Default 1 000 ms. */
  readonly retryDelayMs?: number;
  /**
   * First wait before a failed pull (WeCom or the store unreachable) is tried again by itself; the
   * waits grow to 30 × this (30 s), and are at least 6.5 s when no callback's sync token is valid. Default 1 000 ms.
   */
  readonly pullRetryBaseMs?: number;
  /**
   * Callbacks whose signed timestamp is further than this from now (seconds, either way) are refused
   * with 401: a replayed old callback does nothing. Generous for WeCom's re-deliveries (within a
   * minute) and for clock drift. Default 600; 0 turns the check off.
   */
  readonly maxCallbackAgeSeconds?: number;
  /** Largest callback body. Default 64 KiB. */
  readonly maxCallbackBytes?: number;
  /** Per WeCom request. Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * `WECOM_API_CONNECTIONS`: connections open to the WeCom API at most; a call beyond them waits for
   * a free one. Replies to many customers go out in parallel, so this bounds how many are in flight.
   * Default 256. Lower it if WeCom answers 45033 (too many concurrent calls).
   */
  readonly apiConnections?: number;
  /**
   * `WECOM_HTTP_PROXY`: an HTTP proxy every WeCom API call goes through, so WeCom sees its fixed IP
   * (the one in the app's trusted IPs). Default none (`''` too). Attachment URLs a bot sends are fetched directly.
   */
  readonly httpProxy?: string;
  /**
   * Largest inbound file per kind: a larger one is refused (a `too-large` rejected attachment)
   * without being downloaded whole. Default 20 MB for every kind, WeCom's largest; `WeComAdapter`
   * passes the media rules' limits (image 2 MB, voice 2 MB, video 10 MB, file 20 MB).
   */
  readonly maxInboundMediaBytes?: Readonly<Partial<Record<'image' | 'voice' | 'video' | 'file', number>>>;
  /** Inbound media downloads in flight at once (each holds a file and its base64 in memory). Default 4. */
  readonly mediaDownloadConcurrency?: number;
  /** Errcodes that mean "this msgid was sent already" on a repeated send (WeCom leaves it unconfirmed). Default [40058]. */
  readonly duplicateMsgidErrcodes?: readonly number[];
  /** Decides whether a corp's traffic may reach the bot (the licence gate). Default: always. */
  readonly gate?: InboundGate;
  /** Learns of customer messages as they are pulled (the conversation window follows the newest). Default: none. */
  readonly observer?: InboundObserver;
  /** Shares access tokens between instances. Default: the store's key-value collection. */
  readonly sharedTokens?: SharedTokenStore;
  /**
   * Start the background work when the adapter is made, without waiting for a callback: open the
   * store, run the sweep and the licensing jobs, pull what a crash or an outage left unanswered.
   * Turns run once the bot's logic is known (`start(logic)` or the first `process`). Default true.
   */
  readonly autoStart?: boolean;
  /**
   * `WECOM_LOCALE`: the `locale` of every inbound activity, a BCP 47 tag such as `zh-CN`. Default
   * none: WeCom does not tell a customer's language, and an imposed one makes botbuilder-dialogs
   * prompts of an English bot print Chinese connectors and miss "yes". Set `zh-CN` for a Chinese bot.
   */
  readonly locale?: string;
  /**
   * Look customers' WeChat nicknames up with `kf/customer/batchget` for `from.name` (cached in the
   * store for a day). Default true. False: `from.name` is always {@link customerNameFallback}.
   */
  readonly lookupCustomerNames?: boolean;
  /** `from.name` when WeCom has no nickname for a customer or cannot be asked. Default `微信用户` ("WeChat user", WeChat's own label). */
  readonly customerNameFallback?: string;
  /** Identifies this process in leases. Default a random id. */
  readonly instanceId?: string;
  /**
   * Provider (third-party app) mode: serve every corp that authorised the suite, on one callback
   * URL. The corp credentials (`corpId`, `secret`, `token`, `encodingAesKey`) are then not used;
   * `corpId` reads as the suite id. Default none: self-built mode, one corp.
   */
  readonly provider?: ProviderAdapterSetup;
  /**
   * The channel a kf account (CSA) belongs to, put into every inbound activity's `channelData`
   * (`channel`, `department`). Default none. The channels layer gives one (`ChannelDirectory.channelOf`).
   *
   * @example
   * channelOf: (corpId, openKfId) => directory.channelOf(corpId, openKfId)
   */
  readonly channelOf?: ChannelLookup;
}

/** What {@link WeComAdapterOptions.channelOf} finds for a kf account: undefined when it is in no channel. */
export type ChannelLookup = (corpId: string, openKfId: string) => Promise<ChannelRouting | undefined>;

/** The routing facts a channel adds to `channelData`. */
export interface ChannelRouting {
  readonly channel: { readonly id: string; readonly name: string };
  readonly department: string;
}

type OptionalAfterResolve = 'provider' | 'store' | 'mongodbUri' | 'mongodbDb' | 'clock' | 'gate' | 'observer' | 'sharedTokens' | 'locale' | 'httpProxy' | 'maxInboundMediaBytes' | 'channelOf';
export type ResolvedAdapterOptions = Required<Omit<WeComAdapterOptions, OptionalAfterResolve>> & Pick<WeComAdapterOptions, OptionalAfterResolve>;

/** Fills options from the environment and defaults; a missing credential is a {@link ConfigError}. */
export function resolveAdapterOptions(options: WeComAdapterOptions, env: NodeJS.ProcessEnv = process.env): ResolvedAdapterOptions {
  const provider = options.provider;
  // Provider mode takes its corps from the suite: no corp credentials are needed.
  const needsEnv = !provider && (!options.corpId || !options.secret || !options.token || !options.encodingAesKey);
  const config = needsEnv ? loadConfig(env) : undefined;
  const corp = config?.corp;
  const pick = (value: string | undefined, fromEnv: string | undefined, variable: string, what: string): string => {
    if (provider) return value ?? (variable === 'WECOM_CORP_ID' ? provider.callbacks.suiteId : '');
    const chosen = value ?? fromEnv;
    if (!chosen) throw new ConfigError(variable, 'is required for WeComAdapter', `set ${variable} or pass { ${what} } to new WeComAdapter(...)`);
    return chosen;
  };
  return {
    corpId: pick(options.corpId, corp?.corpId, 'WECOM_CORP_ID', 'corpId'),
    secret: pick(options.secret, corp?.secret, 'WECOM_KF_SECRET', 'secret'),
    token: pick(options.token, corp?.token, 'WECOM_TOKEN', 'token'),
    encodingAesKey: pick(options.encodingAesKey, corp?.encodingAesKey, 'WECOM_ENCODING_AES_KEY', 'encodingAesKey'),
    apiBaseUrl: options.apiBaseUrl ?? config?.apiBaseUrl ?? env.WECOM_API_BASE_URL ?? 'https://qyapi.weixin.qq.com/cgi-bin/',
    provider,
    store: options.store,
    dataDir: options.dataDir ?? config?.dataDir ?? env.DATA_DIR ?? './data',
    mongodbUri: options.mongodbUri ?? config?.mongodbUri ?? (env.MONGODB_URI || undefined),
    mongodbDb: options.mongodbDb ?? config?.mongodbDb ?? (env.MONGODB_DB || undefined),
    clock: options.clock,
    logger: options.logger ?? createLogger({ level: config?.logLevel }),
    backfillMs: options.backfillMs ?? 3_600_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    sweepStaleMs: options.sweepStaleMs ?? 300_000,
    turnConcurrency: options.turnConcurrency ?? Infinity,
    maxTurnAttempts: options.maxTurnAttempts ?? 5,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    pullRetryBaseMs: options.pullRetryBaseMs ?? 1_000,
    maxCallbackAgeSeconds: options.maxCallbackAgeSeconds ?? 600,
    maxCallbackBytes: options.maxCallbackBytes ?? 64 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    apiConnections: positiveInteger(options.apiConnections ?? config?.apiConnections ?? readApiConnections(env), 'apiConnections'),
    httpProxy: (options.httpProxy ?? config?.httpProxy ?? env.WECOM_HTTP_PROXY)?.trim() || undefined,
    maxInboundMediaBytes: options.maxInboundMediaBytes,
    mediaDownloadConcurrency: positiveInteger(options.mediaDownloadConcurrency ?? 4, 'mediaDownloadConcurrency'),
    duplicateMsgidErrcodes: options.duplicateMsgidErrcodes ?? [40058],
    gate: options.gate,
    observer: options.observer,
    channelOf: options.channelOf,
    sharedTokens: options.sharedTokens,
    autoStart: options.autoStart ?? true,
    instanceId: options.instanceId ?? randomUUID(),
    lookupCustomerNames: options.lookupCustomerNames ?? true,
    customerNameFallback: options.customerNameFallback ?? '微信用户',
    locale: options.locale !== undefined ? canonicalLocale(options.locale) : config ? config.locale : readLocale(env),
  };
}

function positiveInteger(value: number, option: string): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new ConfigError(option, `must be a whole number of at least 1, not ${value}`, `pass { ${option}: 4 } or leave it out`);
  return value;
}

function canonicalLocale(tag: string): string {
  try {
    return Intl.getCanonicalLocales(tag)[0]!;
  } catch {
    throw new ConfigError('locale', `is not a BCP 47 language tag: ${JSON.stringify(tag)}`, 'pass a tag such as { locale: \'zh-CN\' } or leave it out');
  }
}
