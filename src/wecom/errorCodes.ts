/**
 * What to do about a WeCom errcode (wecom-kf-api.md §11):
 * - `retry`: transient, back off and try again;
 * - `refresh_token`: the access token is bad or expired, fetch a new one and retry once;
 * - `fix`: the request or the configuration is wrong, retrying will not help;
 * - `wait_for_customer`: WeChat's messaging rules refuse the send until the customer writes again.
 */
export type WeComErrorAction = 'retry' | 'refresh_token' | 'fix' | 'wait_for_customer';

interface ErrorInfo {
  readonly action: WeComErrorAction;
  readonly hint: string;
}

const known: Readonly<Record<number, ErrorInfo>> = {
  [-1]: { action: 'retry', hint: 'WeCom is busy; retry with back-off' },
  40001: { action: 'refresh_token', hint: 'the secret is wrong or was reset, or the app is disabled: check WECOM_KF_SECRET' },
  40005: { action: 'fix', hint: 'the media type is not accepted for this upload' },
  40006: { action: 'fix', hint: 'the media size is outside WeCom\'s limits' },
  40007: { action: 'fix', hint: 'the media_id is unknown, expired (3 days) or of the wrong type: upload the file again' },
  40013: { action: 'fix', hint: 'the corp id is wrong: check WECOM_CORP_ID' },
  40014: { action: 'refresh_token', hint: 'the access token is invalid: it is refreshed automatically' },
  40058: { action: 'fix', hint: 'a parameter is invalid (JSON, length, missing field, or msgid not [0-9a-zA-Z_-]{1,32})' },
  41001: { action: 'fix', hint: 'the access token is missing from the request' },
  41050: { action: 'fix', hint: 'the welcome/event code is invalid, used or expired' },
  42001: { action: 'refresh_token', hint: 'the access token expired: it is refreshed automatically' },
  // Provider (third-party suite) calls, wecom-provider.md §3.
  40077: { action: 'fix', hint: 'the pre_auth_code is invalid or used: get a new one with service/get_pre_auth_code' },
  40078: { action: 'fix', hint: 'the auth_code is invalid, expired (10 min) or already exchanged: it is single use, so a repeated create_auth is a duplicate' },
  40080: { action: 'fix', hint: 'the suite_secret is wrong: check WECOM_SUITE_SECRET' },
  40082: { action: 'refresh_token', hint: 'the suite_access_token is invalid: it is refreshed automatically' },
  40083: { action: 'fix', hint: 'the suite_id is wrong: check WECOM_SUITE_ID' },
  40084: { action: 'fix', hint: 'the permanent_code is invalid: mistyped, of another suite, or the corp cancelled the authorisation (reinstall needed)' },
  40085: { action: 'fix', hint: 'the suite_ticket is invalid or older than 30 minutes: wait for the next push (every 10 min) or refresh it in the provider console' },
  41023: { action: 'fix', hint: 'no suite_ticket yet: WeCom pushes one every 10 minutes to the instruction callback URL' },
  42007: { action: 'fix', hint: 'the pre_auth_code expired (20 min): get a new one' },
  42009: { action: 'refresh_token', hint: 'the suite_access_token expired: it is refreshed automatically' },
  48004: { action: 'fix', hint: 'the corp has not authorised this app, or cancelled the authorisation' },
  710000: { action: 'fix', hint: 'the corp id is not an open_corpid this provider can use' },
  45009: { action: 'retry', hint: 'frequency limit reached: WeCom blocks the caller for the window, retry later' },
  45033: { action: 'retry', hint: 'too many concurrent calls: lower the concurrency' },
  48002: { action: 'fix', hint: 'this API is not allowed for the app: grant the kf API permission in WeCom admin' },
  60020: { action: 'fix', hint: trustedIpHint(undefined) },
  95000: { action: 'fix', hint: 'the open_kfid is invalid' },
  95001: { action: 'wait_for_customer', hint: 'five replies were already sent for the customer\'s last message: wait until the customer writes again' },
  95002: { action: 'wait_for_customer', hint: 'more than 48 hours passed since the customer\'s last message: wait until the customer writes again' },
  95003: { action: 'fix', hint: 'the corp reached its customer cap: verify the corp in WeCom' },
  95004: { action: 'fix', hint: 'the open_kfid does not exist in this corp' },
  95005: { action: 'fix', hint: 'the corp has too many customer service accounts' },
  95006: { action: 'fix', hint: 'the account name is invalid (at most 16 characters)' },
  95007: { action: 'fix', hint: 'the sync token is invalid or older than 10 minutes: wait for the next callback' },
  95008: { action: 'fix', hint: 'a menu message has more than 10 items' },
  95009: { action: 'fix', hint: 'a menu item has an unknown type' },
  95011: { action: 'fix', hint: 'the account is used inside WeCom\'s own kf mode, not through the API' },
  95012: { action: 'fix', hint: 'the account is not used in WeCom: check the kf mode' },
  95013: { action: 'fix', hint: 'the session has already ended' },
  95014: { action: 'fix', hint: 'the servicer is not an activated receptionist of this account' },
  95015: { action: 'fix', hint: 'exclusive service is configured for this account in WeCom admin' },
  95016: { action: 'fix', hint: 'this session state change is not allowed: read the state again' },
  95017: { action: 'fix', hint: 'the kf API switch is off for this corp: turn it on in WeCom admin' },
  95018: { action: 'wait_for_customer', hint: 'the session state forbids sending: a human servicer holds it, it is queued or ended, or 48 hours passed' },
  95019: { action: 'fix', hint: 'the servicer has stopped or suspended receiving' },
  95023: { action: 'fix', hint: 'the kf API is granted to a custom (代开发) app instead' },
  95030: { action: 'fix', hint: 'this message type is banned for the kf component' },
  95031: { action: 'wait_for_customer', hint: 'no consultation with this customer in the last 48 hours' },
};

