import type { WeComClient } from '../wecom/client';
import type { SuiteCallbacks } from '../wecom/suiteCallbacks';

/** A corp the adapter serves, with the kf accounts (CSAs) it authorised the app to manage. */
export interface ServedCorp {
  /** WeCom's corp id, case kept (ids are case-sensitive). */
  readonly corpId: string;
  readonly corpName?: string;
  /**
   * The kf accounts granted to the app (`kf_account_auth_change`, or the kf component's list).
   * Undefined in self-built mode: every account the kf app can see is served.
   */
  readonly openKfIds?: readonly string[];
}

/** A corp that authorised the app at some point, and whether that authorisation holds now. */
export interface KnownCorp extends ServedCorp {
  readonly active: boolean;
}

/** Where a corp stands with the provider's app: only `active` corps' traffic reaches the bot. */
export type CorpStatus = 'active' | 'cancelled' | 'unknown';

/**
 * The corps of provider mode, as the adapter needs them: which are authorised now, a kf client per
 * corp, and what `kf_account_auth_change` grants. `ProviderCorps` (src/provider) is the one the
 * product uses; any object of this shape works.
 */
export interface CorpDirectory {
  /** Corps whose authorisation is active now. */
  activeCorps(): Promise<readonly ServedCorp[]>;
  /** Every corp that ever authorised the app, cancelled ones included (what an admin lists). */
  knownCorps(): Promise<readonly KnownCorp[]>;
  /** One corp's standing. */
  statusOf(corpId: string): Promise<CorpStatus>;
  /**
   * Whether a message of this corp (and kf account, when given) may reach the bot now: the corp's
   * authorisation is active and the account is granted to the app.
   */
  serves(corpId: string, openKfId?: string): Promise<boolean>;
  /** A kf client calling with that corp's own token (cached per suite and corp). */
  clientFor(corpId: string): WeComClient;
  /** `kf_account_auth_change`: accounts granted to (`added`) or taken from (`removed`) the app. */
  kfAccountsChanged(corpId: string, change: { readonly added: readonly string[]; readonly removed: readonly string[] }): Promise<void>;
}

/** What makes an adapter serve provider mode: the suite's callback crypto and its corps. */
export interface ProviderAdapterSetup {
  /** Opens data callbacks of every corp (one Token + EncodingAESKey, receive id = the envelope's ToUserName). */
  readonly callbacks: SuiteCallbacks;
  readonly corps: CorpDirectory;
}
