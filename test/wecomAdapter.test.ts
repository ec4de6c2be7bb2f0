import type { ConversationReference } from 'botbuilder';
import { WeComAdapter } from '../src/botbuilder';
import { adapterRig, type AdapterRig, receivedTexts } from './support/adapterRig';

describe('WeComAdapter (rules composed in) with two instances on one store', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('lets 20 replies fired at once from two instances through exactly 5 times; WeCom never has to refuse', async () => {
    let reference: Partial<ConversationReference> | undefined;
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      bot: async (context) => {
        if (context.activity.type === 'message') reference = { conversation: context.activity.conversation, channelId: 'wecom', serviceUrl: context.activity.serviceUrl };
      },
    });
    const second = rig.newAdapter();
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hello')).delivery;
    await rig.adapter.idle();
    expect(reference).toBeDefined();

    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? second : rig.adapter).continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity(`reply ${i}`)))));
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(5);
    expect(refused).toHaveLength(15);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'conversation_locked', reason: 'reply-limit' });
    expect(receivedTexts(rig, customer.externalUserId)).toHaveLength(5);
    expect(rig.emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);

    // The customer writes again: a fresh window with a fresh count of 5.
    await (await customer.sendText('again')).delivery;
    await rig.adapter.idle();
    await second.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('after the customer wrote')));
    expect(receivedTexts(rig, customer.externalUserId)).toHaveLength(6);
  });

  it('refuses a proactive message to a customer who never wrote, before WeCom sees it', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const reference = { conversation: { id: `${rig.corp.corpId}:${rig.kf}:wm_never_wrote`, isGroup: false, conversationType: 'personal', name: '' }, channelId: 'wecom' };
    await expect(rig.adapter.continueConversationAsync('', reference, async (ctx) => void (await ctx.sendActivity('promo'))))
      .rejects.toMatchObject({ code: 'conversation_locked', reason: 'never-initiated', resumesWhen: 'customer-writes' });
    expect(rig.emu.calls.filter((c) => c.path === 'kf/send_msg')).toEqual([]);
  });

  it('locks the window 48 h after the customer message, and refuses an outbound executable before uploading', async () => {
    let reference: Partial<ConversationReference> | undefined;
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: async (ctx) => void (reference ??= { conversation: ctx.activity.conversation, channelId: 'wecom' }) });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('hi')).delivery;
    await rig.adapter.idle();

    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 1)]);
    await expect(rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity({
      attachments: [{ contentType: 'image/png', name: 'cat.png', contentUrl: `data:image/png;base64,${exe.toString('base64')}` }],
    })))).rejects.toMatchObject({ code: 'media_rejected', direction: 'outbound', reason: 'executable' });
    expect(rig.emu.calls.filter((c) => c.path === 'media/upload')).toEqual([]);

    rig.clock.advance(48 * 3600_000 - 60_000); // 47:59
    await rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('still open')));
    rig.clock.advance(60_000); // 48:00
    await expect(rig.adapter.continueConversationAsync('', reference!, async (ctx) => void (await ctx.sendActivity('too late'))))
      .rejects.toMatchObject({ code: 'conversation_locked', reason: 'window-expired' });
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['still open']);
    expect(rig.emu.calls.filter((c) => c.errcode === 95001 || c.errcode === 95002)).toEqual([]);
  });
});
