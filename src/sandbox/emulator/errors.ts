/**
 * WeCom's error codes as the emulator answers them (wecom-kf-api.md §11), and the one internal
 * exception a handler throws to refuse a call. Codes not in §11 (40004–40011, 41002–41005, 60111)
 * come from WeCom's global error table; they are marked where used.
 */
export const errcodes = {
  busy: -1,
  ok: 0,
  invalidSecret: 40001,
  invalidMediaType: 40004, // global table: `type` of media/upload not image|voice|video|file
  invalidFileType: 40005, // global table: bytes are not the declared format
  invalidFileSize: 40006, // global table: too small (≤5 B) or a file too large
  invalidMediaId: 40007,
  invalidMessageType: 40008, // global table: unknown msgtype
  invalidImageSize: 40009, // global table
  invalidVoiceSize: 40010, // global table
  invalidVideoSize: 40011, // global table
  invalidCorpId: 40013,
  invalidAccessToken: 40014,
  invalidParameter: 40058,
  missingAccessToken: 41001,
  missingCorpId: 41002, // global table
  missingSecret: 41004, // global table
  missingMedia: 41005, // global table: no `media` part in the upload
  invalidWelcomeCode: 41050,
  expiredAccessToken: 42001,
  frequencyLimit: 45009,
  tooConcurrent: 45033,
  ipNotTrusted: 60020, // global table: the caller's IP is not in the app's trusted IPs
  userNotFound: 60111, // global table: servicer/add with a userid that is no member
  invalidOpenKfid: 95000,
  sendCountLimit: 95001,
  sendWindowClosed: 95002,
  unknownOpenKfid: 95004,
  accountCountLimit: 95005,
  invalidAccountName: 95006,
  invalidSyncToken: 95007,
  tooManyMenuItems: 95008,
  invalidMenuItemType: 95009,
  sessionEnded: 95013,
  notAServicer: 95014,
  illegalTransition: 95016,
  sessionStateForbidsSend: 95018,
  servicerNotReceiving: 95019,
  // Provider (third-party suite) calls, wecom-provider.md §3.
  invalidPreAuthCode: 40077,
  invalidAuthCode: 40078, // also an auth code already exchanged
  invalidSuiteSecret: 40080,
  invalidSuiteToken: 40082,
  invalidSuiteId: 40083,
  invalidPermanentCode: 40084, // also after cancel_auth
  invalidSuiteTicket: 40085,
  missingSuiteTicket: 41023,
  expiredPreAuthCode: 42007,
  expiredSuiteToken: 42009,
  notAuthorised: 48004, // a cached corp token of a cancelled authorisation
} as const;

const messages: Record<number, string> = {
  [-1]: 'system is busy',
  40001: 'invalid credential',
  40004: 'invalid media type',
  40005: 'invalid file type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40009: 'invalid image size',
  40010: 'invalid voice size',
  40011: 'invalid video size',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40058: 'invalid parameter',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41005: 'media data missing',
  41050: 'invalid welcome code',
  42001: 'access_token expired',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  60111: 'userid not found',
  95000: 'invalid open_kfid',
  95001: 'send msg count limit',
  95002: 'send msg time limit',
  95004: 'open_kfid not exist',
  95005: 'kf account count limit',
  95006: 'invalid kf account name',
  95007: 'invalid msg token',
  95008: 'menu item count limit',
  95009: 'invalid menu item type',
  95013: 'session already ended',
  95014: 'user is not a kf servicer',
  60020: 'not allow to access from your ip',
  95016: 'service state transition not allowed',
  95018: 'send msg session status invalid',
  95019: 'servicer is not receiving',
  40077: 'invalid preauth_code',
  40078: 'invalid auth_code',
  40080: 'invalid suite_secret',
  40082: 'invalid suite_token',
  40083: 'invalid suite_id',
  40084: 'invalid permanent_code',
  40085: 'invalid suite_ticket',
  41023: 'missing suite_ticket',
  42007: 'pre_auth_code expired',
  42009: 'suite_token expired',
  48004: 'api forbidden: app not authorized or authorization cancelled',
};

/**
 * WeCom's `errmsg` shape: a short text, a hint and the caller's IP. Clients must never parse it;
 * the `detail` helps a person reading a test failure.
 */
export function errmsgFor(errcode: number, detail?: string, callerIp = '127.0.0.1'): string {
  if (errcode === 0) return 'ok';
  const text = messages[errcode] ?? 'error';
  const hint = detail ? `${text} (${detail})` : text;
  return `${hint}, hint: [emu${Math.abs(errcode)}], from ip: ${callerIp}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

/** Thrown inside the emulator when WeCom would refuse a call; the server turns it into `{errcode, errmsg}`. */
export class Refusal extends Error {
  override readonly name = 'Refusal' as const;

  constructor(
    readonly errcode: number,
    readonly detail?: string,
  ) {
    super(`${errcode}${detail ? `: ${detail}` : ''}`);
  }
}

/** Refuses the current call with `errcode`. */
export function refuse(errcode: number, detail?: string): never {
  throw new Refusal(errcode, detail);
}