/** The action and hint for an errcode; unknown codes are `fix` with a generic hint. */
export function describeErrcode(errcode: number): ErrorInfo {
  return known[errcode] ?? { action: 'fix', hint: 'see WeCom\'s global error code table' };
}

/**
 * The action and hint for a refusal, with what its errmsg tells: for 60020, the IP WeCom saw
 * (`..., from ip: 1.2.3.4, more info at ...`), so the operator knows what to whitelist.
 *
 * @example
 * describeRefusal(60020, 'not allow to access from your ip, hint: [x], from ip: 1.2.3.4, more info at y').hint
 * // 'WeCom saw this server call from IP 1.2.3.4, which is not in the app's trusted IPs: add 1.2.3.4 …'
 */
export function describeRefusal(errcode: number, errmsg: string): ErrorInfo {
  if (errcode === 60020) return { action: 'fix', hint: trustedIpHint(callerIpIn(errmsg)) };
  return describeErrcode(errcode);
}

/** The caller's IP in a WeCom errmsg (`from ip: 1.2.3.4`), if it names one. */
export function callerIpIn(errmsg: string): string | undefined {
  // Bounded: IPv4 or IPv6 characters only, so a strange errmsg cannot make the regex slow.
  return /from ip:\s*([0-9a-fA-F.:]{3,45})/i.exec(errmsg)?.[1];
}

function trustedIpHint(ip: string | undefined): string {
  const seen = ip ? `WeCom saw this server call from IP ${ip}, which is not` : 'this server\'s egress IP is not';
  const add = ip ? `add ${ip}` : 'add it';
  return `${seen} in the app's trusted IPs: ${add} in the WeCom admin console → Applications → your self-built app → Trusted IP (企业可信IP); ` +
    'it applies within about a minute. Behind changing egress IPs, set WECOM_HTTP_PROXY to a proxy with a fixed IP and whitelist that one';
}

/** Whether the errcode is one this table describes. */
export function isKnownErrcode(errcode: number): boolean {
  return known[errcode] !== undefined;
}

/** Codes after which a fresh access token makes the same call succeed. */
export const tokenErrcodes: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** Codes worth retrying with back-off inside one call. */
export const transientErrcodes: ReadonlySet<number> = new Set([-1, 45009, 45033]);
