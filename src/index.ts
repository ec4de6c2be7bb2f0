/**
 * The WeChat channel for Bot Framework: the public API a bot developer imports.
 *
 * @example
 * const { WeComAdapter } = require('wecom-kf-botbuilder');
 * const adapter = new WeComAdapter(); // WECOM_* from the environment
 */
import './botbuilderGuard'; // first: a clear error, not a deep "Cannot find module 'botbuilder'", when it is missing
export { WeComAdapter, type WeComAdapterOptions, WeComAdapterBase, type BotLogic } from './botbuilder';
export { LICENCE_STATUS_EVENT, isFinalRefusal, type LicenceStatusChange } from './channel';
export {
  type CallbackHttpRequest, type CallbackHttpResponse, HANDOFF_MESSAGE_EVENT,
  HandoffActiveError, OperationNotSupportedError, AdapterStateError,
  WECOM_CHANNEL_ID, WeComEventNames, WeComContentTypes, type WeComChannelData,
  conversationIdOf, parseConversationId, type ConversationParties,
  addSendHook, setMediaHook, type SendHook, type MediaHook, type OutboundSend, type SendOutcome,
  type InboundGate, type InboundObserver, type PulledCustomerMessage, UnsupportedActivityError, ReplyTooLargeError, ReplyHeldBackError, WELCOME_OVERFLOW_EVENT,
  CorpNotServedError, type CorpDirectory, type CorpStatus, type KnownCorp, type ServedCorp, type ProviderAdapterSetup,
} from './adapter';
/** Provider (third-party app) mode: one deployment serving every corp that authorises the suite. */
export { ProviderMode, ProviderCorps, type ProviderModeOptions, type ProviderCorp, type InstallLinkResult } from './provider';
export { AttachmentLoadError, type AttachmentLoadReason } from './adapter';
export type { OperationEvent, OperationListener, CallbackResult, PullResult, SendResult, TurnResult } from './adapter';
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
