import type { Collection, Store } from '../store';

/** The newest suite_ticket of one suite. */
export interface SuiteTicketDoc {
  /** The suite id. */
  _id: string;
  ticket: string;
  /** When it arrived (ms, store clock): it is good for 30 minutes. */
  receivedAt: number;
  /** The callback's signed `TimeStamp` (ms): an older push never replaces a newer one. */
  signedAt: number;
}

/** WeCom: a ticket is good for 30 minutes after its push. */
export const SUITE_TICKET_TTL_MS = 30 * 60_000;

/**
 * `suite_tickets`: the newest ticket per suite, shared by every instance (any of them may receive
 * the push, all of them need it for the suite token).
 *
 * @example
 * const tickets = new SuiteTicketRepository(store);
 * await tickets.save(event.suiteId, event.suiteTicket, event.timestamp * 1000);
 * new SuiteClient({ suiteId, suiteSecret, ticket: tickets.source(suiteId) });
 */
export class SuiteTicketRepository {
  private readonly tickets: Collection<SuiteTicketDoc>;

  constructor(private readonly store: Store) {
    this.tickets = store.collection<SuiteTicketDoc>('suite_tickets');
  }

  /** Keeps `ticket` unless a newer push is stored already. Returns whether it was kept. */
  async save(suiteId: string, ticket: string, signedAt: number): Promise<boolean> {
    const set = { ticket, signedAt, receivedAt: this.store.clock.now() };
    // One write in the usual case; an equal stamp replaces (a console refresh within the same second).
    const kept = await this.tickets.findOneAndUpdate({ _id: suiteId, signedAt: { $lte: signedAt } }, { $set: set }, { returnDocument: 'after' });
    if (kept) return true;
    const doc = await this.tickets.findOneAndUpdate({ _id: suiteId }, { $setOnInsert: set }, { upsert: true, returnDocument: 'after' });
    return doc?.ticket === ticket;
  }

  /** The newest ticket while it is good (30 minutes after it arrived), else undefined. */
  async newest(suiteId: string): Promise<string | undefined> {
    const doc = await this.tickets.findOne({ _id: suiteId });
    return doc && this.store.clock.now() - doc.receivedAt < SUITE_TICKET_TTL_MS ? doc.ticket : undefined;
  }

  /** The ticket source `SuiteClient` takes. */
  source(suiteId: string): () => Promise<string | undefined> {
    return () => this.newest(suiteId);
  }
}
