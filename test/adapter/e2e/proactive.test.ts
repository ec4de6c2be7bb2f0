/**
 * Proactive messages: continueConversationAsync with a reference saved from an earlier turn.
 */
import { type ConversationReference, TurnContext } from 'botbuilder';
import { KfServiceState } from '../../../src/wecom';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { settle } from '../../support/e2e';

describe('proactive messages', () => {
  let rig: AdapterRig;
  let reference: Partial<ConversationReference> | undefined;
  afterEach(async () => rig?.close());

  beforeEach(async () => {
    reference = undefined;
    rig = await adapterRig({
      bot: async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        reference = TurnContext.getConversationReference(ctx.activity);
        await ctx.sendActivity('We will let you know when your order ships.');
      },
    });
  });

  it('a reference from an earlier turn sends into the open window, and resolves with the msgid', async () => {
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('where is my order?'));
    rig.clock.advance(3 * 3600_000); // hours later, still inside the 48 h window

    let id: string | undefined;
    await rig.adapter.continueConversationAsync('', reference!, async (ctx) => {
      id = (await ctx.sendActivity('Your order has shipped: SF1234567890'))?.id;
    });
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['We will let you know when your order ships.', 'Your order has shipped: SF1234567890']);
    expect(id).toBe(customer.received().at(-1)!.msgid);
  });

  it('a stale "human holds it" record is checked with WeCom before it silences a proactive send', async () => {
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('where is my order?'));
    const { sessions } = await rig.adapter.ready();
    const conversationId = reference!.conversation!.id;
    await sessions.set(conversationId, KfServiceState.Human, 'alice'); // the event that ended it was missed
    await expect(rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('x'))))
      .rejects.toMatchObject({ code: 'handoff_active' }); // a fresh record is trusted
    rig.clock.advance(5 * 60_000);
    await rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('Your order has shipped')));
    expect(receivedTexts(rig, customer.externalUserId).at(-1)).toBe('Your order has shipped');
    expect((await sessions.get(conversationId))?.state).not.toBe(KfServiceState.Human);
  });

  it('after the 48 h window has closed, WeCom refuses the send and the proactive turn rejects with 95002', async () => {
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('where is my order?'));
    rig.clock.advance(49 * 3600_000);
    await expect(rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('too late')))).rejects.toMatchObject({ errcode: 95002 });
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['We will let you know when your order ships.']);
  });
});
