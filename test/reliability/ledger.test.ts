/** The ledger itself can fail: a lost, a repeated, an invented and a reordered answer are each counted. */
import { Ledger } from './ledger';

function ledgerOf(): Ledger {
  const l = new Ledger('unit');
  for (const t of ['a1', 'a2', 'a3']) l.wrote('alice', t);
  for (const t of ['b1', 'b2']) l.wrote('bob', t);
  return l;
}

describe('the ledger', () => {
  it('passes when every answer came once, in order', () => {
    const delivered: Record<string, string[]> = { alice: ['You said: a1', 'You said: a2', 'You said: a3'], bob: ['You said: b1', 'You said: b2'] };
    const v = ledgerOf().settle((c) => delivered[c] ?? []);
    expect(v).toMatchObject({ customers: 2, sent: 5, delivered: 5, lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0 });
  });

  it('counts lost, duplicated, unexpected and out-of-order answers, and settle() throws naming them', () => {
    const delivered: Record<string, string[]> = {
      alice: ['You said: a2', 'You said: a1', 'You said: a2', 'You said: zz'], // a3 lost, a2 twice, zz invented, a2 before a1
      bob: ['You said: b1'], // b2 lost
    };
    const ledger = ledgerOf();
    expect(ledger.check((c) => delivered[c] ?? [])).toMatchObject({ sent: 5, delivered: 5, lost: 2, duplicated: 1, outOfOrder: 1, unexpected: 1 });
    expect(() => ledger.settle((c) => delivered[c] ?? [])).toThrow(/2 lost, 1 duplicated, 1 unexpected, 1 customers out of order[\s\S]*alice: lost "You said: a3"/);
  });
});
