/**
 * The adapter's parts: inbound pipeline, kf message ⇄ activity mapping, outbound sends, handoff.
 * The engine that wires them is src/channel; the botbuilder shell is src/botbuilder.
 */
export type { CallbackHttpRequest, CallbackHttpResponse } from '../channel/callbackHttp';
export { HANDOFF_MESSAGE_EVENT, type HandoffState } from './handoff';
export * from './adapterOptions';
export * from './adapterErrors';
export * from './sendHooks';
export * from './conversationId';
export * from './toActivity';
export * from './fromActivity';
export { AttachmentLoadError, type AttachmentLoadReason } from './mediaSource';
export { markdownToPlainText } from './markdown';
export { splitUtf8, truncateUtf8 } from './textSplit';
export type { InboundGate, InboundObserver, PulledCustomerMessage } from './inboundPipeline';
export type { InboxEntry, InboxStatus } from './inboxRepository';
export { WELCOME_OVERFLOW_EVENT, mergeWelcome, type WelcomeMessage, type WelcomeKfMessage } from './welcomeMessage';
export type { OperationEvent, OperationListener, CallbackResult, PullResult, SendResult, TurnResult } from './operationEvents';
export * from './corpDirectory';
