/**
 * Handoff to a human with botbuilder's convention: handoff.initiate moves the WeCom session with
 * kf/service_state/trans, the bot stays silent while the human serves, and handoff.status events
 * tell the bot how it went.
 */
import { EventFactory, type TurnContext } from 'botbuilder';
import type { SimulatedCustomer } from '../../../src/sandbox/emulator';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { recorder, type Recorder, settle } from '../../support/e2e';

describe('handoff to a human servicer', () => {
  let rig: AdapterRig;
  let bot: Recorder;
  let customer: SimulatedCustomer;
  /** What a bot send while the human serves did (one entry per wecom.handoffMessage). */
  let sendsDuringHandoff: string[];

  /** A bot that answers text, hands off on "human" (to `servicer`, or the queue), and tries to answer during the handoff. */
  async function start(servicer?: string): Promise<void> {
    sendsDuringHandoff = [];
    bot = recorder(async (ctx: TurnContext) => {
      const { activity } = ctx;
      if (activity.type === 'message' && activity.text === 'human') {
        await ctx.sendActivity('Connecting you to a colleague…');
        await ctx.sendActivity(EventFactory.createHandoffInitiation(ctx, servicer ? { servicerUserId: servicer } : {}));
      } else if (activity.type === 'message') {
        await ctx.sendActivity(`Bot: ${activity.text}`);
      } else if (activity.name === 'wecom.handoffMessage') {
        await ctx.sendActivity('the bot should not be able to say this').then(
          () => sendsDuringHandoff.push('sent'),
          (e: { code?: string }) => sendsDuringHandoff.push(`refused: ${e.code}`),
        );
      }
    });
    rig = await adapterRig({ bot: bot.logic });
    rig.emu.addServicer(rig.corp.corpId, { userid: 'alice' });
    rig.emu.addServicer(rig.corp.corpId, { userid: 'bob', status: 'stopped' });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
  }

  const statuses = (): unknown[] => bot.of('event', 'handoff.status').map((a) => a.value);
  const state = (): number => rig.emu.sessionState(rig.corp.corpId, rig.kf, customer.externalUserId).service_state;

  afterEach(async () => rig?.close());

  it('to a named servicer: state 3, accepted; the bot only listens while alice serves; completed when she ends; then the bot answers again', async () => {
    await start('alice');
    await settle(rig, customer.sendText('human'));
    expect(rig.emu.sessionState(rig.corp.corpId, rig.kf, customer.externalUserId)).toEqual({ service_state: 3, servicer_userid: 'alice' });
    expect(statuses()).toEqual([{ state: 'accepted' }]);

    await settle(rig, customer.sendText('are you a real person?'));
    expect(bot.of('event', 'wecom.handoffMessage').map((a) => a.value)).toEqual([expect.objectContaining({ text: 'are you a real person?' })]);
    expect(bot.of('message').map((a) => a.text)).toEqual(['human']); // not delivered as a message
    expect(sendsDuringHandoff).toEqual(['refused: handoff_active']);

    await settle(rig, rig.emu.servicer(rig.corp.corpId, 'alice').endSession(rig.kf, customer.externalUserId));
    expect(statuses()).toEqual([{ state: 'accepted' }, { state: 'completed' }]);

    await settle(rig, customer.sendText('thanks, one more question'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Connecting you to a colleague…', 'Bot: thanks, one more question']);
  });

  it('without a servicer the session goes to the queue (state 2), accepted, and the bot stays silent', async () => {
    await start();
    await settle(rig, customer.sendText('human'));
    expect(state()).toBe(2);
    expect(statuses()).toEqual([{ state: 'accepted' }]);
    await settle(rig, customer.sendText('hello? anyone?'));
    expect(sendsDuringHandoff).toEqual(['refused: handoff_active']);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Connecting you to a colleague…']);
  });

  it.each([
    ['a servicer who stopped receiving', 'bob', 95019],
    ['someone who is not a servicer', 'mallory', 95014],
  ])('WeCom refuses a handoff to %s (%s): failed with errcode %i, and the bot keeps serving', async (_who, servicer, errcode) => {
    await start(servicer);
    await settle(rig, customer.sendText('human'));
    expect(state()).toBe(1); // the bot's own reply moved it from 0 to 1; trans did not move it
    expect(statuses()).toEqual([{ state: 'failed', message: expect.stringContaining(String(errcode)) }]);
    await settle(rig, customer.sendText('still there?'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Connecting you to a colleague…', 'Bot: still there?']);
  });
});
