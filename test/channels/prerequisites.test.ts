import { asPrerequisiteError, messageButtonHtml } from '../../src/channels';
import { WeComApiError, WeComHttpError } from '../../src/wecom';

describe('WeCom refusals that mean a missing prerequisite', () => {
  it.each([
    [40013, 'organisation_not_active', 'organisation'],
    [95026, 'organisation_not_active', 'organisation'],
    [95027, 'organisation_not_active', 'organisation'],
    [48002, 'app_not_authorised', 'admin_authorisation'],
    [48004, 'app_not_authorised', 'admin_authorisation'],
    [40084, 'app_not_authorised', 'admin_authorisation'],
    [95017, 'app_not_authorised', 'admin_authorisation'],
    [95023, 'app_not_authorised', 'admin_authorisation'],
    [95000, 'csa_not_authorised', 'csa_authorisation'],
    [95004, 'csa_not_authorised', 'csa_authorisation'],
    [95011, 'csa_not_authorised', 'csa_authorisation'],
    [95012, 'csa_not_authorised', 'csa_authorisation'],
  ])('errcode %i → %s (step %s), naming the errcode and a WeCom admin console step', (errcode, code, step) => {
    const cause = new WeComApiError('kf/account/list', errcode, 'refused');
    const e = asPrerequisiteError(cause, 'ww1', 'wk1');
    expect(e).toMatchObject({ code, step, final: true, cause, message: expect.stringContaining(String(errcode)), hint: expect.stringContaining('WeCom admin console') });
  });

  it('leaves other refusals and transport failures as they are', () => {
    for (const e of [new WeComApiError('kf/send_msg', 95001, 'quota'), new WeComHttpError('kf/account/list', 'socket hang up'), new Error('x')]) {
      expect(asPrerequisiteError(e, 'ww1', 'wk1')).toBe(e);
    }
    const noAccount = new WeComApiError('kf/account/list', 95004, 'no');
    expect(asPrerequisiteError(noAccount, 'ww1')).toBe(noAccount); // no CSA in question
  });
});

describe('message button', () => {
  it('refuses a chat link that is not http(s), so no script URL reaches a page', () => {
    expect(() => messageButtonHtml({ name: 'x', chatLink: 'javascript:alert(1)' })).toThrow(RangeError);
  });

  it('escapes the label and the name, and is one link with inline styles', () => {
    const html = messageButtonHtml({ name: `"Bob's" <b>`, chatLink: 'https://work.weixin.qq.com/kfid/kfc1?a=1&b=2' }, { label: '<Chat>' });
    expect(html).toMatch(/^<a href="https:\/\/work\.weixin\.qq\.com\/kfid\/kfc1\?a=1&amp;b=2" [^<]*>&lt;Chat&gt;<\/a>$/);
    expect(html).toContain('aria-label="&lt;Chat&gt;: &quot;Bob&#39;s&quot; &lt;b&gt; (opens WeChat in a new tab)"');
    expect(html).toContain('rel="noopener noreferrer"');
  });
});
