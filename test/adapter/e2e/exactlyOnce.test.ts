/**
 * Exactly-once out: a turn that throws half-way and is retried, a send whose answer is lost, and a
 * restart on the same store — the customer sees every reply once.
 */
import type { TurnContext } from 'botbuilder';
import type { EmulatorSwitches, SimulatedCustomer } from '../../../src/sandbox/emulator';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually, settle } from '../../support/e2e';
import { type LossyProxy, lossyProxy } from '../../support/lossyProxy';

describe('exactly-once replies', () => {
  let rig: AdapterRig;
  let customer: SimulatedCustomer;
  let proxy: LossyProxy | undefined;
  afterEach(async () => {
    await rig?.close();
    await proxy?.close();
    proxy = undefined;
  });

  const sendMsgCalls = (): typeof rig.emu.calls => rig.emu.calls.filter((c) => c.path === 'kf/send_msg');

  it('a turn that sends reply 1 and then throws is retried: the customer gets reply 1 once and reply 2 once', async () => {
    let attempts = 0;
    rig = await adapterRig({
      bot: async (ctx: TurnContext) => {
        if (ctx.activity.type !== 'message') return;
        attempts++;
        await ctx.sendActivity('reply 1');
        if (attempts === 1) throw new Error('the bot crashed half-way');
        await ctx.sendActivity('reply 2');
      },
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('order status?'));
    expect(attempts).toBe(2);
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['reply 1', 'reply 2']);
    expect(sendMsgCalls()).toHaveLength(2); // the retry did not even ask WeCom to send reply 1 again
  });

  it.each<EmulatorSwitches['repeatedSendMsgid']>(['success', 'duplicate_error'])(
    'a send whose answer is lost is delivered once and sendActivity resolves (WeCom answers a repeated msgid with %s)',
    async (repeatedSendMsgid) => {
      const ids: string[] = [];
      rig = await adapterRig({ switches: { repeatedSendMsgid } });
      proxy = await lossyProxy(rig.emu.baseUrl);
      rig.adapter = rig.newAdapter({ apiBaseUrl: proxy.baseUrl, requestTimeoutMs: 300 });
      rig.setBot(async (ctx) => {
        if (ctx.activity.type === 'message') ids.push((await ctx.sendActivity(`You said: ${ctx.activity.text}`))?.id ?? '');
      });
      customer = rig.emu.customer(rig.corp.corpId, rig.kf);
      // WeCom carries out the first send_msg, but its answer arrives long after the client gave up.
      proxy.loseAnswers('kf/send_msg', 1, 1000);
      await settle(rig, customer.sendText('hello?'));

      const calls = sendMsgCalls();
      expect(calls).toHaveLength(2);
      expect(calls[0]).toMatchObject({ errcode: 0 }); // the lost one did go out
      expect((calls[1]!.body as { msgid: string }).msgid).toBe((calls[0]!.body as { msgid: string }).msgid);
      expect(calls[1]!.errcode).toBe(repeatedSendMsgid === 'duplicate_error' ? rig.emu.switches.duplicateMsgidErrcode : 0);
      const received = rig.emu.received(rig.corp.corpId, customer.externalUserId);
      expect(received.map((m) => (m.payload as { content: string }).content)).toEqual(['You said: hello?']);
      expect(ids).toEqual([received[0]!.msgid]);
    },
  );

  it('a welcome whose answer is lost is shown once: the repeat finds the single-use code spent (41050) and counts as sent', async () => {
    rig = await adapterRig();
    proxy = await lossyProxy(rig.emu.baseUrl);
    rig.adapter = rig.newAdapter({ apiBaseUrl: proxy.baseUrl, requestTimeoutMs: 300 });
    const outcomes: string[] = [];
    rig.setBot(async (ctx) => {
      if (ctx.activity.type !== 'conversationUpdate') return;
      await ctx.sendActivity('Welcome!');
      outcomes.push('resolved');
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    proxy.loseAnswers('kf/send_msg_on_event', 1, 1000);
    await settle(rig, customer.enterSession({ scene: 'site' }));

    const calls = rig.emu.calls.filter((c) => c.path === 'kf/send_msg_on_event');
    expect(calls.map((c) => c.errcode)).toEqual([0, 41050]);
    expect(rig.emu.received(rig.corp.corpId, customer.externalUserId).map((m) => [m.via, (m.payload as { content: string }).content]))
      .toEqual([['send_msg_on_event', 'Welcome!']]);
    expect(outcomes).toEqual(['resolved']);
  });

  it.each<EmulatorSwitches['repeatedSendMsgid']>(['success', 'duplicate_error'])(
    'a send whose answer is lost on every attempt fails the turn; the retried turn does not send it again (%s)',
    async (repeatedSendMsgid) => {
      rig = await adapterRig({ switches: { repeatedSendMsgid } });
      proxy = await lossyProxy(rig.emu.baseUrl);
      rig.adapter = rig.newAdapter({ apiBaseUrl: proxy.baseUrl, requestTimeoutMs: 200 });
      const outcomes: string[] = [];
      rig.setBot(async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        try {
          await ctx.sendActivity('first answer');
          outcomes.push('resolved');
        } catch (e) {
          outcomes.push(`rejected: ${(e as Error).name}`);
          throw e;
        }
        await ctx.sendActivity('second answer');
      });
      customer = rig.emu.customer(rig.corp.corpId, rig.kf);
      proxy.loseAnswers('kf/send_msg', 3, 1000); // the sender's three tries all time out
      await settle(rig, customer.sendText('hi'));
      expect(outcomes).toEqual(['rejected: WeComHttpError', 'resolved']);
      expect(receivedTexts(rig, customer.externalUserId)).toEqual(['first answer', 'second answer']);
    },
  );

  it('after a restart on the same store nothing is replayed, and new messages are answered', async () => {
    rig = await adapterRig();
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('one'));
    await rig.adapter.close();

    rig.adapter = rig.newAdapter(); // the server routes callbacks to rig.adapter
    await rig.adapter.start(async (ctx) => {
      if (ctx.activity.type === 'message') await ctx.sendActivity(`You said: ${ctx.activity.text}`);
    });
    await rig.adapter.sweep(); // a pull with no callback: the stored cursor is where it resumes
    await settle(rig, customer.sendText('two'));
    await rig.adapter.sweep();
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: one', 'You said: two']);
  });

  it('a message whose turn had not succeeded when the process stopped is answered once after the restart', async () => {
    let failing = true;
    rig = await adapterRig({
      adapter: { retryDelayMs: 60_000 }, // the retry would come long after the "crash"
      bot: async (ctx) => {
        if (ctx.activity.type !== 'message') return;
        await ctx.sendActivity('working on it');
        if (failing) throw new Error('process is going down');
        await ctx.sendActivity('done');
      },
    });
    customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const published = await customer.sendText('please help');
    await published.delivery;
    await eventually(() => expect(receivedTexts(rig, customer.externalUserId)).toEqual(['working on it']));
    await rig.adapter.close();

    failing = false;
    rig.adapter = rig.newAdapter();
    await rig.adapter.start(async (ctx) => {
      if (ctx.activity.type !== 'message') return;
      await ctx.sendActivity('working on it');
      await ctx.sendActivity('done');
    });
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['working on it', 'done']);
  });
});
