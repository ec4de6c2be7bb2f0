/**
 * The WeChat channel for Bot Framework: the public API a bot developer imports.
 *
 * @example
 * const { WeComAdapter } = require('wecom-kf-botbuilder');
 * const adapter = new WeComAdapter(); // WECOM_* from the environment
 */
import './botbuilderGuard'; // first: a clear error, not a deep "Cannot find module 'botbuilder'", when it is missing
export { WeComAdapter, type WeComAdapterOptions, WeComAdapterBase, type BotLogic } from './botbuilder';
// Everything framework-free, the same list as the Agents SDK entry's.
export * from './publicApi';
