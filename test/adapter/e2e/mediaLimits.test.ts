/**
 * Inbound files over the media limits are refused without being downloaded whole (the emulator
 * counts the bytes it handed out), and downloads run a few at a time.
 */
import type { Attachment } from 'botbuilder';
import { WeComAdapter } from '../../../src/botbuilder';
import { adapterRig, type AdapterRig, receivedTexts } from '../../support/adapterRig';
import { eventually, realMedia, recorder, type Recorder, settle } from '../../support/e2e';

const MB = 1024 * 1024;
/** What may sit in socket buffers between the emulator and the client when it stops reading. */
const SLACK = 8 * MB;

describe('inbound media: bounded memory', () => {
  let rig: AdapterRig;
  let bot: Recorder;
  afterEach(async () => rig?.close());

  function onlyAttachment(): Attachment {
    expect(bot.seen).toHaveLength(1);
    expect(bot.seen[0]!.attachments).toHaveLength(1);
    return bot.seen[0]!.attachments![0]!;
  }

  it('refuses a 150 MB file from its Content-Length: the customer\'s message arrives as a too-large rejection, and almost nothing was read', async () => {
    bot = recorder();
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const mediaId = rig.emu.putMedia(rig.corp.corpId, { type: 'file', bytes: realMedia.pdf, filename: 'huge.pdf', contentType: 'application/pdf', padTo: 150 * MB });
    await settle(rig, customer.sendStoredMedia('file', mediaId));

    expect(onlyAttachment()).toMatchObject({
      contentType: 'application/vnd.wecom.rejected-attachment',
      content: { reason: 'too-large', kind: 'file', size: 150 * MB, limit: 20 * MB },
    });
    expect(rig.emu.media(rig.corp.corpId, mediaId)!.servedBytes).toBeLessThan(SLACK);
  });

  it('cuts off a 150 MB image sent without a Content-Length once it passes the 2 MB image limit', async () => {
    bot = recorder();
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const mediaId = rig.emu.putMedia(rig.corp.corpId, { type: 'image', bytes: realMedia.png, filename: 'huge.png', contentType: 'image/png', padTo: 150 * MB, chunked: true });
    await settle(rig, customer.sendStoredMedia('image', mediaId));

    const attachment = onlyAttachment();
    expect(attachment).toMatchObject({ contentType: 'application/vnd.wecom.rejected-attachment', content: { reason: 'too-large', kind: 'image', limit: 2 * MB } });
    expect((attachment.content as { size: number }).size).toBeGreaterThan(2 * MB);
    const served = rig.emu.media(rig.corp.corpId, mediaId)!.servedBytes;
    expect(served).toBeGreaterThan(2 * MB);
    expect(served).toBeLessThan(2 * MB + SLACK);
  });

  it('still accepts a file at its limit, streamed in full', async () => {
    bot = recorder();
    rig = await adapterRig({ adapterClass: WeComAdapter, bot: bot.logic });
    const customer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const mediaId = rig.emu.putMedia(rig.corp.corpId, { type: 'image', bytes: realMedia.png, filename: 'edge.png', contentType: 'image/png', padTo: 2 * MB, chunked: true });
    await settle(rig, customer.sendStoredMedia('image', mediaId));

    const attachment = onlyAttachment();
    expect(attachment).toMatchObject({ contentType: 'image/png', name: 'edge.png' });
    expect(Buffer.from(attachment.contentUrl!.split(',')[1]!, 'base64').length).toBe(2 * MB);
  });

  it('downloads at most mediaDownloadConcurrency files at once, and all of them in the end', async () => {
    bot = recorder();
    rig = await adapterRig({ bot: bot.logic, adapter: { mediaDownloadConcurrency: 2 } });
    // Each media/get waits a while in the emulator, so downloads overlap unless they are bounded.
    rig.emu.faults.inject({ path: 'media/get', times: 6, fault: { kind: 'delay', ms: 150 } });
    const published = Array.from({ length: 6 }, (_, i) => rig.emu.customer(rig.corp.corpId, rig.kf).sendImage(realMedia.png, `p${i}.png`));

    let most = 0;
    const inFlight = (): number => rig.emu.calls.filter((c) => c.path === 'media/get' && c.httpStatus === null).length;
    const watch = setInterval(() => (most = Math.max(most, inFlight())), 5);
    try {
      await settle(rig, ...published);
    } finally {
      clearInterval(watch);
    }
    expect(bot.seen.map((a) => a.attachments?.[0]?.contentType)).toEqual(Array(6).fill('image/png'));
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(2);
  });

  it('lets text turns run while every media slot is taken', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    bot = recorder(async (context) => {
      if (context.activity.attachments?.length) await held; // a slow bot on the image
      else await context.sendActivity(`You said: ${context.activity.text}`);
    });
    rig = await adapterRig({ bot: bot.logic, adapter: { mediaDownloadConcurrency: 1 } });
    const photographer = rig.emu.customer(rig.corp.corpId, rig.kf);
    const writer = rig.emu.customer(rig.corp.corpId, rig.kf);
    await (await photographer.sendImage(realMedia.png, 'a.png')).delivery;
    await (await photographer.sendText('and?')).delivery; // same customer: waits behind the image, in order
    await eventually(() => expect(bot.seen.some((a) => a.attachments?.length)).toBe(true));

    try {
      await (await writer.sendText('hello')).delivery;
      await eventually(() => expect(receivedTexts(rig, writer.externalUserId)).toEqual(['You said: hello']));
      expect(receivedTexts(rig, photographer.externalUserId)).toEqual([]);
    } finally {
      release(); // else closing the rig would wait for the held turn
    }
    await rig.adapter.idle();
    expect(receivedTexts(rig, photographer.externalUserId)).toEqual(['You said: and?']);
  });
});
