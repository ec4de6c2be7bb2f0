/**
 * Where `WeComAdapter` lived before the channel engine (src/channel) and the botbuilder shell
 * (src/botbuilder) were split out; kept so imports of this module keep working.
 */
export { WeComAdapter, type WeComAdapterOptions } from './botbuilder';
export { LICENCE_STATUS_EVENT, isFinalRefusal } from './channel';
