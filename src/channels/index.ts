/**
 * Channels: a CSA of a corp, the department that handles its chats and its agents; the chat link,
 * its QR code and an embeddable message button; prerequisite checks that name the WeCom admin step.
 */
export type { Channel, CorpInfo, AgentResult } from './channel';
export { ChannelService, type ChannelServiceOptions, type CreateChannelInput, type AccountView } from './channelService';
export { ChannelDirectory } from './channelDirectory';
export { ChannelRepository } from './channelRepository';
export { messageButtonHtml, qrPng, qrSvg, escapeHtml, type MessageButtonOptions } from './channelLinks';
export { defaultAvatarPng } from './defaultAvatar';
export { asPrerequisiteError, requireCorp, requireCsa } from './prerequisites';
export {
  ChannelNotFoundError, ChannelConflictError, PrerequisiteError, OrganisationNotActiveError, AppNotAuthorisedError, CsaNotAuthorisedError,
  type PrerequisiteStep,
} from './channelErrors';
