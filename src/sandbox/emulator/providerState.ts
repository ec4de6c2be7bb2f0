/**
 * The provider side of the emulator's world (wecom-provider.md): suites, their pushed tickets and
 * tokens, pre-auth and auth codes, and each corp's authorisation. Plain data; the rules live in
 * handlers/suite.ts and provider.ts.
 */

/** §2: a ticket is good for 30 minutes after its push. */
export const suiteTicketTtlMs = 30 * 60_000;
/** §2: WeCom pushes a new ticket every 10 minutes. */
export const suiteTicketIntervalMs = 10 * 60_000;
/** §3: suite_access_token lives 7200 s. */
export const suiteTokenTtlMs = 7200_000;
/** §3: pre_auth_code lives 1200 s. */
export const preAuthCodeTtlMs = 1200_000;
/** §2: an install's auth code lives 10 minutes and is single use. */
export const authCodeTtlMs = 600_000;

export interface PreAuthCode {
  expiresAt: number;
  used: boolean;
  /** From set_session_info: 0 formal, 1 test. */
  authType?: number;
}

export interface AuthCode {
  corpId: string;
  expiresAt: number;
  used: boolean;
  state?: string;
}

/** One corp's authorisation of one suite. */
export interface Authorisation {
  corpId: string;
  corpName: string;
  agentId: number;
  /** Set by the exchange of the auth code; a reinstall gets a new one. */
  permanentCode?: string;
  cancelled: boolean;
  /** The corp's own data-callback settings, restored on cancel (while authorised, its callbacks go to the suite's data URL). */
  saved?: { callbackUrl?: string; token: string; encodingAesKey: string };
  /** kf accounts granted to the app (kf_account_auth_change). */
  kfAccounts: Set<string>;
}

export interface Suite {
  suiteId: string;
  secret: string;
  /** Callback Token and EncodingAESKey: one pair for the instruction and data URLs. */
  token: string;
  encodingAesKey: string;
  /** The provider's own corp id (a possible instruction receive id). */
  providerCorpId: string;
  instructionUrl?: string;
  dataUrl?: string;
  /** Ticket → emulator-clock ms of its push. */
  tickets: Map<string, number>;
  lastTicket?: string;
  lastTicketAt?: number;
  preAuthCodes: Map<string, PreAuthCode>;
  authCodes: Map<string, AuthCode>;
  auths: Map<string, Authorisation>;
  nextAgentId: number;
}

/** Suites, and suite tokens across them. */
export class ProviderWorld {
  readonly suites = new Map<string, Suite>();
  /** suite_access_token → its suite and expiry. */
  readonly suiteTokens = new Map<string, { suiteId: string; expiresAt: number }>();

  suite(suiteId: string): Suite {
    const suite = this.suites.get(suiteId);
    if (!suite) throw new RangeError(`the emulator has no suite ${suiteId}; call emu.provider.addSuite first`);
    return suite;
  }

  /** The suite holding `preAuthCode`, or the only suite when there is one. */
  suiteOfPreAuthCode(preAuthCode: string): Suite | undefined {
    for (const suite of this.suites.values()) if (suite.preAuthCodes.has(preAuthCode)) return suite;
    return undefined;
  }
}
