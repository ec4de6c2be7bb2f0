import { FormData, request } from 'undici';
import { agent, type Answer, makePng, rig, type Rig } from './helpers';

describe('emulator: media/upload and media/get', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(() => r.emu.stop());

  const upload = async (type: string, bytes: Buffer, filename = 'a.png', contentType = 'image/png'): Promise<Answer> => {
    const form = new FormData();
    form.append('media', new Blob([new Uint8Array(bytes)], { type: contentType }), filename);
    const url = `${r.emu.baseUrl}media/upload?access_token=${await r.api.accessToken()}&type=${type}`;
    const res = await request(url, { method: 'POST', body: form, dispatcher: agent });
    return (await res.body.json()) as Answer;
  };
  const download = async (mediaId: string, headers: Record<string, string> = {}) => {
    const url = `${r.emu.baseUrl}media/get?access_token=${await r.api.accessToken()}&media_id=${encodeURIComponent(mediaId)}`;
    const res = await request(url, { headers, dispatcher: agent });
    return { status: res.statusCode, headers: res.headers, bytes: Buffer.from(await res.body.arrayBuffer()) };
  };

  it('uploads a real PNG and serves the same bytes back with type and file name', async () => {
    const png = makePng(4, 3);
    const up = await upload('image', png, 'logo.png');
    expect(up).toMatchObject({ errcode: 0, type: 'image', media_id: expect.any(String), created_at: String(Math.floor(r.clock.now() / 1000)) });
    const got = await download(up.media_id as string);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(png)).toBe(true);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-disposition']).toBe('attachment; filename="logo.png"');

    const part = await download(up.media_id as string, { range: 'bytes=0-7' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-7/${png.length}`);
    expect(part.bytes.equals(png.subarray(0, 8))).toBe(true);
  });

  it('refuses too small (40006), too large (40009), the wrong type (40004) and bytes that are not an image (40005)', async () => {
    expect((await upload('image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d]))).errcode).toBe(40006);
    const big = Buffer.concat([makePng(), Buffer.alloc(2 * 1024 * 1024)]);
    expect((await upload('image', big)).errcode).toBe(40009);
    expect((await upload('sticker', makePng())).errcode).toBe(40004);
    expect((await upload('image', Buffer.from('this is not a picture'), 'a.png')).errcode).toBe(40005);
    expect((await upload('file', Buffer.from('this is a text file'), 'notes.txt', 'text/plain')).errcode).toBe(0);
  });

  it('answers an unknown or 3-day-old media_id with JSON 40007', async () => {
    const up = await upload('image', makePng());
    r.clock.advance(3 * 24 * 3600_000 - 1000);
    r.api.forgetToken();
    expect((await download(up.media_id as string)).status).toBe(200);
    r.clock.advance(1000);
    for (const id of [up.media_id as string, 'nope']) {
      const got = await download(id);
      expect(got.headers['content-type']).toContain('application/json');
      expect(JSON.parse(got.bytes.toString('utf8'))).toMatchObject({ errcode: 40007 });
    }
  });

  it('stores what customers send, so the app can download it', async () => {
    const c = r.emu.customer(r.corp.corpId, r.kf);
    const png = makePng(8, 8);
    const { syncToken } = await c.sendImage(png, 'photo.png');
    const page = await r.api.post('kf/sync_msg', { token: syncToken });
    const [msg] = page.msg_list as { msgtype: string; image: { media_id: string } }[];
    expect(msg!.msgtype).toBe('image');
    const got = await download(msg!.image.media_id);
    expect(got.bytes.equals(png)).toBe(true);
    expect(got.headers['content-type']).toBe('image/png');
  });

  it('refuses an upload without a media part (41005) and a non-multipart body (40058)', async () => {
    const form = new FormData();
    form.append('other', new Blob([new Uint8Array(makePng())]), 'a.png');
    const url = `${r.emu.baseUrl}media/upload?access_token=${await r.api.accessToken()}&type=image`;
    const res = await request(url, { method: 'POST', body: form, dispatcher: agent });
    expect(((await res.body.json()) as Answer).errcode).toBe(41005);
    const res2 = await request(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' }, dispatcher: agent });
    expect(((await res2.body.json()) as Answer).errcode).toBe(40058);
  });
});
