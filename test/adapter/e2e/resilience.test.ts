import { LicensingService } from '../../../src/licensing';
import { WeComAdapter } from '../../../src/botbuilder';
import { isFinalRefusal } from '../../../src/channel';
import { ConversationLockedError } from '../../../src/middleware';
import { WeComApiError, WeComHttpError } from '../../../src/wecom';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually, settle } from '../../support/e2e';

describe('resilience', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('waits out a WeCom outage longer than maxTurnAttempts instead of parking the message', async () => {
    rig = await adapterRig({ adapter: { maxTurnAttempts: 2, retryDelayMs: 5 } });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    // 12 failures = four whole turns' worth of send attempts (3 per turn), twice the attempt limit.
    rig.emu.faults.inject({ path: 'kf/send_msg', times: 12, fault: { kind: 'http_500' } });
    await settle(rig, customer.sendText('during the outage'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: during the outage']);
    expect(rig.emu.calls.filter((c) => c.path === 'kf/send_msg' && c.httpStatus === 500)).toHaveLength(12);
  });

  it('does not count an outage towards parking: three transient failures and one bot error still end in a reply', async () => {
    let tries = 0;
    rig = await adapterRig({
      adapter: { maxTurnAttempts: 2, retryDelayMs: 5 },
      bot: async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        tries++;
        if (tries <= 3) throw new WeComHttpError('kf/send_msg', 'HTTP 502', { status: 502 });
        if (tries === 4) throw new Error('a bot bug, once');
        await ctx.sendActivity(`ok: ${ctx.activity.text}`);
      },
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('hello'));
    expect(tries).toBe(5);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['ok: hello']);
  });

  it('parks a message as failed after maxTurnAttempts when the bot itself keeps throwing, and goes on with the next', async () => {
    rig = await adapterRig({
      adapter: { maxTurnAttempts: 3, retryDelayMs: 5 },
      bot: async (ctx) => {
        if (ctx.activity.text === 'poison') throw new Error('bot bug');
        await ctx.sendActivity(`ok: ${ctx.activity.text}`);
      },
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('poison'), customer.sendText('next'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['ok: next']);
    const { inbox } = await rig.adapter.ready();
    expect(await inbox.count({ status: 'failed' })).toBe(1);
  });

  it('keeps a failed turn in back-off: sweeps and new messages do not retry it early', async () => {
    let tries = 0;
    rig = await adapterRig({
      adapter: { maxTurnAttempts: 3, retryDelayMs: 300 },
      bot: async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        if (ctx.activity.text === 'poison') {
          tries++;
          throw new Error('bot bug');
        }
        await ctx.sendActivity(`ok: ${ctx.activity.text}`);
      },
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await customer.sendText('poison')).delivery;
    await eventually(() => expect(tries).toBe(1));
    for (let i = 0; i < 5; i++) await rig.adapter.sweep();
    await (await customer.sendText('after')).delivery;
    expect(tries).toBe(1);
    await rig.adapter.idle();
    expect(tries).toBe(3);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['ok: after']);
  });

  it('does not retry a turn refused for good: what the welcome turn sent before the refusal goes out once, and the next message is answered at once', async () => {
    let welcomes = 0;
    rig = await adapterRig({
      adapterClass: WeComAdapter,
      adapter: { maxTurnAttempts: 5, retryDelayMs: 2_000 },
      bot: async (ctx) => {
        if (ctx.activity.type === 'conversationUpdate') {
          welcomes++;
          await ctx.sendActivity('Welcome!'); // goes with the welcome code
          await ctx.sendActivity({ attachments: [{ contentType: 'application/vnd.wecom.unknown' }] }); // WeChat cannot show it: refused for good
        } else if (ctx.activity.type === 'message') {
          await ctx.sendActivity(`You said: ${ctx.activity.text}`);
        }
      },
    });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    // One after the other: once 'hi' is pulled, WeCom would accept a second message, and so do we.
    await settle(rig, customer.enterSession());
    await settle(rig, customer.sendText('hi'));
    expect(welcomes).toBe(1);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['Welcome!', 'You said: hi']);
    const { inbox } = await rig.adapter.ready();
    expect(await inbox.count({ status: 'failed' })).toBe(0);
  });

  it('delivers held messages once the licence is valid, even when this instance never heard of the change', async () => {
    rig = await adapterRig({ adapterClass: WeComAdapter });
    const adapter = rig.adapter as WeComAdapter;
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('in trial'));
    rig.clock.advance(91 * 24 * 3600_000);
    await (await adapter.licensing()).runDueJobs();
    await settle(rig, customer.sendText('held 1'), customer.sendText('held 2'));
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: in trial']);

    // Another instance (its own service, no listener here) sells the licence.
    const elsewhere = await LicensingService.create({ store: rig.store });
    await elsewhere.purchase(rig.corp.corpId, 4);
    await elsewhere.runDueJobs();
    await adapter.sweep();
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: in trial', 'You said: held 1', 'You said: held 2']);
  });

  it('tells final refusals from failures worth retrying', () => {
    expect(isFinalRefusal(new ConversationLockedError('c', 'reply-limit', 0))).toBe(true);
    expect(isFinalRefusal(new WeComApiError('kf/send_msg', 95001, ''))).toBe(true);
    expect(isFinalRefusal(new WeComApiError('kf/send_msg', 40058, ''))).toBe(true);
    expect(isFinalRefusal(new WeComApiError('kf/send_msg', -1, ''))).toBe(false);
    expect(isFinalRefusal(new WeComApiError('kf/send_msg', 42001, ''))).toBe(false);
    expect(isFinalRefusal(new WeComHttpError('kf/send_msg', 'HTTP 502', { status: 502 }))).toBe(false);
    expect(isFinalRefusal(new Error('bug'))).toBe(false);
  });
});
