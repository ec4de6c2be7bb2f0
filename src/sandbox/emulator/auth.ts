/**
 * Access tokens (gettoken, 40014/42001/41001), sync tokens of callbacks (95007), and the limit on
 * token-less sync_msg calls (45009). Everything runs on the emulator clock.
 */
import { errcodes, refuse } from './errors';
import { ids } from './ids';

interface IssuedToken {
  corpId: string;
  expiresAt: number;
  /** Provider mode: the suite whose get_corp_token issued it. */
  suiteId?: string;
  /** The suite's authorisation was cancelled: the token answers 48004 from then on. */
  revoked?: boolean;
}

/** Access tokens per corp. */
export class AccessTokens {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly current = new Map<string, string>();

  /** Issues (or, with `reuse`, returns the still-valid) token of a corp; with `suiteId`, a provider's corp token (kept apart). */
  issue(corpId: string, now: number, ttlMs: number, reuse: boolean, suiteId?: string): { token: string; expiresInS: number } {
    const slot = suiteId === undefined ? corpId : `${corpId} ${suiteId}`;
    const existing = this.current.get(slot);
    const issued = existing === undefined ? undefined : this.tokens.get(existing);
    if (reuse && existing !== undefined && issued && issued.expiresAt > now && !issued.revoked) {
      return { token: existing, expiresInS: Math.floor((issued.expiresAt - now) / 1000) };
    }
    const token = ids.accessToken();
    this.tokens.set(token, { corpId, expiresAt: now + ttlMs, ...(suiteId === undefined ? {} : { suiteId }) });
    this.current.set(slot, token);
    return { token, expiresInS: Math.floor(ttlMs / 1000) };
  }

  /** The corp of a valid token; refuses with 41001 (missing), 40014 (unknown) or 42001 (expired). */
  check(token: string | null, now: number): string {
    if (!token) refuse(errcodes.missingAccessToken);
    const issued = this.tokens.get(token);
    if (!issued) refuse(errcodes.invalidAccessToken);
    if (issued.revoked) refuse(errcodes.notAuthorised, 'the authorisation of this suite was cancelled');
    if (issued.expiresAt <= now) refuse(errcodes.expiredAccessToken);
    return issued.corpId;
  }

  /** The suite whose get_corp_token issued `token`; undefined for gettoken's tokens. */
  suiteOf(token: string | null): string | undefined {
    return token ? this.tokens.get(token)?.suiteId : undefined;
  }

  /** After cancel_auth: every corp token the suite got for the corp answers 48004. */
  revoke(corpId: string, suiteId: string): void {
    for (const issued of this.tokens.values()) if (issued.corpId === corpId && issued.suiteId === suiteId) issued.revoked = true;
  }

  /** The corp of a token, valid or not, without refusing (for bookkeeping before the real check). */
  peek(token: string | null): string | undefined {
    return token ? this.tokens.get(token)?.corpId : undefined;
  }

  /** Expires every token of `corpId` (or of all corps) now, so the next call answers 42001. */
  expire(now: number, corpId?: string): void {
    for (const issued of this.tokens.values()) {
      if (corpId === undefined || issued.corpId === corpId) issued.expiresAt = Math.min(issued.expiresAt, now);
    }
  }
}

/** §3: the callback's `Token` is good for sync_msg for 10 minutes. */
export const syncTokenTtlMs = 10 * 60_000;

/** Sync tokens handed out in callbacks. */
export class SyncTokens {
  private readonly tokens = new Map<string, { corpId: string; openKfid: string; expiresAt: number }>();
  private readonly latest = new Map<string, string>();

  issue(corpId: string, openKfid: string, now: number): string {
    const token = ids.syncToken();
    this.tokens.set(token, { corpId, openKfid, expiresAt: now + syncTokenTtlMs });
    this.latest.set(`${corpId} ${openKfid}`, token);
    return token;
  }

  /** Valid for the corp and not expired. (Whether WeCom also binds it to the open_kfid is unknown; it does not here.) */
  valid(token: string, corpId: string, now: number): boolean {
    const t = this.tokens.get(token);
    return t !== undefined && t.corpId === corpId && t.expiresAt > now;
  }

  latestFor(corpId: string, openKfid: string): string | undefined {
    return this.latest.get(`${corpId} ${openKfid}`);
  }
}

/** §3: token-less sync_msg: N calls per minute per corp, then 45009 for a minute. */
export class TokenlessLimiter {
  private readonly calls = new Map<string, number[]>();
  private readonly blockedUntil = new Map<string, number>();

  /** Counts a call; refuses with 45009 over the limit. */
  hit(corpId: string, now: number, perMinute: number): void {
    if ((this.blockedUntil.get(corpId) ?? -Infinity) > now) refuse(errcodes.frequencyLimit, 'sync_msg without a valid token');
    const recent = (this.calls.get(corpId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= perMinute) {
      this.blockedUntil.set(corpId, now + 60_000);
      this.calls.set(corpId, recent);
      refuse(errcodes.frequencyLimit, 'sync_msg without a valid token');
    }
    recent.push(now);
    this.calls.set(corpId, recent);
  }
}
