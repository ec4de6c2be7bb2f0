/** The provider install link an admin opens (wecom-provider.md §3), and the redirect it comes back on. */

/** Where WeCom's install page lives. */
export const INSTALL_PAGE_URL = 'https://open.work.weixin.qq.com/3rdapp/install';

/** WeCom's rule for `state`: letters and digits, at most 128 bytes. */
const STATE_PATTERN = /^[a-zA-Z0-9]{0,128}$/;

export interface InstallLinkOptions {
  readonly suiteId: string;
  /** From `service/get_pre_auth_code` (20 minutes, one install). */
  readonly preAuthCode: string;
  /** Where the admin's browser lands with `auth_code`; must be on the suite's install domain. */
  readonly redirectUri: string;
  /** Echoed on the redirect and in create_auth: `[a-zA-Z0-9]`, ≤128 bytes. */
  readonly state?: string;
  /** Default {@link INSTALL_PAGE_URL} (the emulator or a test page may stand in). */
  readonly installPageUrl?: string;
}

/**
 * The install link for one pre-auth code. Open it from a page on the install domain (a link or its
 * QR code); WeCom refuses it elsewhere.
 *
 * @example
 * buildInstallLink({ suiteId: 'ww1', preAuthCode: 'pac', redirectUri: 'https://bot.example.com/installed', state: 'abc' })
 * // 'https://open.work.weixin.qq.com/3rdapp/install?suite_id=ww1&pre_auth_code=pac&redirect_uri=https%3A%2F%2Fbot.example.com%2Finstalled&state=abc'
 * @throws RangeError when `state` breaks WeCom's rule or `redirectUri` is not an http(s) URL
 */
export function buildInstallLink(options: InstallLinkOptions): string {
  const state = options.state ?? '';
  if (!STATE_PATTERN.test(state)) throw new RangeError('state must be letters and digits, at most 128 of them');
  const redirect = new URL(options.redirectUri);
  if (redirect.protocol !== 'https:' && redirect.protocol !== 'http:') throw new RangeError('redirectUri must be an http(s) URL');
  if (!options.suiteId || !options.preAuthCode) throw new RangeError('suiteId and preAuthCode are required');
  // encodeURIComponent by hand: URLSearchParams writes spaces as "+", which WeCom's doc does not use.
  const params = [
    ['suite_id', options.suiteId],
    ['pre_auth_code', options.preAuthCode],
    ['redirect_uri', options.redirectUri],
    ['state', state],
  ].map(([k, v]) => `${k}=${encodeURIComponent(v!)}`);
  return `${options.installPageUrl ?? INSTALL_PAGE_URL}?${params.join('&')}`;
}

/** What the admin's browser brings back to `redirect_uri`. */
export interface InstallRedirect {
  readonly authCode: string;
  /** Seconds the code stays good (600). */
  readonly expiresInSeconds: number;
  readonly state?: string;
}

/**
 * Reads `?auth_code=…&expires_in=600&state=…` from the redirect; undefined when there is no code
 * (the admin cancelled). The same code also arrives in `create_auth`: exchange it once.
 *
 * @example
 * parseInstallRedirect(new URL(req.url, 'https://x').searchParams)?.authCode
 */
export function parseInstallRedirect(query: URLSearchParams): InstallRedirect | undefined {
  const authCode = query.get('auth_code');
  if (!authCode) return undefined;
  const expires = Number(query.get('expires_in'));
  return { authCode, expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 600, state: query.get('state') || undefined };
}
