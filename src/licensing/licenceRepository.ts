import type { BaseDocument, Collection, Store } from '../store';
import type { CorpLicence } from './corpLicence';

/** A corp's licence as stored: `_id` is the corp id; `rev` grows with every write (optimistic concurrency). */
export interface LicenceDoc extends BaseDocument, CorpLicence {
  rev: number;
}

/**
 * The `licences` collection: one document per corp. Every change is a compare-and-set on `rev`, so
 * a purchase and a job pass that read the same version cannot overwrite each other; the loser reads
 * again and replays its change.
 */
export class LicenceRepository {
  readonly docs: Collection<LicenceDoc>;

  constructor(store: Store, collection = 'licences') {
    this.docs = store.collection<LicenceDoc>(collection);
  }

  /** Declares the indexes the jobs need: the due scan reads only corps with `nextDueAt <= now`. */
  async init(): Promise<void> {
    await this.docs.createIndex({ keys: { nextDueAt: 1 } });
  }

  get(corpId: string): Promise<LicenceDoc | null> {
    return this.docs.findOne({ _id: corpId });
  }

  /**
   * Creates the licence on the first authorisation ever; later calls only mark the corp authorised,
   * so the trial anchor never moves.
   */
  async authorise(initial: CorpLicence): Promise<LicenceDoc> {
    const { authorised: _a, ...onInsert } = initial;
    const doc = await this.docs.findOneAndUpdate(
      { _id: initial.corpId },
      { $setOnInsert: onInsert, $set: { authorised: true }, $inc: { rev: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    return doc!;
  }

  /** Writes `next` if the stored version is still `rev`. False when someone wrote in between. */
  async replace(rev: number, next: CorpLicence): Promise<boolean> {
    const { corpId, ...fields } = next;
    const doc = await this.docs.findOneAndUpdate({ _id: corpId, rev }, { $set: fields, $inc: { rev: 1 } }, { returnDocument: 'after' });
    return doc !== null;
  }

  /** Up to `limit` corps due by `now` (an index range read, never a scan of all corps). */
  due(now: number, limit: number): Promise<LicenceDoc[]> {
    return this.docs.find({ nextDueAt: { $lte: now } }, { limit });
  }
}

/** The domain part of a stored document. */
export function toLicence(doc: LicenceDoc): CorpLicence {
  const { _id, rev: _rev, ...licence } = doc;
  return { ...licence, corpId: _id };
}
