import type { Logger } from '../common';
import type { Store } from '../store';
import { buildInstallLink, SuiteCallbacks, SuiteClient, type TransportOptions } from '../wecom';
import { ProviderCorps } from './providerCorps';
import { SecretBox } from './secretBox';
import { storeTokens } from './sharedTokens';
import { SuiteInstructions, type SuiteInstructionsOptions } from './suiteInstructions';

/** A suite's settings (`WECOM_SUITE_*`, `WECOM_SECRET_KEY`) and where provider mode keeps its state. */
export interface ProviderModeOptions {
  readonly store: Store;
  readonly logger: Logger;
  readonly suiteId: string;
  readonly suiteSecret: string;
  /** The suite's callback Token (one for both URLs). */
  readonly token: string;
  /** The suite's callback EncodingAESKey (43 characters). */
  readonly encodingAesKey: string;
  /** The provider's own corp id (`WECOM_CORP_ID` beside the suite): also accepted as the instruction receive id. */
  readonly providerCorpId?: string;
  /** `WECOM_SECRET_KEY`: 32 bytes sealing permanent codes at rest. */
  readonly secretKey: Buffer;
  /** WeCom's API (or the emulator's), its proxy and timeouts. */
  readonly transport?: TransportOptions;
  /** Callbacks further than this from now are refused (seconds). Default 600; 0 turns the check off. */
  readonly maxCallbackAgeSeconds?: number;
  readonly retry?: SuiteInstructionsOptions['retry'];
}

/** One install link, good for one install within `expiresInSeconds`. */
export interface InstallLinkResult {
  readonly url: string;
  readonly preAuthCode: string;
  readonly expiresInSeconds: number;
}

/**
 * Provider (third-party app) mode assembled: the suite's token chain, its two callback URLs'
 * crypto, the instruction handling (tickets, authorisations) and the authorised corps.
 *
 * @example
 * const provider = ProviderMode.create({ store, logger, suiteId, suiteSecret, token, encodingAesKey, secretKey });
 * await provider.instructions.resume();
 * const adapter = new WeComAdapter({ store, provider });           // every authorised corp, one callback URL
 * server.post('/api/wecom/suite', suiteInstructionRoute(provider, logger));
 * const { url } = await provider.installLink({ redirectUri: 'https://bot.example.com/installed' });
 */
export class ProviderMode {
  private constructor(
    readonly suite: SuiteClient,
    readonly callbacks: SuiteCallbacks,
    readonly instructions: SuiteInstructions,
    readonly corps: ProviderCorps,
  ) {}

  static create(o: ProviderModeOptions): ProviderMode {
    const clock = o.store.clock;
    const box = new SecretBox(o.secretKey);
    // The instructions own the repositories; the suite client reads its ticket from them.
    const holder: { instructions?: SuiteInstructions } = {};
    const suite = new SuiteClient({
      ...o.transport, logger: o.transport?.logger ?? o.logger,
      suiteId: o.suiteId, suiteSecret: o.suiteSecret, clock, sharedTokens: storeTokens(o.store),
      ticket: () => holder.instructions!.tickets.newest(o.suiteId),
    });
    const maxAge = o.maxCallbackAgeSeconds ?? 600;
    const callbacks = new SuiteCallbacks({
      suiteId: o.suiteId, token: o.token, encodingAesKey: o.encodingAesKey, providerCorpId: o.providerCorpId, clock,
      maxTimestampSkewSeconds: maxAge > 0 ? maxAge : undefined,
    });
    const instructions = new SuiteInstructions({ store: o.store, suite, box, logger: o.logger, retry: o.retry });
    holder.instructions = instructions;
    const corps = new ProviderCorps({ suite, auths: instructions.auths, store: o.store, logger: o.logger });
    return new ProviderMode(suite, callbacks, instructions, corps);
  }

  get suiteId(): string {
    return this.suite.suiteId;
  }

  /**
   * A fresh install link for a corp's admin: a pre-auth code, its session (formal install, or a
   * test install of an unlisted suite with `authType: 1`), and the link. Needs a suite_ticket.
   *
   * @example
   * const { url } = await provider.installLink({ redirectUri: 'https://bot.example.com/installed', state: 'corpA' });
   * @throws SuiteTicketMissingError before WeCom's first ticket push
   */
  async installLink(o: { redirectUri: string; state?: string; authType?: 0 | 1; installPageUrl?: string }): Promise<InstallLinkResult> {
    const { preAuthCode, expiresInSeconds } = await this.suite.getPreAuthCode();
    await this.suite.setSessionInfo(preAuthCode, { authType: o.authType ?? 0 });
    const url = buildInstallLink({ suiteId: this.suiteId, preAuthCode, redirectUri: o.redirectUri, state: o.state, installPageUrl: o.installPageUrl });
    return { url, preAuthCode, expiresInSeconds };
  }

  /** Stops instruction retries and closes the suite's connections. */
  async close(): Promise<void> {
    this.instructions.close();
    await this.suite.close();
  }
}
