/**
 * Why WeCom could not deliver a message it had accepted (`msg_send_fail.fail_type`,
 * wecom-kf-api.md §5). Sources disagree on a few codes; each is listed once with what is known.
 */
const SEND_FAIL_REASONS: Readonly<Record<number, string>> = {
  0: 'unknown reason',
  1: 'the customer service account was deleted',
  2: 'the application was closed',
  4: 'more than 48 hours since the customer last wrote',
  5: 'the session was closed',
  6: 'more than 5 messages sent since the customer last wrote',
  7: 'no WeChat Channels account is bound', // only in silenceper/wechat
  8: 'the WeCom organisation is not verified',
  9: 'the organisation is not verified and no WeChat Channels account is bound', // only in silenceper/wechat
  10: 'the customer rejects messages',
  11: 'no member of the organisation has ever logged in to WeCom', // only in go-workwx
  12: 'this message type is banned by the component', // only in go-workwx
};

/**
 * A readable reason for a `msg_send_fail` event's `fail_type`; unlisted codes say so with the number.
 *
 * @example
 * sendFailReason(4)  // 'more than 48 hours since the customer last wrote'
 * sendFailReason(99) // 'unknown fail_type 99'
 */
export function sendFailReason(failType: number): string {
  return SEND_FAIL_REASONS[failType] ?? `unknown fail_type ${failType}`;
}
