import { createHash } from 'node:crypto';

/**
 * The msgid of a reply: derived from the inbound message and the reply's position, so a turn that
 * is retried sends the same ids and WeCom (or our outbox) recognises a repeat.
 * WeCom allows ≤32 bytes of `[0-9a-zA-Z_-]`; inbound msgids are ~44 characters and cannot be
 * reused as they are (40058), hence the hash.
 *
 * @example
 * replyMsgid({ corpId: 'ww1', openKfId: 'wk1', anchor: inboundMsgid, index: 0 }) // 'r_4f1c…' (32 chars)
 */
export function replyMsgid(parts: { corpId: string; openKfId: string; anchor: string; index: number }): string {
  const digest = createHash('sha256').update(`${parts.corpId}\n${parts.openKfId}\n${parts.anchor}\n${parts.index}`).digest('base64url');
  return `r_${digest.slice(0, 30)}`;
}
