import { type Clock, type Logger, WeComChannelError } from '../common';
import { type CorpCredentials, type DeliveryReport, maxBytesFor, type MediaType, type SentMessage, type SuiteCredentials, WeComEmulator } from './emulator';

/**
 * The sandbox corp's credentials. Fixed and public on purpose: the emulator only listens on
 * loopback, and a bot started with these settings keeps working across sandbox restarts.
 */
export const SANDBOX_CREDENTIALS: Readonly<Omit<CorpCredentials, 'callbackUrl'>> = Object.freeze({
  corpId: 'wwsandbox0000000001',
  secret: 'sandbox-kf-secret-not-a-real-secret-000000',
  token: 'sandboxToken0000000000000000000',
  encodingAesKey: 'c2FuZGJveEVuY29kaW5nQWVzS2V5MDAwMDAwMDAwMDA',
});

/**
 * Provider mode's sandbox suite: fixed and public for the same reason as {@link SANDBOX_CREDENTIALS}.
 * Its two demo corps install it through the install link when `npm start` runs.
 */
export const SANDBOX_SUITE: Readonly<Pick<SuiteCredentials, 'suiteId' | 'suiteSecret' | 'token' | 'encodingAesKey' | 'providerCorpId'>> = Object.freeze({
  suiteId: 'wwsandboxsuite000001',
  suiteSecret: 'sandbox-suite-secret-not-a-real-secret-00',
  token: 'sandboxSuiteToken00000000000000',
  encodingAesKey: 'c2FuZGJveFN1aXRlQWVzS2V5MDAwMDAwMDAwMDAwMDA',
  providerCorpId: 'wwsandboxprovider001',
});

/** The demo corps of provider mode's sandbox: the first is {@link SANDBOX_CREDENTIALS}'s corp. */
export const SANDBOX_DEMO_CORPS: readonly { readonly key: string; readonly corpId: string; readonly name: string; readonly kfName: string }[] = Object.freeze([
  { key: 'a', corpId: SANDBOX_CREDENTIALS.corpId, name: 'Demo Corp A', kfName: 'Corp A support' },
  { key: 'b', corpId: 'wwsandbox0000000002', name: 'Demo Corp B', kfName: 'Corp B support' },
]);

/** The human agent of the sandbox, for trying a handoff. */
export const SANDBOX_AGENT = 'sandbox_agent';

/** One line of a customer's chat: what the bot (through the API) or the human agent (from the WeCom client) sent. */
export interface ChatEntry {
  msgid: string;
  /** `bot`: sent through send_msg / send_msg_on_event; `agent`: typed by the sandbox's human agent. */
  from: 'bot' | 'agent';
  msgtype: string;
  payload: unknown;
  /** How it was sent: the API call, or `wecom_client` for the agent. */
  via: SentMessage['via'] | 'wecom_client';
  /** Emulator-clock ms. */
  at: number;
}

/** A file the customer sends: it becomes WeCom media the bot fetches with media/get. */
export interface CustomerAttachment {
  type: MediaType;
  bytes: Uint8Array;
  filename: string;
  contentType?: string;
}

/** A customer attachment the sandbox refuses (empty, or over WeCom's size for its type). */
export class SandboxAttachmentError extends WeComChannelError {
  override readonly name = 'SandboxAttachmentError' as const;
  readonly code = 'sandbox_attachment_invalid' as const;
}

/** What a customer's message did: its msgid, and the callback to the bot (resolves once delivered or given up). */
export interface SentByCustomer {
  msgid: string;
  delivery: Promise<DeliveryReport>;
}

/** A line of the whole chat as the customer's phone shows it: their own messages too. */
export interface ChatLine {
  msgid: string;
  from: 'customer' | 'bot' | 'agent';
  msgtype: string;
  payload: unknown;
  /** Emulator-clock ms. */
  at: number;
}

interface AgentEntry {
  entry: ChatEntry | (Omit<ChatEntry, 'from' | 'via'> & { from: 'customer' });
  /** How many bot replies the customer had when the agent wrote: the agent's place in the chat. */
  afterReplies: number;
  /** Order of writing among the agent's and the customers' lines (clock readings can tie). */
  seq: number;
}

/**
 * The sandbox's WeCom: an emulator on loopback with one corp ({@link SANDBOX_CREDENTIALS}) and one
 * kf account, a human agent, and simulated customers a person can chat as (from the terminal or over HTTP).
 *
 * @example
 * const world = await SandboxWorld.start({ port: 3979 });
 * world.connect('http://127.0.0.1:3978/api/wecom/callback');  // your bot's callback
 * await world.say('alice', 'hello');
 * world.transcript('alice');                                 // what the bot (and agent) answered
 */
