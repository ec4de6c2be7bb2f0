/** Shared set-up for the emulator's tests: a started emulator on a ManualClock, and plain HTTP helpers. */
import { crc32, deflateSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { ManualClock } from '../../src/common';
import { type CorpCredentials, type EmulatorSwitches, WeComEmulator } from '../../src/sandbox/emulator';

export const start = Date.UTC(2026, 0, 1, 8, 0, 0);

export interface Rig {
  emu: WeComEmulator;
  clock: ManualClock;
  corp: CorpCredentials;
  kf: string;
  api: Api;
}

/** A started emulator with one corp and one kf account. */
export async function rig(switches: Partial<EmulatorSwitches> = {}): Promise<Rig> {
  const clock = new ManualClock(start);
  const emu = new WeComEmulator({ clock, switches });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Support' });
  return { emu, clock, corp, kf, api: new Api(emu, corp) };
}

export type Answer = { errcode: number; errmsg: string } & Record<string, unknown>;

export const agent = new Agent({ keepAliveTimeout: 500 });

/** Talks to the emulator the way any HTTP client would. */
export class Api {
  private token?: string;

  constructor(
    private readonly emu: WeComEmulator,
    private readonly corp: CorpCredentials,
  ) {}

  /** Forgets the cached token (after moving the clock past its expiry). */
  forgetToken(): void {
    this.token = undefined;
  }

  async accessToken(): Promise<string> {
    if (!this.token) {
      const r = await this.get('gettoken', { corpid: this.corp.corpId, corpsecret: this.corp.secret }, false);
      if (r.errcode !== 0) throw new Error(`gettoken: ${r.errcode}`);
      this.token = r.access_token as string;
    }
    return this.token;
  }

  /** GET a JSON endpoint (with the access token unless `auth` is false). */
  async get(path: string, query: Record<string, string> = {}, auth = true): Promise<Answer> {
    const q = new URLSearchParams(query);
    if (auth) q.set('access_token', await this.accessToken());
    const res = await request(`${this.emu.baseUrl}${path}?${q}`, { dispatcher: agent });
    return (await res.body.json()) as Answer;
  }

  /** POST JSON (an object, or raw text to test malformed bodies). */
  async post(path: string, body: unknown, query: Record<string, string> = {}): Promise<Answer> {
    const q = new URLSearchParams({ access_token: await this.accessToken(), ...query });
    const res = await request(`${this.emu.baseUrl}${path}?${q}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return (await res.body.json()) as Answer;
  }
}

/** A real PNG (solid colour), built byte by byte so the test owns every byte. */
export function makePng(width = 2, height = 2): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.set([255, 80, 0], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
