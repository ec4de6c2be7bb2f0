import type { ProviderAdapterSetup } from '../adapter/corpDirectory';
import type { WeComAdapterOptions as CoreOptions } from '../adapter/adapterOptions';
import type { LicensingPolicy } from '../licensing';
import type { ProviderMode } from '../provider';

/**
 * Options of {@link WeComChannel} (and of both shells' `WeComAdapter`): those of the channel core,
 * plus the product's rules.
 */
export interface WeComChannelOptions extends CoreOptions {
  /**
   * Installs the licence gate, the media rules and the conversation window, in that order.
   * Default true. With false, `use()` them yourself (see `src/middleware`), in any order you like.
   */
  readonly defaultMiddleware?: boolean;
  /**
   * The licence gate and its jobs. Default on, with the cron schedule from `LICENSING_CRON`
   * (every minute). `false` turns licensing off — for a bot whose licence is managed elsewhere.
   */
  readonly licensing?: false | { readonly cron?: string; readonly policy?: Partial<LicensingPolicy> };
  /**
   * Replies that turns answering older messages of a backlog leave to the customer's newest message
   * (the default WindowMiddleware's `keepForNewest`). Default 2.
   */
  readonly keepForNewest?: number;
  /**
   * Provider (third-party app) mode: serve every corp that authorised the suite on one callback
   * URL. The adapter follows the suite's authorisation events: a corp's first authorisation ever
   * starts its trial; a cancelled corp's traffic is held (never dropped); re-authorising resumes
   * it without resetting the trial and delivers what was held, in order; a reset permanent code
   * drops the corp's cached token (all this with a {@link ProviderMode}; a bare
   * `{ callbacks, corps }` only routes traffic). Default none: self-built mode.
   *
   * @example
   * const provider = ProviderMode.create({ store, logger, suiteId, suiteSecret, token, encodingAesKey, secretKey });
   * const adapter = new WeComAdapter({ store, provider });
   */
  readonly provider?: ProviderMode | ProviderAdapterSetup;
}
