/**
 * The sandbox: an emulated WeCom on loopback (see ./emulator) with one corp, one kf account and a
 * human agent, and a customer to chat as from a terminal. Used by `npm start` without credentials
 * and by the `wecom-kf-sandbox` command, which points it at a developer's own bot.
 */
export * from './emulator';
export {
  SandboxWorld, SANDBOX_CREDENTIALS, SANDBOX_SUITE, SANDBOX_DEMO_CORPS, SANDBOX_AGENT, SandboxAttachmentError, renderReply,
  type ChatEntry, type ChatLine, type CustomerAttachment, type SentByCustomer,
} from './sandboxWorld';
export { startTerminalChat, parseChatLine, CHAT_HELP, type ChatCommand, type TerminalChat, type TerminalChatOptions } from './terminalChat';
export { LogSink } from './logSink';
