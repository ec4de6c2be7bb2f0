/**
 * Fetching an outgoing attachment's bytes from a real HTTP server on 127.0.0.1: redirects are
 * followed within bounds and only to http(s), sizes are checked before and while reading.
 */
import { AttachmentLoadError, loadAttachmentBytes, MAX_REDIRECTS } from '../../src/adapter/mediaSource';
import { realMedia } from '../support/e2e';
import { imageServer, type ImageServer } from '../support/imageServer';

describe('loadAttachmentBytes over HTTP', () => {
  let host: ImageServer;
  const png = realMedia.png;
  // Generous: the machine running the tests may be busy, and only a reverted size check would wait this long.
  const options = { maxBytes: 64 * 1024, timeoutMs: 20_000 };
  const load = (path: string, extra: Partial<typeof options> = {}): Promise<Buffer> => loadAttachmentBytes({ contentUrl: host.url(path) }, { ...options, ...extra });

  beforeAll(async () => void (host = await imageServer(png)));
  afterAll(async () => host.close());

  it('downloads an image', async () => {
    expect((await load('/img.png')).equals(png)).toBe(true);
  });

  it('follows a 301 → 302 → 303 → 307 → 308 chain of relative Locations to the image', async () => {
    expect((await load(`/chain/${MAX_REDIRECTS}`)).equals(png)).toBe(true);
  });

  it('follows an absolute Location', async () => {
    expect((await load('/absolute')).equals(png)).toBe(true);
  });

  it(`refuses more than ${MAX_REDIRECTS} redirects`, async () => {
    await expect(load(`/chain/${MAX_REDIRECTS + 1}`)).rejects.toMatchObject({ code: 'attachment_unreadable', reason: 'redirect', message: expect.stringContaining(`more than ${MAX_REDIRECTS} redirects`) });
  });

  it('refuses a redirect loop', async () => {
    await expect(load('/loop/a')).rejects.toMatchObject({ code: 'attachment_unreadable', reason: 'redirect', message: expect.stringContaining('loop') });
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['data:', `data:image/png;base64,${png.toString('base64')}`],
    ['ftp:', 'ftp://127.0.0.1/img.png'],
  ])('refuses a redirect to a %s URL', async (scheme, location) => {
    await expect(load(`/to?location=${encodeURIComponent(location)}`)).rejects.toMatchObject({
      code: 'attachment_unreadable', reason: 'redirect', message: expect.stringContaining(`a ${scheme} URL; only http(s) is followed`),
    });
  });

  it('refuses a redirect without a Location', async () => {
    await expect(load('/no-location')).rejects.toMatchObject({ reason: 'redirect', message: expect.stringContaining('without a Location') });
  });

  it('a 404 says so', async () => {
    const e = await load('/missing').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AttachmentLoadError);
    expect(e).toMatchObject({ code: 'attachment_unreadable', reason: 'http_status', final: true, message: expect.stringContaining('HTTP 404') });
  });

  it('refuses by Content-Length before reading the body (this body never ends, so reading it would time out)', async () => {
    await expect(load(`/declared/${options.maxBytes + 1}`)).rejects.toMatchObject({
      code: 'attachment_unreadable', reason: 'too_large', message: expect.stringContaining(`${options.maxBytes + 1} bytes by its Content-Length`),
    });
  });

  it('stops reading an endless chunked body at the cap', async () => {
    await expect(load('/endless')).rejects.toMatchObject({ code: 'attachment_unreadable', reason: 'too_large', message: expect.stringContaining(`larger than ${options.maxBytes} bytes`) });
  });

  it('names the host but not the path or query in its messages (a signed URL may hold a credential)', async () => {
    const e = (await load('/missing?sig=s3cr3t').catch((err: unknown) => err)) as Error;
    expect(e.message).toContain('127.0.0.1');
    expect(e.message).not.toContain('s3cr3t');
  });

  it('an unreachable host is reported as such', async () => {
    const closed = await imageServer(png);
    const url = closed.url('/img.png');
    await closed.close();
    await expect(loadAttachmentBytes({ contentUrl: url }, options)).rejects.toMatchObject({ code: 'attachment_unreadable', reason: 'unreachable' });
  });
});
