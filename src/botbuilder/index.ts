/**
 * The Bot Framework (botbuilder) shell: `BotAdapter`s around the framework-free channel engine
 * (src/channel). The only folder besides src/bot that imports botbuilder.
 */
export { WeComAdapter, type WeComAdapterOptions } from './weComAdapter';
export { WeComAdapterBase, type BotLogic } from './weComAdapterBase';
