import { type Clock, type Logger } from '../common';
import { type CorpCredentials, type SentMessage, WeComEmulator } from './emulator';

/**
 * The sandbox's WeCom: an emulator on loopback with one corp and one kf account, and simulated
 * customers a person can chat as (from the terminal or over HTTP).
 */
export class SandboxWorld {
  private readonly agentLog = new Map<string, string[]>();

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
    emulator.addServicer(corp.corpId, { userid: SANDBOX_AGENT });
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

  /** The sandbox's human agent writes to the customer from "the WeCom client" (taking the session). */
  async agentSays(customerId: string, text: string): Promise<void> {
    await this.emulator.servicer(this.corp.corpId, SANDBOX_AGENT).reply(this.openKfId, customerId, text);
    this.agentLog.set(customerId, [...this.agentMessages(customerId), text]);
  }

  /** What the human agent wrote to this customer, in order. */
  agentMessages(customerId: string): readonly string[] {
    return this.agentLog.get(customerId) ?? [];
  }

  /** The human agent ends the session: the bot serves the customer again. */
  async agentEnds(customerId: string): Promise<void> {
    await this.emulator.servicer(this.corp.corpId, SANDBOX_AGENT).endSession(this.openKfId, customerId);
  }

  /** What the bot (or an agent) sent this customer, in order. */
  replies(customerId: string): SentMessage[] {
    return this.customer(customerId).received();
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }

  private customer(customerId: string) {
    // The name the developer chats as is the customer's WeChat nickname: the bot greets "alice".
    return this.emulator.customer(this.corp.corpId, this.openKfId, customerId, { nickname: customerId });
  }
}

/** The human agent of the sandbox, for trying a handoff. */
export const SANDBOX_AGENT = 'sandbox_agent';

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
