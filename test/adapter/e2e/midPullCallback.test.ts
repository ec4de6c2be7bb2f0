/**
 * A callback that arrives while a pull is still storing its page starts the next round at once: its
 * customer is answered without waiting for the pull in flight to finish. Counted, not timed: the
 * first page is held (its observer does not return) for as long as the test likes.
 */
import type { InboundObserver } from '../../../src/adapter';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually } from '../../support/e2e';

describe('a callback mid-pull', () => {
  let rig: AdapterRig;
  let release: () => void = () => undefined;
  afterEach(async () => {
    release();
    await rig?.close();
  });

  it('is answered while the page before it is still being stored; that page is answered once it is', async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    const pulled: string[][] = [];
    // The first page's customer messages are held on their way into the store (an observer that
    // does not return yet), so the pull that brought them cannot finish.
    const observer: InboundObserver = {
      customerMessagesPulled: async (messages) => {
        pulled.push(messages.map((m) => m.msgid));
        if (pulled.length === 1) await held;
      },
    };
    rig = await adapterRig({ adapter: { observer } });
    const first = rig.emu.customer(rig.corp.corpId, rig.kf);
    const later = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await first.sendText('first')).delivery;
    await eventually(() => expect(pulled).toHaveLength(1)); // the first pull is storing its page, and stays there

    await (await later.sendText('later')).delivery;
    await eventually(() => expect(receivedTexts(rig, later.externalUserId)).toEqual(['You said: later']));
    expect(pulled).toHaveLength(2);
    expect(receivedTexts(rig, first.externalUserId)).toEqual([]); // its page is still held

    release();
    await eventually(() => expect(receivedTexts(rig, first.externalUserId)).toEqual(['You said: first']));
    await rig.adapter.idle();
    // Both pages' cursors saved in order: a sweep pulls nothing new and answers nobody twice.
    await rig.adapter.sweep();
    await rig.adapter.idle();
    expect(receivedTexts(rig, first.externalUserId)).toEqual(['You said: first']);
    expect(receivedTexts(rig, later.externalUserId)).toEqual(['You said: later']);
    expect(pulled).toHaveLength(2);
  });
});
