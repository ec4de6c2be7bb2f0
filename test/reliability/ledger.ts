/**
 * The ledger every reliability scenario ends with: what each customer sent, against what WeCom
 * (the emulator) delivered to them. The echo bot answers `You said: <text>`, so each sent text
 * has exactly one expected answer; the verdict counts answers lost, answers delivered more than
 * once, and customers whose answers came out of order.
 */
import type { SentMessage, WeComEmulator } from '../../src/sandbox/emulator';

export interface LedgerVerdict {
  readonly scenario: string;
  readonly customers: number;
  readonly sent: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Customers whose answers (each counted once) are not in the order they wrote. */
  readonly outOfOrder: number;
  /** Answers to nothing anyone sent (a corrupted or invented message). */
  readonly unexpected: number;
  /** The first few differences, for the failure message. */
  readonly examples: readonly string[];
}

/** Text a customer saw in one delivered message. */
const shown = (m: SentMessage): string => {
  const p = m.payload as { content?: string };
  return p.content ?? `[${m.msgtype}]`;
};

/** What one customer received, as the texts shown, in delivery order. */
export type Delivered = (externalUserId: string) => string[];

/** What the emulator delivered to each customer of `corpId` (its send_msg log). */
export function deliveredBy(emu: WeComEmulator, corpId: string): Delivered {
  return (customer) => emu.received(corpId, customer).map(shown);
}

export class Ledger {
  private readonly sent = new Map<string, string[]>();

  constructor(
    readonly scenario: string,
    private readonly answer: (text: string) => string = (text) => `You said: ${text}`,
  ) {}

  /** Records that `externalUserId` wrote `text` (call it before or as the message is published). */
  wrote(externalUserId: string, text: string): void {
    const list = this.sent.get(externalUserId) ?? [];
    list.push(text);
    this.sent.set(externalUserId, list);
  }

  /** Every customer's expected answers, in order. */
  expected(): Map<string, string[]> {
    return new Map([...this.sent].map(([customer, texts]) => [customer, texts.map(this.answer)]));
  }

  /** Compares the record with what `deliveredTo` says each customer received, in order. */
  check(deliveredTo: Delivered): LedgerVerdict {
    let delivered = 0;
    let lost = 0;
    let duplicated = 0;
    let outOfOrder = 0;
    let unexpected = 0;
    const examples: string[] = [];
    const note = (s: string): void => void (examples.length < 5 && examples.push(s));
    for (const [customer, want] of this.expected()) {
      const got = deliveredTo(customer);
      delivered += got.length;
      const counts = new Map<string, number>();
      for (const text of got) counts.set(text, (counts.get(text) ?? 0) + 1);
      for (const text of want) {
        const n = counts.get(text) ?? 0;
        if (n === 0) {
          lost += 1;
          note(`${customer}: lost "${text}"`);
        } else if (n > 1) {
          duplicated += n - 1;
          note(`${customer}: "${text}" delivered ${n} times`);
        }
      }
      const wanted = new Set(want);
      for (const text of got) {
        if (!wanted.has(text)) {
          unexpected += 1;
          note(`${customer}: unexpected "${text}"`);
        }
      }
      // Order: the first delivery of each expected answer, in delivery order, is the order written.
      const firsts = [...new Set(got.filter((t) => wanted.has(t)))];
      const inOrder = want.filter((t) => firsts.includes(t));
      if (firsts.join('\u0000') !== inOrder.join('\u0000')) {
        outOfOrder += 1;
        note(`${customer}: got ${JSON.stringify(firsts)}, written ${JSON.stringify(inOrder)}`);
      }
    }
    const sent = [...this.sent.values()].reduce((n, texts) => n + texts.length, 0);
    return { scenario: this.scenario, customers: this.sent.size, sent, delivered, lost, duplicated, outOfOrder, unexpected, examples };
  }

  /**
   * Asserts 0 lost, 0 duplicated, 0 unexpected, order kept, and prints the one-line summary.
   * Throws (with the first differences) otherwise, so it can sit inside `eventually`.
   */
  settle(deliveredTo: Delivered): LedgerVerdict {
    const v = this.check(deliveredTo);
    if (v.lost || v.duplicated || v.outOfOrder || v.unexpected) {
      throw new Error(`${summary(v)}\n  ${v.examples.join('\n  ')}`);
    }
    return v;
  }
}

/** One line: `[ledger] scenario: 20 customers, 60 sent, 60 delivered, 0 lost, 0 duplicated, order kept`. */
export function summary(v: LedgerVerdict): string {
  const order = v.outOfOrder === 0 ? 'order kept' : `${v.outOfOrder} customers out of order`;
  const extra = v.unexpected ? `, ${v.unexpected} unexpected` : '';
  return `[ledger] ${v.scenario}: ${v.customers} customers, ${v.sent} sent, ${v.delivered} delivered, ${v.lost} lost, ${v.duplicated} duplicated${extra}, ${order}`;
}

/** Prints the summary line (jest shows console output of a passing test too). */
export function report(v: LedgerVerdict): void {
  process.stdout.write(`${summary(v)}\n`);
}
