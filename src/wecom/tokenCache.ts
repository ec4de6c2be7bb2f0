import { type Clock, systemClock } from '../common/clock';

/** An access token and when it stops being used (ms since epoch, already minus the safety margin). */
export interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/** Fetches a fresh token from WeCom (`gettoken`, or `service/get_corp_token` in provider mode). */
export type TokenFetcher = () => Promise<{ readonly accessToken: string; readonly expiresInSeconds: number }>;

/**
 * Where several instances share tokens (the store's key-value repository), so they do not each call
 * `gettoken` — WeCom throttles it, and a fresh token may retire the one another instance holds.
 */
export interface SharedTokenStore {
  get(key: string): Promise<CachedToken | undefined>;
  set(key: string, token: CachedToken): Promise<void>;
}

export interface AccessTokenCacheOptions {
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Refresh this long before WeCom's expiry, so a call never carries a token that expires in flight. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Default: none (tokens live in this process only). */
  readonly shared?: SharedTokenStore;
}

/**
 * One access token per credential, refreshed on demand with single flight: however many calls
 * need a token at once, WeCom sees one fetch.
 *
 * @example
 * const cache = new AccessTokenCache('corp:ww123', () => fetchTokenSomehow());
 * const token = await cache.get();
 * cache.invalidate(token); // after 42001: the next get() fetches a new one
 */
export class AccessTokenCache {
  private current?: CachedToken;
  private inflight?: Promise<CachedToken>;
  /** Tokens WeCom refused; a shared store may still hand them out until another instance replaces them. */
  private readonly refused = new Set<string>();
  private readonly clock: Clock;
  private readonly refreshMarginMs: number;
  private readonly shared?: SharedTokenStore;

  constructor(
    readonly key: string,
    private readonly fetcher: TokenFetcher,
    options: AccessTokenCacheOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.shared = options.shared;
  }

  /** A token that is valid now. */
  async get(): Promise<string> {
    const cached = this.current;
    if (cached && this.usable(cached)) return cached.value;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return (await this.inflight).value;
  }

  /**
   * Forgets `token` after WeCom refused it. A token already replaced by a newer one is left alone,
   * so 100 calls failing with the same expired token cause one refresh, not 100.
   */
  invalidate(token: string): void {
    this.refused.add(token);
    // Only the latest few matter: an older refused token can no longer come back from anywhere.
    if (this.refused.size > 16) this.refused.delete(this.refused.values().next().value as string);
    if (this.current?.value === token) this.current = undefined;
  }

  private usable(token: CachedToken): boolean {
    return token.expiresAt > this.clock.now() && !this.refused.has(token.value);
  }

  private async refresh(): Promise<CachedToken> {
    const shared = await this.shared?.get(this.key);
    if (shared && this.usable(shared)) {
      this.current = shared;
      return shared;
    }
    const fetched = await this.fetcher();
    // A short-lived token keeps 90% of its life: a fixed margin would leave it none (a gettoken per call).
    const margin = Math.min(this.refreshMarginMs, fetched.expiresInSeconds * 100);
    const lifetimeMs = Math.max(0, fetched.expiresInSeconds * 1000 - margin);
    const token: CachedToken = { value: fetched.accessToken, expiresAt: this.clock.now() + lifetimeMs };
    this.refused.delete(token.value);
    this.current = token;
    await this.shared?.set(this.key, token);
    return token;
  }
}
