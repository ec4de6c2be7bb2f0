/**
 * The WeChat channel engine, framework-free: everything the botbuilder shell and the Agents SDK
 * shell share. A shell implements `TurnHost` (src/core) and delegates to a {@link WeComChannel}.
 */
export { WeComChannelCore } from './channelCore';
export type { ChannelServices } from './channelServices';
export { WeComChannel } from './weComChannel';
export type { WeComChannelOptions } from './channelOptions';
export { LICENCE_STATUS_EVENT, type LicenceStatusChange } from './licenceStatusEvent';
export { isFinalRefusal } from './finalRefusal';
export { DeferredRule } from './deferredRule';
export type { CallbackHttpRequest, CallbackHttpResponse } from './callbackHttp';
