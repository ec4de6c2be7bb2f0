/**
 * The channel engine with no bot framework at all: a 20-line TurnHost runs the engine's default
 * rules and the bot's logic itself. What a shell must do for the engine is exactly this (see
 * src/core/turnHost.ts); the engine, the rules and WeCom (the emulator over loopback) are real.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeComChannel } from '../../src/channel';
import { ManualClock } from '../../src/common';
import type { CoreActivity, CoreLogic, CoreTurn, InboundCoreActivity, TurnHost } from '../../src/core';
import { WeComEmulator } from '../../src/sandbox/emulator';
import { openStore, type Store } from '../../src/store';

/** A turn of the plain host: the core turn plus a way to send, as a framework's context has. */
interface PlainTurn extends CoreTurn {
  send(activity: CoreActivity): Promise<string>;
}

/** The smallest TurnHost: its own middleware loop over the engine's rules, then the bot. */
class PlainHost implements TurnHost {
  channel?: WeComChannel;
  logic?: (turn: PlainTurn) => Promise<void>;

  hasLogic(): boolean {
    return this.logic !== undefined;
  }

  async runTurn(activity: InboundCoreActivity, seed: (turn: CoreTurn) => void, wrap?: (turn: CoreTurn, logic: CoreLogic) => Promise<void>): Promise<void> {
    const turn: PlainTurn = { activity, turnState: new Map(), send: async (a) => (await this.channel!.sendActivity(turn, a)).id };
    seed(turn);
    const rules = this.channel!.defaultRules();
    const bot: CoreLogic = (t) => this.logic!(t as PlainTurn);
    const run = async (i: number): Promise<void> => {
      if (i < rules.length) return rules[i]!.onTurn(turn, () => run(i + 1));
      return wrap ? wrap(turn, bot) : bot(turn);
    };
    await run(0);
  }
}

describe('WeComChannel through a framework-free TurnHost', () => {
  let emu: WeComEmulator;
  let store: Store;
  let server: Server;
  let dataDir: string;
  let channel: WeComChannel;
  let host: PlainHost;

  beforeEach(async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 8));
    emu = new WeComEmulator({ clock, switches: { callbackTimeoutMs: 2000, callbackRetryDelayMs: 10 } });
    await emu.start();
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-plain-host-'));
    store = await openStore({ dataDir, clock });
    host = new PlainHost();
    const corp = emu.addCorp();
    channel = new WeComChannel({
      corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey,
      apiBaseUrl: emu.baseUrl, store, sweepIntervalMs: 0, retryDelayMs: 5, requestTimeoutMs: 3000,
    }, host);
    host.channel = channel;
    server = createServer((req, res) => void channel.process(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${(server.address() as { port: number }).port}/api/wecom/callback`);
  });

  afterEach(async () => {
    await channel.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await emu.stop();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a customer, and the window rule it installed refuses the sixth reply before WeCom would', async () => {
    const outcomes: string[] = [];
    host.logic = async (turn) => {
      if (turn.activity.type !== 'message') return;
      for (let i = 1; i <= 6; i++) {
        outcomes.push(await turn.send({ type: 'message', text: `reply ${i} to ${turn.activity.text}` }).then(() => 'sent', (e: { code?: string }) => `refused: ${e.code}`));
      }
    };
    const corpId = (await channel.corps())[0]!.corpId;
    const kf = emu.addKfAccount(corpId, { name: 'Support' });
    const customer = emu.customer(corpId, kf);
    await (await customer.sendText('hello')).delivery;
    await channel.idle();

    expect(outcomes).toEqual(['sent', 'sent', 'sent', 'sent', 'sent', 'refused: conversation_locked']);
    const texts = emu.received(corpId, customer.externalUserId).map((m) => (m.payload as { content?: string }).content);
    expect(texts).toEqual([1, 2, 3, 4, 5].map((i) => `reply ${i} to hello`));
    expect(emu.calls.filter((c) => c.errcode === 95001)).toEqual([]);
  });

  it('raises its own events fully addressed and stamped with its clock, as both frameworks need', async () => {
    const corpId = (await channel.corps())[0]!.corpId;
    const seen: CoreActivity[] = [];
    host.logic = async (turn) => void seen.push(turn.activity);
    await channel.start();
    await channel.emitEvent({ name: 'wecom.licenceStatus', value: { corpId, valid: true }, conversation: { id: corpId, tenantId: corpId } });
    await channel.idle();

    expect(seen).toEqual([expect.objectContaining({
      type: 'event', name: 'wecom.licenceStatus', channelId: 'wecom', serviceUrl: `wecom://${corpId}`,
      id: expect.stringMatching(/.+/), timestamp: new Date(channel.clock.now()),
      from: { id: corpId, name: 'wecom' }, recipient: { id: corpId, name: 'wecom' },
      conversation: expect.objectContaining({ id: corpId, name: corpId, tenantId: corpId }),
    })]);
  });
});
