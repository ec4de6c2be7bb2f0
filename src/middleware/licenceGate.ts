import { addSendHook } from '../adapter/sendHooks';
import type { InboundGate } from '../adapter/inboundPipeline';
import type { CoreTurn, TurnRule } from '../core';
import type { LicensingService } from '../licensing';

/**
 * The licence gate, both directions. Inbound it is the adapter's {@link InboundGate}: while a corp's
 * licence is not valid its customers' messages are held in the inbox (never dropped) and reach the
 * bot in order once a licence is valid. Outbound it refuses every kf send of an unlicensed corp
 * with `LicenceInactiveError` (code `licence_inactive`), before anything reaches WeCom.
 *
 * @example
 * const gate = new LicenceGate(licensing);
 * const adapter = new WeComAdapterBase({ gate });
 * adapter.use(gate);
 */
export class LicenceGate implements TurnRule, InboundGate {
  constructor(private readonly licensing: LicensingService | (() => Promise<LicensingService>)) {}

  async admits(corpId: string): Promise<boolean> {
    return (await this.service()).isValid(corpId);
  }

  async onTurn(context: CoreTurn, next: () => Promise<void>): Promise<void> {
    addSendHook(context, {
      beforeSend: async (_context, send) => {
        await (await this.service()).assertValid(send.corpId);
        return undefined;
      },
    });
    await next();
  }

  private async service(): Promise<LicensingService> {
    return typeof this.licensing === 'function' ? this.licensing() : this.licensing;
  }
}