export class SandboxWorld {
  /** The human agent's WeCom userid ({@link SANDBOX_AGENT}). */
  readonly agent = SANDBOX_AGENT;
  private readonly agentLog = new Map<string, AgentEntry[]>();
  /** What each customer sent, placed among the bot's replies like the agent's lines. */
  private readonly customerLog = new Map<string, AgentEntry[]>();
  private written = 0;

  /** Provider mode: the corps of this sandbox, the first being this one (self-built: this one alone). */
  readonly demoCorps: SandboxWorld[] = [this];

  private constructor(
    readonly emulator: WeComEmulator,
    readonly corp: CorpCredentials,
    readonly openKfId: string,
    /** Provider mode: the sandbox's suite (its two corps install it). */
    readonly suite?: SuiteCredentials,
  ) {}

  /**
   * Starts the emulator on loopback (`port` 0 or absent: a free port). With `provider: true`, it
   * also has the sandbox suite ({@link SANDBOX_SUITE}) and two demo corps ({@link SANDBOX_DEMO_CORPS})
   * with a kf account and a human agent each; this world is the first corp, {@link demoCorps} all.
   */
  static async start(options: { clock?: Clock; logger?: Logger; port?: number; provider?: boolean } = {}): Promise<SandboxWorld> {
    const emulator = new WeComEmulator({ clock: options.clock, port: options.port, logger: options.logger?.child({ part: 'emulator' }) });
    await emulator.start();
    if (!options.provider) {
      const corp = emulator.addCorp({ ...SANDBOX_CREDENTIALS });
      const openKfId = emulator.addKfAccount(corp.corpId, { name: 'Sandbox support' });
      emulator.addServicer(corp.corpId, { userid: SANDBOX_AGENT });
      return new SandboxWorld(emulator, corp, openKfId);
    }
    const suite = emulator.provider.addSuite({ ...SANDBOX_SUITE });
    const worlds = SANDBOX_DEMO_CORPS.map((demo) => {
      const corp = emulator.addCorp({ corpId: demo.corpId });
      const openKfId = emulator.addKfAccount(corp.corpId, { name: demo.kfName });
      emulator.addServicer(corp.corpId, { userid: SANDBOX_AGENT });
      return new SandboxWorld(emulator, corp, openKfId, suite);
    });
    const first = worlds[0]!;
    first.demoCorps.splice(0, 1, ...worlds);
    return first;
  }

  /**
   * Provider mode: the demo corp named by its key (`a`, `b`) or corp id, undefined for no such corp.
   *
   * @example
   * world.demoCorp('b')?.say('alice', 'hello'); // a customer of Demo Corp B
   */
  demoCorp(keyOrCorpId: string): SandboxWorld | undefined {
    const index = SANDBOX_DEMO_CORPS.findIndex((d) => d.key === keyOrCorpId.toLowerCase());
    return index >= 0 && this.suite ? this.demoCorps[index] : this.demoCorps.find((w) => w.corp.corpId === keyOrCorpId);
  }

  /** Provider mode: points the suite's instruction and data URLs at the app (`base`: its http://host:port). */
  connectProvider(base: string): void {
    if (!this.suite) throw new RangeError('this sandbox has no suite: start it with { provider: true }');
    this.emulator.provider.setUrls(this.suite.suiteId, { instructionUrl: `${base}/api/wecom/suite`, dataUrl: `${base}/api/wecom/callback` });
  }

  /** Points WeCom's callbacks at the bot. */
  connect(callbackUrl: string): void {
    this.emulator.setCallbackUrl(this.corp.corpId, callbackUrl);
  }

  /** The settings a bot needs to talk to this WeCom, as `WECOM_*` environment variables. */
  settings(): Record<string, string> {
    return {
      WECOM_CORP_ID: this.corp.corpId,
      WECOM_KF_SECRET: this.corp.secret,
      WECOM_TOKEN: this.corp.token,
      WECOM_ENCODING_AES_KEY: this.corp.encodingAesKey,
      WECOM_API_BASE_URL: this.emulator.baseUrl,
    };
  }

  async say(customerId: string, text: string): Promise<SentByCustomer> {
    const { msgid, delivery } = await this.customer(customerId).sendText(text);
    this.logCustomer(customerId, msgid, 'text', { content: text });
    return { msgid, delivery };
  }

  /** Taps a msgmenu `click` item: WeCom sends the bot a text carrying the item's `menu_id`. */
  async clickMenu(customerId: string, menuId: string, content: string): Promise<SentByCustomer> {
    const { msgid, delivery } = await this.customer(customerId).clickMenu(menuId, content);
    this.logCustomer(customerId, msgid, 'text', { content, menu_id: menuId });
    return { msgid, delivery };
  }

