/**
 * Provider mode in the sandbox: what a newcomer would do by hand, done at start-up. WeCom pushes a
 * suite ticket, the app makes an install link per demo corp, each corp's admin agrees (create_auth,
 * then the exchange for a permanent code) and grants its kf account to the app.
 */
import type { Logger } from '../common/logger';
import type { ProviderMode } from '../provider';
import { SANDBOX_DEMO_CORPS, type SandboxWorld } from '../sandbox';
import type { WeComAdapter } from '../botbuilder';

/** One demo corp as installed: the link its admin "opened", and its kf account. */
export interface InstalledDemoCorp {
  readonly key: string;
  readonly name: string;
  readonly corpId: string;
  readonly openKfId: string;
  readonly installLink: string;
}

/**
 * Runs the install of every demo corp against the emulator; resolves once each corp's kf account
 * is granted and the adapter serves it.
 *
 * @example
 * world.connectProvider(`http://127.0.0.1:${port}`);
 * const corps = await installDemoCorps({ world, provider, adapter, base, logger });
 */
export async function installDemoCorps(o: { world: SandboxWorld; provider: ProviderMode; adapter: WeComAdapter; base: string; logger: Logger }): Promise<InstalledDemoCorp[]> {
  const emu = o.world.emulator;
  const suiteId = o.provider.suiteId;
  const ticket = await emu.provider.pushSuiteTicket(suiteId).delivery;
  if (!ticket.delivered) throw new Error('the emulated WeCom could not deliver the suite ticket to /api/wecom/suite');
  await o.provider.instructions.idle();
  // WeCom pushes a new ticket every 10 minutes (of the sandbox's clock, which the test clock moves).
  emu.provider.startTicketPump();
  const installed: InstalledDemoCorp[] = [];
  for (const [i, demo] of SANDBOX_DEMO_CORPS.entries()) {
    const corpWorld = o.world.demoCorps[i]!;
    const { url, preAuthCode } = await o.provider.installLink({ redirectUri: `${o.base}/sandbox/installed`, state: `sandbox${demo.key}`, authType: 1 });
    const auth = emu.provider.authorise(demo.corpId, preAuthCode, { state: `sandbox${demo.key}`, corpName: demo.name });
    if (!(await auth.delivery).delivered) throw new Error(`create_auth of ${demo.name} was not delivered to /api/wecom/suite`);
    await o.provider.instructions.idle();
    await o.adapter.idle();
    const grant = await emu.provider.grantKfAccounts(demo.corpId, { add: [corpWorld.openKfId] }, suiteId);
    if (!grant.delivered) throw new Error(`the kf account grant of ${demo.name} was not delivered to /api/wecom/callback`);
    installed.push({ key: demo.key, name: demo.name, corpId: demo.corpId, openKfId: corpWorld.openKfId, installLink: url });
    o.logger.info({ corpId: demo.corpId, openKfId: corpWorld.openKfId }, `${demo.name} installed the app and granted its kf account`);
  }
  return installed;
}
