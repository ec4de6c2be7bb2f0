import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '../../src/common';
import { WeComAdapterBase } from '../../src/botbuilder';
import { WeComEmulator } from '../../src/sandbox/emulator';
import { openStore } from '../../src/store';
import { WeComClient } from '../../src/wecom';
import { WeComAdapter } from '../../src/botbuilder';

export interface PipelineBenchOptions {
  /** Customers, each sending `messagesPerCustomer` messages. Default 50 × 4. */
  readonly customers?: number;
  readonly messagesPerCustomer?: number;
}

interface Run { readonly label: string; readonly ms: number; readonly replies: number }

/**
 * Messages per second from customer to reply, through the emulator over loopback. The baseline
 * is the least any channel must do: one sync_msg pull and one send_msg per message with the raw
 * client. The adapter runs add the inbox, cursor, leases, outbox, mapping (and the rules).
 */
export async function pipelineBench(options: PipelineBenchOptions = {}): Promise<string> {
  const customers = options.customers ?? 50;
  const perCustomer = options.messagesPerCustomer ?? 4;
  const runs: Run[] = [];
  runs.push(await baseline(customers, perCustomer));
  runs.push(await adapterRun('WeComAdapterBase (no rules)', customers, perCustomer, false));
  runs.push(await adapterRun('WeComAdapter (licence gate, media, window)', customers, perCustomer, true));
  const total = customers * perCustomer;
  const base = runs[0]!;
  const rows = runs.map((r) => `| ${r.label} | ${r.replies}/${total} | ${r.ms.toFixed(0)} | ${((total / r.ms) * 1000).toFixed(0)} | ${(base.ms / r.ms).toFixed(2)} |`);
  return [
    '## Inbound → reply pipeline (bench/adapter/pipelineBench.ts)',
    '',
    `${customers} customers × ${perCustomer} messages, all pushed to the emulator first, then one callback; embedded store.`,
    '',
    '| run | replies | ms | messages/s | speed vs baseline |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

async function world(): Promise<{ emu: WeComEmulator; clock: ManualClock; corpId: string; secret: string; token: string; aes: string; kf: string }> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const emu = new WeComEmulator({ clock });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Bench' });
  return { emu, clock, corpId: corp.corpId, secret: corp.secret, token: corp.token, aes: corp.encodingAesKey, kf };
}

async function pushAll(emu: WeComEmulator, corpId: string, kf: string, customers: number, perCustomer: number): Promise<void> {
  const people = Array.from({ length: customers }, () => emu.customer(corpId, kf));
  for (let m = 0; m < perCustomer; m++) for (const c of people) await c.sendText(`message ${m}`);
}

async function baseline(customers: number, perCustomer: number): Promise<Run> {
  const w = await world();
  await pushAll(w.emu, w.corpId, w.kf, customers, perCustomer);
  const client = new WeComClient({ corpId: w.corpId, secret: w.secret, baseUrl: w.emu.baseUrl, clock: w.clock });
  const started = performance.now();
  const page = await client.syncMsg({ open_kfid: w.kf, token: w.emu.latestSyncToken(w.corpId, w.kf) });
  let n = 0;
  await Promise.all(page.msg_list.map(async (m) => {
    if (m.msgtype !== 'text' || !m.external_userid) return;
    await client.sendMsg({ touser: m.external_userid, open_kfid: w.kf, msgid: `b${n++}`, message: { msgtype: 'text', text: { content: `You said: ${m.text.content}` } } });
  }));
  const ms = performance.now() - started;
  const replies = w.emu.received(w.corpId).length;
  await client.close();
  await w.emu.stop();
  return { label: 'baseline: raw client, sync_msg + send_msg', ms, replies };
}

async function adapterRun(label: string, customers: number, perCustomer: number, rules: boolean): Promise<Run> {
  const w = await world();
  await pushAll(w.emu, w.corpId, w.kf, customers, perCustomer);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const store = await openStore({ dataDir, clock: w.clock });
  const options = { corpId: w.corpId, secret: w.secret, token: w.token, encodingAesKey: w.aes, apiBaseUrl: w.emu.baseUrl, store, logger: silentLogger, sweepIntervalMs: 0 };
  const adapter = rules ? new WeComAdapter(options) : new WeComAdapterBase(options);
  const server = createServer((req, res) => void adapter.process(req, res, async (ctx) => {
    if (ctx.activity.type === 'message') await ctx.sendActivity(`You said: ${ctx.activity.text}`);
  }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await adapter.start(async () => undefined);
  w.emu.setCallbackUrl(w.corpId, `http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  const started = performance.now();
  await (await w.emu.customer(w.corpId, w.kf).sendText('go')).delivery;
  await adapter.idle();
  const ms = performance.now() - started;
  const replies = w.emu.received(w.corpId).length - 1; // the 'go' message is answered too
  await adapter.close();
  server.close();
  await store.close();
  await w.emu.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return { label, ms, replies };
}
