import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import { repliesLeftOf } from '../../src/adapter/sendHooks';
import { ManualClock } from '../../src/common/clock';
import { defaultMiddleware } from '../../src/middleware/defaultMiddleware';
import type { Store } from '../../src/store';
import { FakeWeCom } from './fakeWeCom';
import { SendLoopTestAdapter } from './testAdapter';
import { openTestStore } from './windowStore';

const conv = 'ww1:wk1:wm1';
const customer = { id: 'wm1', name: 'customer' };
const kfAccount = { id: 'wk1', name: 'kf' };

describe('WindowMiddleware tells the adapter how many replies are left', () => {
  let store: Store;
  afterEach(async () => store?.close());

  it('5 after the customer writes, 3 after two replies, 0 once locked; unknown without the middleware', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 8));
    store = await openTestStore(clock);
    const wecom = new FakeWeCom(clock);
    const adapter = new SendLoopTestAdapter((send) => wecom.send(send));
    for (const m of defaultMiddleware(store, clock)) adapter.use(m);
    const kf = wecom.customerWrites(conv);
    const activity: Partial<Activity> = {
      type: ActivityTypes.Message, id: kf.msgid, text: kf.text.content, from: customer, recipient: kfAccount, channelId: 'wecom',
      conversation: { id: conv, name: conv, isGroup: false, conversationType: 'personal' },
      channelData: { corpId: 'ww1', openKfId: 'wk1', externalUserId: 'wm1', origin: 3, kf },
    };
    const seen: (number | undefined)[] = [];
    await adapter.processActivity(activity, async (context: TurnContext) => {
      seen.push(await repliesLeftOf(context, conv));
      await context.sendActivity('one');
      await context.sendActivity('two');
      seen.push(await repliesLeftOf(context, conv));
      for (let i = 0; i < 3; i++) await context.sendActivity(`more ${i}`);
      seen.push(await repliesLeftOf(context, conv));
    });
    expect(seen).toEqual([5, 3, 0]);

    const bare = new SendLoopTestAdapter((send) => wecom.send(send));
    await bare.processActivity(activity, async (context) => void seen.push(await repliesLeftOf(context, conv)));
    expect(seen.at(-1)).toBeUndefined();
  });
});
