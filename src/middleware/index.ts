/**
 * The rules that enforce WeChat's messaging rules and WeCom's media limits before WeCom would refuse
 * (product.md). Each is a `TurnRule` (src/core): structurally middleware of both botbuilder and the
 * Agents SDK, so both shells `use()` the same instances. The channel installs them by default
 * (`WeComChannel.defaultRules()`); {@link defaultMiddleware} builds the media and window rules for
 * an adapter made without defaults.
 */
export { defaultMiddleware } from './defaultMiddleware';
export { WindowMiddleware, type WindowMiddlewareOptions } from './windowMiddleware';
export { MediaMiddleware, type MediaMiddlewareOptions } from './mediaMiddleware';
export { LicenceGate } from './licenceGate';
export { ConversationLockedError } from './conversationLockedError';
export { MediaRejectedError } from './mediaRejectedError';
export { getConversationWindow, type ConversationWindowView } from './getConversationWindow';
export { WindowRepository, type ReplySlot, type Reservation, type WindowRepositoryOptions } from './windowRepository';
export {
  decideWindow,
  REPLIES_PER_CUSTOMER_MESSAGE,
  REPLY_WINDOW_MS,
  type LockedReason,
  type WindowDecision,
  type WindowState,
} from './conversationWindow';
export {
  judgeMedia,
  MB,
  MEDIA_RULES,
  MIN_BYTES_EXCLUSIVE,
  type MediaKind,
  type MediaRejectionReason,
  type MediaRule,
  type MediaVerdict,
} from './mediaRules';
export { detectMedia, type DetectedMedia } from './detectMedia';
export { checkOutboundMedia } from './outboundMedia';
export { checkInboundAttachment, type RejectedMediaContent } from './inboundMedia';
