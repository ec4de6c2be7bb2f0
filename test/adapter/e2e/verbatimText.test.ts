/**
 * An echo bot over WeChat: what the customer typed comes back exactly, although the reply goes
 * through the Markdown → plain text step (botbuilder's default textFormat is markdown).
 */
import { MessageFactory } from 'botbuilder';
import { adapterRig, type AdapterRig, echoBot } from '../../support/adapterRig';
import { settle, shown } from '../../support/e2e';

describe('text arrives verbatim', () => {
  let rig: AdapterRig;
  afterAll(async () => rig?.close());

  it.each([
    'hello 你好 <b>',
    'a <b> c and x < y > z',
    '2*3*4 = 24',
    'my id is snake_case_id, see __init__',
    'https://shop.example.cn/a_b_c/*promo*?ref=wx_1',
    '价格 2*3 元吗？😀 <促销>',
  ])('the echo of %j is what the customer typed', async (typed) => {
    rig ??= await adapterRig({ bot: echoBot });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText(typed));
    expect(customer.received().map(shown)).toEqual([`You said: ${typed}`]);
  });

  it('Markdown the bot means is still rendered', async () => {
    rig ??= await adapterRig({ bot: echoBot });
    rig.setBot(async (context) => void (await context.sendActivity(MessageFactory.text('**Order** [#42](https://x.cn/o/42) <3，这是**重要**的\n- tea\n- cake'))));
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await settle(rig, customer.sendText('status?'));
    expect(customer.received().map(shown)).toEqual(['Order #42 (https://x.cn/o/42) <3，这是重要的\n• tea\n• cake']);
  });
});
