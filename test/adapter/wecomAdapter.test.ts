import { adapterRig, type AdapterRig, receivedTexts } from '../support/adapterRig';

describe('WeComAdapter end to end against the emulator', () => {
  let rig: AdapterRig;
  afterEach(async () => rig?.close());

  it('answers a customer text through callback → sync_msg → bot → send_msg', async () => {
    rig = await adapterRig();
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const published = await customer.sendText('hello');
    const delivery = await published.delivery;
    expect(delivery).toMatchObject({ delivered: true, attempts: 1 });
    await rig.adapter.idle();
    expect(receivedTexts(rig, customer.externalUserId)).toEqual(['You said: hello']);
  });
});
