import type { LicensingService } from '../licensing';
import type { LicenceGate } from '../middleware';
import { WeComChannel } from '../channel/weComChannel';
import type { WeComChannelOptions } from '../channel/channelOptions';
import { WeComAdapterBase } from './weComAdapterBase';

/** Options of {@link WeComAdapter}: those of the adapter core, plus the product's rules. */
export type WeComAdapterOptions = WeComChannelOptions;

/**
 * The WeChat channel for Bot Framework: swap it in for `CloudAdapter`, and the bot serves WeChat
 * customers through WeCom's kf API with WeChat's messaging rules, media checks and licensing
 * enforced. Without options it reads the environment (`WECOM_*`, `DATA_DIR`, `MONGODB_URI`).
 *
 * @example
 * const { WeComAdapter, isFinalRefusal } = require('wecom-kf-botbuilder');
 * const adapter = new WeComAdapter();
 * adapter.onTurnError = async (context, error) => { if (!isFinalRefusal(error)) throw error; };
 * // restify 10+ takes a handler that is async (or calls next): an async arrow is both.
 * const handle = async (req, res) => adapter.process(req, res, (context) => bot.run(context));
 * server.get('/api/wecom/callback', handle);
 * server.post('/api/wecom/callback', handle);
 */
export class WeComAdapter extends WeComAdapterBase {
  /** The channel engine: the core's plus licensing and the default rules. */
  declare protected readonly channel: WeComChannel;

  constructor(options: WeComAdapterOptions = {}) {
    super(options);
  }

  protected override createChannel(options: WeComAdapterOptions): WeComChannel {
    return new WeComChannel(options, this);
  }

  /** The licence gate this adapter installed, if licensing is on. */
  get licenceGate(): LicenceGate | undefined {
    return this.channel.licenceGate;
  }

  /** The licensing service of this adapter's store (trial, credits, licence years). */
  licensing(): Promise<LicensingService> {
    return this.channel.licensing();
  }
}
