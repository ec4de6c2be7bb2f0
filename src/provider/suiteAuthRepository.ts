import type { Collection, Store } from '../store';
import type { SecretBox } from './secretBox';

/** One corp's authorisation of one suite. `corpId` is WeCom's, case kept (ids are case-sensitive). */
export interface SuiteAuthDoc {
  /** `${suiteId}:${corpId}`. */
  _id: string;
  suiteId: string;
  corpId: string;
  /** The permanent code, sealed with WECOM_SECRET_KEY ({@link SecretBox}); never stored in clear. */
  permanentCodeEnc: string;
  /** The suite's app in the corp (`get_auth_info`); absent until it answered. */
  agentId?: number;
  corpName?: string;
  /** kf accounts the admin granted (kf component installs). */
  authOpenKfIds: string[];
  status: 'active' | 'cancelled';
  /** The first authorisation ever: the trial starts here, and a re-install keeps it. */
  firstAuthorisedAt: Date;
  updatedAt: Date;
}

/** What is known of an authorisation, without its secret. */
export type SuiteAuth = Omit<SuiteAuthDoc, '_id' | 'permanentCodeEnc'>;

/**
 * `suite_auths`: who has installed the suite, with the permanent code encrypted at rest.
 *
 * @example
 * const auths = new SuiteAuthRepository(store, new SecretBox(key));
 * const { first } = await auths.authorised(suiteId, grant.authCorpId, { permanentCode: grant.permanentCode });
 * const kf = suite.corpClient(corpId, () => auths.permanentCode(suiteId, corpId));
 */
export class SuiteAuthRepository {
  private readonly auths: Collection<SuiteAuthDoc>;
  private ready?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {
    this.auths = store.collection<SuiteAuthDoc>('suite_auths');
  }

  init(): Promise<void> {
    this.ready ??= this.auths.createIndex({ keys: { suiteId: 1, corpId: 1 }, unique: true }).catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  static idOf(suiteId: string, corpId: string): string {
    return `${suiteId}:${corpId}`;
  }

  /**
   * A corp (re-)installed: stores its new permanent code and marks it active. `first` is true only
   * for the corp's first authorisation ever (a re-install keeps `firstAuthorisedAt`).
   */
  async authorised(suiteId: string, corpId: string, fields: { permanentCode: string; corpName?: string; authOpenKfIds?: string[] }): Promise<{ first: boolean }> {
    await this.init();
    const now = new Date(this.store.clock.now());
    const before = await this.auths.findOneAndUpdate(
      { _id: SuiteAuthRepository.idOf(suiteId, corpId) },
      {
        $set: {
          permanentCodeEnc: this.box.seal(fields.permanentCode), status: 'active', updatedAt: now,
          ...(fields.corpName !== undefined ? { corpName: fields.corpName } : {}),
          ...(fields.authOpenKfIds !== undefined ? { authOpenKfIds: fields.authOpenKfIds } : {}),
        },
        $setOnInsert: { suiteId, corpId, firstAuthorisedAt: now, ...(fields.authOpenKfIds === undefined ? { authOpenKfIds: [] } : {}) },
      },
      { upsert: true, returnDocument: 'before' },
    );
    return { first: before === null };
  }

  /** What `get_auth_info` or change_auth says now. */
  async update(suiteId: string, corpId: string, fields: { agentId?: number; corpName?: string; authOpenKfIds?: string[] }): Promise<boolean> {
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const doc = await this.auths.findOneAndUpdate({ _id: SuiteAuthRepository.idOf(suiteId, corpId) }, { $set: { ...set, updatedAt: new Date(this.store.clock.now()) } });
    return doc !== null;
  }

  /** The corp removed the app. Returns whether it was active (so the event is announced once). */
  async cancelled(suiteId: string, corpId: string): Promise<boolean> {
    const before = await this.auths.findOneAndUpdate(
      { _id: SuiteAuthRepository.idOf(suiteId, corpId), status: 'active' },
      // WeCom takes the kf accounts back with the app: a re-install grants them anew.
      { $set: { status: 'cancelled', authOpenKfIds: [], updatedAt: new Date(this.store.clock.now()) } },
      { returnDocument: 'before' },
    );
    return before !== null;
  }

  /** reset_permanent_code: the new code replaces the old one. Returns false for a corp not stored. */
  async replacePermanentCode(suiteId: string, corpId: string, permanentCode: string): Promise<boolean> {
    const doc = await this.auths.findOneAndUpdate(
      { _id: SuiteAuthRepository.idOf(suiteId, corpId) },
      { $set: { permanentCodeEnc: this.box.seal(permanentCode), updatedAt: new Date(this.store.clock.now()) } },
    );
    return doc !== null;
  }

  /** The suite's authorisations, optionally only those in one status. */
  async list(suiteId: string, status?: SuiteAuthDoc['status']): Promise<SuiteAuth[]> {
    const docs = await this.auths.find({ suiteId, ...(status ? { status } : {}) });
    return docs.map(({ _id, permanentCodeEnc, ...auth }) => {
      void _id;
      void permanentCodeEnc;
      return auth;
    });
  }

  /**
   * `kf_account_auth_change`: accounts granted to or taken from the app. Returns false for a corp
   * not stored. (Events of one corp come one at a time, so a read then a write is enough.)
   */
  async changeKfAccounts(suiteId: string, corpId: string, change: { added: readonly string[]; removed: readonly string[] }): Promise<boolean> {
    const doc = await this.auths.findOne({ _id: SuiteAuthRepository.idOf(suiteId, corpId) });
    if (!doc) return false;
    const removed = new Set(change.removed);
    const kept = (doc.authOpenKfIds ?? []).filter((id) => !removed.has(id));
    const authOpenKfIds = [...kept, ...change.added.filter((id) => !kept.includes(id) && !removed.has(id))];
    return this.update(suiteId, corpId, { authOpenKfIds });
  }

  async get(suiteId: string, corpId: string): Promise<SuiteAuth | null> {
    const doc = await this.auths.findOne({ _id: SuiteAuthRepository.idOf(suiteId, corpId) });
    if (!doc) return null;
    const { _id, permanentCodeEnc, ...auth } = doc;
    void _id;
    void permanentCodeEnc;
    return auth;
  }

  /**
   * The decrypted permanent code, for `SuiteClient.corpClient`.
   *
   * @throws SecretKeyMismatchError when WECOM_SECRET_KEY is not the key it was stored with
   * @throws RangeError when the corp has not authorised the suite
   */
  async permanentCode(suiteId: string, corpId: string): Promise<string> {
    const doc = await this.auths.findOne({ _id: SuiteAuthRepository.idOf(suiteId, corpId) });
    if (!doc) throw new RangeError(`corp ${corpId} has not authorised suite ${suiteId}`);
    return this.box.open(doc.permanentCodeEnc, `the permanent code of corp ${corpId}`);
  }
}
