/**
 * What both entries export besides their framework's shell: errors, mapping constants, send hooks,
 * the rules, licensing, the store, the WeCom client, the sandbox. One list, so the Bot Framework
 * entry (`src/index.ts`) and the Agents SDK entry (`src/agents`) cannot drift apart. Nothing here
 * may load botbuilder or the Agents SDK (test/channel/frameworkFree.test.ts).
 *
 * @example
 * export * from './publicApi'; // in an entry, after its shell's exports
 */
export { LICENCE_STATUS_EVENT, isFinalRefusal, type LicenceStatusChange, type CallbackHttpRequest, type CallbackHttpResponse } from './channel';
export { HANDOFF_MESSAGE_EVENT } from './adapter';
export { HandoffActiveError, OperationNotSupportedError, AdapterStateError, ReplyTooLargeError, CorpNotServedError } from './adapter';
export { WECOM_CHANNEL_ID, WeComEventNames, WeComContentTypes, type WeComChannelData } from './adapter';
export { conversationIdOf, parseConversationId, type ConversationParties } from './adapter';
export { addSendHook, setMediaHook, ReplyHeldBackError, type SendHook, type MediaHook, type OutboundSend, type SendOutcome } from './adapter';
export type { InboundGate, InboundObserver, PulledCustomerMessage } from './adapter';
export { UnsupportedActivityError } from './adapter';
export { WELCOME_OVERFLOW_EVENT } from './adapter';
export type { CorpDirectory, CorpStatus, KnownCorp, ServedCorp, ProviderAdapterSetup } from './adapter';
export { AttachmentLoadError, type AttachmentLoadReason } from './adapter';
export type { OperationEvent, OperationListener, CallbackResult, PullResult, SendResult, TurnResult } from './adapter';
/** Provider (third-party app) mode: one deployment serving every corp that authorises the suite. */
export { ProviderMode, ProviderCorps, type ProviderModeOptions, type ProviderCorp, type InstallLinkResult } from './provider';
export {
  defaultMiddleware, LicenceGate, MediaMiddleware, WindowMiddleware, WindowRepository, getConversationWindow,
  ConversationLockedError, MediaRejectedError, MEDIA_RULES,
} from './middleware';
export { LicensingService, LicensingScheduler, LicenceInactiveError, InvalidPurchaseError, IdempotencyKeyReusedError, UnknownCorpError, type LicenceStatusView } from './licensing';
export {
  ChannelService, ChannelDirectory, messageButtonHtml, type Channel, type CorpInfo, type AgentResult, type ChannelServiceOptions,
  ChannelNotFoundError, ChannelConflictError, PrerequisiteError, OrganisationNotActiveError, AppNotAuthorisedError, CsaNotAuthorisedError,
} from './channels';
export { openStore, StoreStorage, type Store, type StoreHealth, DuplicateKeyError, StoreLockedError, StoreCorruptError, StoreFileError, ETagConflictError } from './store';
export { WeComClient, WeComApiError, WeComHttpError, WeComCrypto, type KfMessage, type KfOutboundMessage, KfServiceState } from './wecom';
export { loadConfig, settings, type ChannelConfig } from './config';
export { WeComChannelError, ConfigError, isChannelError, ManualClock, OffsetClock, systemClock, type Clock } from './common';
/**
 * The sandbox, to try a bot with no WeCom account: an emulated WeCom on loopback (also what the
 * `wecom-kf-sandbox` command runs) and simulated customers and agents, for tests of your own bot.
 */
export {
  WeComEmulator, SimulatedCustomer, SimulatedServicer, FaultInjector, type EmulatorOptions, type EmulatorSwitches, type CorpCredentials,
  type SentMessage, type DeliveryReport,
  SandboxWorld, SANDBOX_CREDENTIALS, SANDBOX_SUITE, SANDBOX_DEMO_CORPS, SANDBOX_AGENT, SandboxAttachmentError, type ChatEntry, type CustomerAttachment,
  startTerminalChat, type TerminalChat, type TerminalChatOptions,
} from './sandbox';
