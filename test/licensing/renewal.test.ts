import { addLicenceYear } from '../../src/licensing/policy';
import { days, iso, openHarness, T0, type Harness } from './harness';

const trialEnd = T0 + days(90);
const end1 = addLicenceYear(trialEnd);
const end2 = addLicenceYear(end1);

describe('renewal and credits at activation', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
    await h.licensing.recordAuthorisation('ww1');
  });
  afterEach(() => h.close());

  it('spare credits alone do not renew: one purchase is one year', async () => {
    await h.licensing.purchase('ww1', 12);
    await h.advance(end1 - T0);
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'expired', valid: false, creditBalance: 8, reason: { code: 'no_licence' } });
    expect(h.transitions.map((t) => [t.to, iso(t.at)])).toEqual([['active', iso(trialEnd)], ['expired', iso(end1)]]);
  });

  it('auto-renew schedules the next year from spare credits at each end, until they run out', async () => {
    await h.licensing.purchase('ww1', 8);
    await h.licensing.setAutoRenew('ww1', true);
    await h.advance(end1 - T0);
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', activeUntil: iso(end2), creditBalance: 0, autoRenew: true });
    await h.advance(end2 - h.clock.now());
    const view = await h.licensing.status('ww1');
    expect(view).toMatchObject({ status: 'expired', creditBalance: 0, reason: { code: 'insufficient_credits', needed: 4, balance: 0 } });
    expect(view.schedule.map((y) => [y.origin, y.state])).toEqual([['purchase', 'ended'], ['auto_renew', 'ended'], ['auto_renew', 'refused']]);
    expect((await h.licensing.ledgerEntries('ww1')).map((e) => [e.kind, e.credits])).toEqual([
      ['purchase', 8],
      ['activation', -4],
      ['activation', -4],
      ['refusal', 0],
    ]);
  });

  it('counts agents when a year activates: 4 credits per agent', async () => {
    await h.licensing.purchase('ww1', 12);
    await h.licensing.setAgentCount('ww1', 3);
    await h.advance(days(90));
    const view = await h.licensing.status('ww1');
    expect(view).toMatchObject({ status: 'active', creditBalance: 0, schedule: [{ agents: 3, cost: 12, state: 'active' }] });
  });

  it('charges one agent when none is counted yet', async () => {
    await h.licensing.setAgentCount('ww1', 0);
    await h.licensing.purchase('ww1', 4);
    await h.advance(days(90));
    expect(await h.licensing.status('ww1')).toMatchObject({ status: 'active', creditBalance: 0, yearCost: 4 });
  });

  it('does not activate a year whose credits are short, says why, and a later purchase starts one at once', async () => {
    await h.licensing.purchase('ww1', 4);
    await h.licensing.purchase('ww1', 4); // two years scheduled, 8 credits
    await h.licensing.setAgentCount('ww1', 3); // a year now costs 12
    await h.advance(days(90));
    const refused = await h.licensing.status('ww1');
    expect(refused).toMatchObject({
      status: 'trial_expired',
      valid: false,
      creditBalance: 8,
      reason: { code: 'insufficient_credits', needed: 12, balance: 8, agents: 3, message: expect.stringContaining('Buy 4 or more credits') },
    });
    expect(refused.schedule.map((y) => y.state)).toEqual(['refused', 'refused']); // the second was chained to the first
    expect(refused.warnings.map((w) => w.kind)).toContain('inactive');

    await h.advance(days(5));
    const { status } = await h.licensing.purchase('ww1', 4);
    expect(status).toMatchObject({ status: 'active', valid: true, creditBalance: 0, activeUntil: iso(addLicenceYear(trialEnd + days(5))) });
    expect(status.reason).toBeUndefined();
    expect(h.transitions.map((t) => t.to)).toEqual(['trial_expired', 'active']);
  });

  it('refuses bad agent counts', async () => {
    await expect(h.licensing.setAgentCount('ww1', 1.5)).rejects.toMatchObject({ code: 'invalid_agent_count' });
    await expect(h.licensing.setAgentCount('ww1', -1)).rejects.toMatchObject({ code: 'invalid_agent_count' });
  });
});
