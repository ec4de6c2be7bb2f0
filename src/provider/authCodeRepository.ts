import { DuplicateKeyError, type Collection, type Store } from '../store';

/** One auth code from create_auth or reset_permanent_code, and how far its exchange got. */
export interface AuthCodeDoc {
  /** `${suiteId}:${authCode}`. */
  _id: string;
  /** When it arrived: the code lives 10 minutes, and so does this document (TTL). */
  at: Date;
  kind: 'create_auth' | 'reset_permanent_code';
  /** `pending` until get_permanent_code answered; `exchanged` after: never exchange it again. */
  status: 'pending' | 'exchanged';
  attempts: number;
  /** The corp the code authorised, once exchanged: what a create_auth arriving after the redirect applies its grants to. */
  corpId?: string;
}

/** WeCom: an auth code lives 10 minutes. */
export const AUTH_CODE_TTL_SECONDS = 600;

/**
 * `auth_codes`: WeCom resends an instruction it thinks was not answered, and the code is single
 * use, so each code is claimed once (across instances) before it is exchanged.
 *
 * @example
 * if (await codes.claim(suiteId, authCode, 'create_auth')) await exchange(authCode);
 */
export class AuthCodeRepository {
  private readonly codes: Collection<AuthCodeDoc>;
  private ready?: Promise<void>;

  constructor(private readonly store: Store) {
    this.codes = store.collection<AuthCodeDoc>('auth_codes');
  }

  init(): Promise<void> {
    this.ready ??= this.codes.createIndex({ keys: { at: 1 }, expireAfterSeconds: AUTH_CODE_TTL_SECONDS }).catch((e: unknown) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  static idOf(suiteId: string, authCode: string): string {
    return `${suiteId}:${authCode}`;
  }

  /** True for the first delivery of this code; false when it was seen already (skip it). */
  async claim(suiteId: string, authCode: string, kind: AuthCodeDoc['kind']): Promise<boolean> {
    await this.init();
    try {
      await this.codes.insertOne({ _id: AuthCodeRepository.idOf(suiteId, authCode), at: new Date(this.store.clock.now()), kind, status: 'pending', attempts: 0 });
      return true;
    } catch (e) {
      if (e instanceof DuplicateKeyError) return false;
      throw e;
    }
  }

  /** Counts an exchange attempt; null when the code is gone (expired) or already exchanged. */
  async attempt(suiteId: string, authCode: string): Promise<AuthCodeDoc | null> {
    return this.codes.findOneAndUpdate({ _id: AuthCodeRepository.idOf(suiteId, authCode), status: 'pending' }, { $inc: { attempts: 1 } }, { returnDocument: 'after' });
  }

  /** get_permanent_code answered: the code must never be exchanged again. */
  async exchanged(suiteId: string, authCode: string, corpId: string): Promise<void> {
    await this.codes.findOneAndUpdate({ _id: AuthCodeRepository.idOf(suiteId, authCode) }, { $set: { status: 'exchanged', corpId } });
  }

  /** The corp an exchanged code authorised; undefined while it is not exchanged (or expired). */
  async corpOf(suiteId: string, authCode: string): Promise<string | undefined> {
    await this.init();
    return (await this.codes.findOne({ _id: AuthCodeRepository.idOf(suiteId, authCode) }))?.corpId;
  }

  /** Codes of this suite still waiting for an exchange (after a failure or a restart). */
  async pending(suiteId: string): Promise<{ authCode: string; kind: AuthCodeDoc['kind']; attempts: number }[]> {
    await this.init();
    const prefix = `${suiteId}:`;
    return (await this.codes.find({ status: 'pending' }))
      .filter((d) => d._id.startsWith(prefix))
      .map((d) => ({ authCode: d._id.slice(prefix.length), kind: d.kind, attempts: d.attempts }));
  }
}