  /** Sends an image, voice, video or file as the customer, through WeCom's media (the bot downloads it). */
  async sendAttachment(customerId: string, attachment: CustomerAttachment): Promise<SentByCustomer> {
    const size = attachment.bytes.byteLength;
    const max = maxBytesFor(attachment.type, this.emulator.switches.imageMaxBytes);
    if (size === 0) throw new SandboxAttachmentError(`${attachment.filename} is empty`);
    if (size > max) throw new SandboxAttachmentError(`${attachment.filename} is ${size} bytes; WeCom takes at most ${max} bytes for a ${attachment.type}`);
    const c = this.customer(customerId);
    const send = { image: c.sendImage, voice: c.sendVoice, video: c.sendVideo, file: c.sendFile }[attachment.type].bind(c);
    const { msgid, delivery } = await send(attachment.bytes, attachment.filename, attachment.contentType);
    this.logCustomer(customerId, msgid, attachment.type, { filename: attachment.filename, bytes: size });
    return { msgid, delivery };
  }

  async enter(customerId: string, scene?: string): Promise<{ msgid: string; welcomeCode?: string }> {
    const entered = await this.customer(customerId).enterSession({ scene });
    this.logCustomer(customerId, entered.msgid, 'event', { event_type: 'enter_session', scene });
    return { msgid: entered.msgid, welcomeCode: entered.welcomeCode };
  }

  /** The sandbox's human agent writes to the customer from "the WeCom client" (taking the session). */
  async agentSays(customerId: string, text: string): Promise<void> {
    const afterReplies = this.replies(customerId).length;
    const { msgid } = await this.emulator.servicer(this.corp.corpId, SANDBOX_AGENT).reply(this.openKfId, customerId, text);
    const entry: ChatEntry = { msgid, from: 'agent', msgtype: 'text', payload: { content: text }, via: 'wecom_client', at: this.emulator.clock.now() };
    this.agentLog.set(customerId, [...(this.agentLog.get(customerId) ?? []), { entry, afterReplies, seq: ++this.written }]);
  }

  /** The human agent ends the session: the bot serves the customer again. */
  async agentEnds(customerId: string): Promise<void> {
    await this.emulator.servicer(this.corp.corpId, SANDBOX_AGENT).endSession(this.openKfId, customerId);
  }

  /** What the bot sent this customer (through the API), in order. */
  replies(customerId: string): SentMessage[] {
    return this.customer(customerId).received();
  }

  /** Everything the customer received, bot and human agent, in the order the customer saw it. */
  transcript(customerId: string): ChatEntry[] {
    return this.merge(customerId, this.agentLog.get(customerId) ?? []) as ChatEntry[];
  }

  /** The whole chat in order, the customer's own messages (and entering the chat) included. */
  chat(customerId: string): ChatLine[] {
    const own = [...(this.agentLog.get(customerId) ?? []), ...(this.customerLog.get(customerId) ?? [])];
    // Stable: among lines placed after the same reply, the order they were written in.
    own.sort((x, y) => x.afterReplies - y.afterReplies || x.seq - y.seq);
    return this.merge(customerId, own).map(({ msgid, from, msgtype, payload, at }) => ({ msgid, from, msgtype, payload, at }));
  }

  /** Interleaves lines written by people with the bot's replies, each after the replies it followed. */
  private merge(customerId: string, lines: AgentEntry[]): AgentEntry['entry'][] {
    const replies = this.replies(customerId);
    const out: AgentEntry['entry'][] = [];
    let a = 0;
    for (let r = 0; r <= replies.length; r++) {
      for (; a < lines.length && lines[a]!.afterReplies <= r; a++) out.push(lines[a]!.entry);
      const m = replies[r];
      if (m) out.push({ msgid: m.msgid, from: 'bot', msgtype: m.msgtype, payload: m.payload, via: m.via, at: m.at });
    }
    return out;
  }

  private logCustomer(customerId: string, msgid: string, msgtype: string, payload: unknown): void {
    const entry = { msgid, from: 'customer' as const, msgtype, payload, at: this.emulator.clock.now() };
    this.customerLog.set(customerId, [...(this.customerLog.get(customerId) ?? []), { entry, afterReplies: this.replies(customerId).length, seq: ++this.written }]);
  }

  stop(): Promise<void> {
    return this.emulator.stop();
  }

  private customer(customerId: string) {
    // The name the developer chats as is the customer's WeChat nickname: the bot greets "alice".
    return this.emulator.customer(this.corp.corpId, this.openKfId, customerId, { nickname: customerId });
  }
}

/** A message as a person reads it in a terminal. */
export function renderReply(m: Pick<SentMessage, 'msgtype' | 'payload'>): string {
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
