import { days, iso, openHarness, T0, type Harness } from './harness';

const trialEnd = T0 + days(90);

describe('agents counted by the licence', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
    await h.licensing.recordAuthorisation('ww1');
  });
  afterEach(() => h.close());

  it('shows the next year\'s agents and cost before it activates, and says when it cannot be paid for', async () => {
    await h.licensing.purchase('ww1', 8);
    expect(await h.licensing.setAgentCount('ww1', 2)).toMatchObject({
      agentCount: 2, yearCost: 8,
      nextYear: { startsAt: iso(trialEnd), origin: 'purchase', agents: 2, cost: 8, payable: true },
    });
    const short = await h.licensing.setAgentCount('ww1', 3);
    expect(short).toMatchObject({ agentCount: 3, yearCost: 12, nextYear: { agents: 3, cost: 12, payable: false, shortBy: 4, message: expect.stringContaining('cannot be paid for') } });
    expect(short.warnings).toEqual([expect.objectContaining({ kind: 'next_year_unpayable', shortBy: 4 })]);

    // Left unpaid, the year does not start at the trial's end, and the status says why.
    await h.advance(trialEnd - h.clock.now());
    expect(await h.licensing.status('ww1')).toMatchObject({ valid: false, reason: { code: 'insufficient_credits', needed: 12, agents: 3 } });
  });

  it('a paid year activates with the agents counted then; a corp with no agents pays for one', async () => {
    await h.licensing.purchase('ww1', 8);
    await h.licensing.setAgentCount('ww1', 0);
    expect((await h.licensing.status('ww1')).nextYear).toMatchObject({ agents: 1, cost: 4, payable: true });
    await h.licensing.setAgentCount('ww1', 2);
    await h.advance(trialEnd - h.clock.now());
    const status = await h.licensing.status('ww1');
    expect(status).toMatchObject({ status: 'active', creditBalance: 0, schedule: [{ state: 'active', agents: 2, cost: 8 }] });
    expect(status.nextYear).toBeUndefined(); // nothing scheduled and no auto-renew
    expect((await h.licensing.setAutoRenew('ww1', true)).nextYear).toMatchObject({ origin: 'auto_renew', agents: 2, cost: 8, payable: false, shortBy: 8 });
  });
});
