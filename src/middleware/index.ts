/**
 * Bot Framework middleware that enforces WeChat's messaging rules and WeCom's media limits before
 * WeCom would refuse (product.md). The adapter installs {@link defaultMiddleware}.
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
