import type { Logger } from '../common';
import { KeyValueRepository, type Store } from '../store';
import { type CachedToken, corpTokenKey, type SuiteClient, type WeComClient } from '../wecom';
import type { SuiteAuth, SuiteAuthRepository } from './suiteAuthRepository';

/** A corp that authorised the suite, with the kf accounts it granted (the adapter's `ServedCorp`). */
export interface ProviderCorp {
  readonly corpId: string;
  readonly corpName?: string;
  readonly openKfIds: readonly string[];
  /** The suite's app in the corp (from get_auth_info), once known. */
  readonly agentId?: number;
}

/**
 * The corps of one suite as the multi-corp adapter sees them: who is authorised now (from
 * `suite_auths`), a kf client per corp whose token comes from its permanent code, and the kf
 * accounts `kf_account_auth_change` grants.
 *
 * @example
 * const corps = new ProviderCorps({ suite, auths, store, logger });
 * const adapter = new WeComAdapter({ provider: { callbacks, corps } });
 * await corps.activeCorps(); // [{ corpId: 'wwA', openKfIds: ['wkA'] }, ...]
 */
export class ProviderCorps {
  private readonly clients = new Map<string, WeComClient>();
  private readonly tokens: KeyValueRepository<CachedToken>;

  constructor(private readonly o: { readonly suite: SuiteClient; readonly auths: SuiteAuthRepository; readonly store: Store; readonly logger: Logger }) {
    this.tokens = new KeyValueRepository<CachedToken>(o.store, 'kf_tokens');
  }

  /** Corps whose authorisation is active now, with their granted kf accounts. */
  async activeCorps(): Promise<ProviderCorp[]> {
    return (await this.o.auths.list(this.o.suite.suiteId, 'active')).map(corpOf);
  }

  /** Every corp that authorised the suite, cancelled ones included (their granted accounts were cleared on cancel). */
  async knownCorps(): Promise<(ProviderCorp & { active: boolean })[]> {
    return (await this.o.auths.list(this.o.suite.suiteId)).map((a) => ({ ...corpOf(a), active: a.status === 'active' }));
  }

  /** `active`, `cancelled` (it removed the app), or `unknown` (it never authorised it). Case-sensitive. */
  async statusOf(corpId: string): Promise<'active' | 'cancelled' | 'unknown'> {
    return (await this.o.auths.get(this.o.suite.suiteId, corpId))?.status ?? 'unknown';
  }

  /**
   * Whether the corp's authorisation is active and, when `openKfId` is given, that account is
   * granted to the app. An account the app creates itself (kf/account/add) is the app's: record it
   * with {@link kfAccountsChanged} `{ added: [id] }`.
   */
  async serves(corpId: string, openKfId?: string): Promise<boolean> {
    const auth = await this.o.auths.get(this.o.suite.suiteId, corpId);
    if (auth?.status !== 'active') return false;
    return openKfId === undefined || (auth.authOpenKfIds ?? []).includes(openKfId);
  }

  /** The corp's kf client: tokens from `service/get_corp_token` with its (decrypted) permanent code, cached per (suite, corp). */
  clientFor(corpId: string): WeComClient {
    let client = this.clients.get(corpId);
    if (!client) {
      client = this.o.suite.corpClient(corpId, () => this.o.auths.permanentCode(this.o.suite.suiteId, corpId));
      this.clients.set(corpId, client);
    }
    return client;
  }

  async kfAccountsChanged(corpId: string, change: { readonly added: readonly string[]; readonly removed: readonly string[] }): Promise<void> {
    if (!(await this.o.auths.changeKfAccounts(this.o.suite.suiteId, corpId, change))) {
      this.o.logger.warn({ corpId }, 'kf_account_auth_change for a corp not stored; ignored');
    }
  }

  /**
   * Drops the corp's cached token, here and in the store: after a re-authorisation or a
   * reset_permanent_code the old token is refused (48004), and only the new code brings a good one.
   */
  async forgetToken(corpId: string): Promise<void> {
    this.clients.delete(corpId);
    await this.tokens.delete(corpTokenKey(this.o.suite.suiteId, corpId));
  }
}

function corpOf(a: SuiteAuth): ProviderCorp {
  return { corpId: a.corpId, corpName: a.corpName, openKfIds: a.authOpenKfIds ?? [], ...(a.agentId !== undefined ? { agentId: a.agentId } : {}) };
}
