/**
 * Helpers for the adapter's end-to-end tests (test/adapter/e2e): a bot that records what it
 * receives, waiting for callbacks and turns to settle, and real media bytes.
 */
import type { Activity, TurnContext } from 'botbuilder';
import type { BotLogic } from '../../src/botbuilder';
import type { DeliveryReport, Published, SentMessage } from '../../src/sandbox/emulator';
import { makeMedia } from '../../bench/middleware/fixtures/mediaFiles';
import { makePng } from '../sandbox/helpers';
import type { AdapterRig, AgentsAdapterRig } from './adapterRig';

/** What the bot received, in order, plus the logic that records it (and then runs `then`). */
export interface Recorder {
  readonly seen: Partial<Activity>[];
  readonly logic: BotLogic;
  /** Activities of one type (and, for events, one name). */
  of(type: string, name?: string): Partial<Activity>[];
}

export function recorder(then?: BotLogic): Recorder {
  const seen: Partial<Activity>[] = [];
  return {
    seen,
    logic: async (context: TurnContext) => {
      seen.push(context.activity);
      if (then) await then(context);
    },
    of: (type, name) => seen.filter((a) => a.type === type && (name === undefined || a.name === name)),
  };
}

/** Waits until the callback of each publish got its answer, then until the adapter's pulls and turns are done. */
export async function settle(rig: Pick<AdapterRig | AgentsAdapterRig, 'adapter'>, ...published: (Published | Promise<Published>)[]): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  for (const p of published) reports.push(await (await p).delivery);
  await rig.adapter.idle();
  return reports;
}

/** Polls `check` until it stops throwing (for work started by callbacks the test does not hold). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Text a customer saw in one received message (text content or menu head), else `[msgtype]`. */
export function shown(m: SentMessage): string {
  const p = m.payload as { content?: string; head_content?: string };
  return p.content ?? p.head_content ?? `[${m.msgtype}]`;
}

/** Real minimal files of each kind WeCom handles, built byte by byte. */
export const realMedia = {
  png: makePng(3, 2),
  amr: makeMedia('amr', 64),
  mp4: makeMedia('mp4', 256),
  pdf: makeMedia('pdf', 300),
  docx: makeMedia('docx', 2048),
} as const;

export const dataUrl = (contentType: string, bytes: Buffer): string => `data:${contentType};base64,${bytes.toString('base64')}`;

/** The bytes of a `data:` URL with base64 content. */
export function bytesOfDataUrl(url: string | undefined): Buffer {
  const m = /^data:[^,]*;base64,(.*)$/s.exec(url ?? '');
  if (!m) throw new Error(`not a base64 data: URL: ${String(url).slice(0, 40)}`);
  return Buffer.from(m[1]!, 'base64');
}
