import { type Clock, type Logger } from '../common';
import { type CorpCredentials, type SentMessage, WeComEmulator } from './emulator';

/**
 * The sandbox's WeCom: an emulator on loopback with one corp and one kf account, and simulated
 * customers a person can chat as (from the terminal or over HTTP).
 */
export class SandboxWorld {
  private constructor(
    readonly emulator: WeComEmulator,
    readonly corp: CorpCredentials,
    readonly openKfId: string,
  ) {}

  static async start(options: { clock: Clock; logger: Logger }): Promise<SandboxWorld> {
    // The sandbox customer answers a little slower than tests do; WeCom's own 5 s deadline stays.
    const emulator = new WeComEmulator({ clock: options.clock, logger: options.logger.child({ part: 'emulator' }) });
    await emulator.start();
    const corp = emulator.addCorp({ corpId: 'wwsandbox0000000001' });
    const openKfId = emulator.addKfAccount(corp.corpId, { name: 'Sandbox support' });
    return new SandboxWorld(emulator, corp, openKfId);
  }

  /** Points WeCom's callbacks at the app once it listens. */
  connect(callbackUrl: string): void {
    this.emulator.setCallbackUrl(this.corp.corpId, callbackUrl);
  }

  async say(customerId: string, text: string): Promise<string> {
    return (await this.customer(customerId).sendText(text)).msgid;
  }

  async enter(customerId: string, scene?: string): Promise<{ msgid: string; welcomeCode?: string }> {
    const entered = await this.customer(customerId).enterSession({ scene });
    return { msgid: entered.msgid, welcomeCode: entered.welcomeCode };
  }

  /** What the bot (or an agent) sent this customer, in order. */
  replies(customerId: string): SentMessage[] {
    return this.customer(customerId).received();
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }

  private customer(customerId: string) {
    return this.emulator.customer(this.corp.corpId, this.openKfId, customerId);
  }
}

/** A reply as a person reads it in a terminal. */
export function renderReply(m: SentMessage): string {
  const p = m.payload as Record<string, unknown>;
  switch (m.msgtype) {
    case 'text':
      return String(p.content ?? '');
    case 'msgmenu': {
      const items = (p.list as { type: string; click?: { content: string }; view?: { content: string; url: string } }[] | undefined) ?? [];
      const lines = items.map((i, n) => `  ${n + 1}. ${i.click?.content ?? i.view?.content ?? i.type}${i.view ? ` (${i.view.url})` : ''}`);
      return [p.head_content, ...lines, p.tail_content].filter(Boolean).join('\n');
    }
    case 'link':
      return `[link] ${String(p.title ?? '')} ${String(p.url ?? '')}`;
    default:
      return `[${m.msgtype}]`;
  }
}
