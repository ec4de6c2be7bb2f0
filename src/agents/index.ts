/**
 * The WeChat channel for Microsoft 365 Agents SDK bots (`wecom-kf-botbuilder/agents`): the Agents
 * shell as `WeComAdapter`, and every framework-free part the main entry has (errors, store,
 * licensing, the WeCom client, the sandbox...). Nothing this entry loads needs botbuilder.
 *
 * @example
 * const { WeComAdapter } = require('wecom-kf-botbuilder/agents');
 * const wechat = new WeComAdapter(); // WECOM_* from the environment
 */
export { WeComAgentsAdapter, WeComAgentsAdapter as WeComAdapter, type AgentsLogic, type WeComAgentsAdapterOptions, type WeComAgentsAdapterOptions as WeComAdapterOptions } from './weComAgentsAdapter';
export { toAgentsActivity, continuationActivity } from './toAgentsActivity';
export { AgentsActivityRefusedError, BotActivityInvalidError } from './agentsErrors';
export { HandoffEventNames, handoffInitiateActivity, type HandoffState, type HandoffStatusValue } from '../core';
// Everything framework-free, the same list as the main entry's.
export * from '../publicApi';
