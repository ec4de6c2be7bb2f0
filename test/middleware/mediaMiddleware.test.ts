import { ActivityTypes, type Activity, type Attachment } from 'botbuilder';
import { ManualClock } from '../../src/common/clock';
import { defaultMiddleware } from '../../src/middleware/defaultMiddleware';
import { getConversationWindow } from '../../src/middleware/getConversationWindow';
import { MB } from '../../src/middleware/mediaRules';
import type { Store } from '../../src/store';
import { FakeWeCom } from './fakeWeCom';
import { makeMedia } from '../../bench/middleware/fixtures/mediaFiles';
import { SendLoopTestAdapter } from './testAdapter';
import { openTestStore } from './windowStore';

const t0 = Date.UTC(2026, 0, 1, 8, 0, 0);
const conv = 'ww1:wk1:wm1';
const dataUrl = (mime: string, bytes: Buffer): string => `data:${mime};base64,${bytes.toString('base64')}`;

describe('MediaMiddleware through a botbuilder turn', () => {
  let clock: ManualClock;
  let store: Store;
  let wecom: FakeWeCom;
  let adapter: SendLoopTestAdapter;

  beforeEach(async () => {
    clock = new ManualClock(t0);
    store = await openTestStore(clock);
    wecom = new FakeWeCom(clock);
    adapter = new SendLoopTestAdapter((send) => wecom.send(send));
    for (const m of defaultMiddleware(store, clock)) adapter.use(m);
  });
  afterEach(() => store.close());

  /** A customer's media message as the adapter delivers it: bytes inlined as data: URLs. */
  function incoming(msgtype: 'image' | 'file', attachments: Attachment[]): Partial<Activity> {
    const kf = { ...wecom.customerWrites(conv), msgtype, [msgtype]: { media_id: 'm' } };
    return {
      type: ActivityTypes.Message, id: kf.msgid, channelId: 'wecom', conversation: { id: conv, name: conv, isGroup: false, conversationType: 'personal' },
      from: { id: 'wm1', name: 'customer' }, recipient: { id: 'wk1', name: 'kf' }, attachments,
      channelData: { corpId: 'ww1', openKfId: 'wk1', externalUserId: 'wm1', origin: 3, kf },
    };
  }

  it('replaces an incoming breach by a rejected attachment and lets the rest of the message through', async () => {
    const png = makeMedia('png', 2048);
    const pending = { contentType: 'application/vnd.wecom.media', content: { mediaId: 'x', kind: 'image' } };
    let seen: Attachment[] = [];
    await adapter.processActivity(
      incoming('image', [
        { contentType: 'application/octet-stream', contentUrl: dataUrl('application/octet-stream', png), name: 'cat.png' },
        { contentType: 'image/png', contentUrl: dataUrl('image/png', makeMedia('exe', 4096)), name: 'cute.png' },
        { contentType: 'image/jpeg', contentUrl: dataUrl('image/jpeg', makeMedia('jpg', 2 * MB + 1)), name: 'huge.jpg' },
        pending,
      ]),
      async (context) => {
        seen = context.activity.attachments ?? [];
        await context.sendActivity('Sorry, I could not open one of your files.'); // the conversation goes on
      },
    );
    expect(seen).toEqual([
      { contentType: 'image/png', contentUrl: dataUrl('application/octet-stream', png), name: 'cat.png' },
      {
        contentType: 'application/vnd.wecom.rejected-attachment', name: 'cute.png',
        content: { reason: 'executable', kind: 'image', detectedType: 'exe', size: 4096, limit: undefined },
      },
      {
        contentType: 'application/vnd.wecom.rejected-attachment', name: 'huge.jpg',
        content: { reason: 'too-large', kind: 'image', detectedType: 'jpg', size: 2 * MB + 1, limit: 2 * MB },
      },
      pending,
    ]);
    expect(wecom.delivered()).toHaveLength(1);
  });

  it('measures large incoming files exactly without decoding them whole: line-broken base64 at the limit, a big DOCX', async () => {
    const jpg = makeMedia('jpg', 2 * MB);
    const wrapped = `data:image/jpeg;base64,${jpg.toString('base64').replace(/.{76}/g, '$&\r\n')}`;
    const docx = makeMedia('docx', 3 * MB);
    let seen: Attachment[] = [];
    await adapter.processActivity(incoming('file', [
      { contentType: 'image/jpeg', contentUrl: wrapped, name: 'edge.jpg' },
      { contentType: 'application/octet-stream', contentUrl: dataUrl('application/octet-stream', docx), name: 'big.docx' },
    ]), async (context) => {
      seen = context.activity.attachments ?? [];
    });
    expect(seen.map((a) => a.contentType)).toEqual(['image/jpeg', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']);
  });

  it('reports a 5-byte incoming file as too small, with the kind the customer sent', async () => {
    let seen: Attachment[] = [];
    await adapter.processActivity(incoming('file', [{ contentType: 'application/pdf', contentUrl: dataUrl('application/pdf', Buffer.from('%PDF-')), name: 'a.pdf' }]), async (context) => {
      seen = context.activity.attachments ?? [];
    });
    expect(seen[0]).toMatchObject({ content: { reason: 'too-small', kind: 'file', size: 5, limit: 5 } });
  });

  it('sends an outgoing DOCX named .jpg as a file', async () => {
    await adapter.processActivity(incoming('image', []), async (context) => {
      await context.sendActivity({ type: ActivityTypes.Message, attachments: [{ contentType: 'image/jpeg', contentUrl: dataUrl('image/jpeg', makeMedia('docx', 30_000)), name: 'scan.jpg' }] });
    });
    expect(adapter.uploads).toEqual([{ mediaType: 'file', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', filename: 'scan.docx' }]);
    expect(wecom.delivered()).toHaveLength(1);
  });

  it('rejects an outgoing breach in the bot\'s turn before anything is uploaded or any reply is spent', async () => {
    await adapter.processActivity(incoming('image', []), async (context) => {
      const video = { contentType: 'video/mp4', contentUrl: dataUrl('video/mp4', makeMedia('mp4', 10 * MB + 1)), name: 'clip.mp4' };
      await expect(context.sendActivity({ type: ActivityTypes.Message, attachments: [video] })).rejects.toMatchObject({
        name: 'MediaRejectedError', code: 'media_rejected', direction: 'outbound', reason: 'too-large', kind: 'video', detectedType: 'mp4', size: 10 * MB + 1, limit: 10 * MB,
      });
      const renamed = { contentType: 'application/pdf', contentUrl: dataUrl('application/pdf', makeMedia('exe', 8192)), name: 'invoice.pdf' };
      await expect(context.sendActivity({ type: ActivityTypes.Message, attachments: [renamed] })).rejects.toMatchObject({ code: 'media_rejected', reason: 'executable' });
    });
    expect(adapter.uploads).toEqual([]);
    expect(wecom.log).toEqual([]);
    await expect(getConversationWindow(store, conv)).resolves.toMatchObject({ open: true, repliesLeft: 5 });
  });
});
