/**
 * `npm run bench:media`: peak memory (RSS) of the app while customers send large files, each case
 * in a fresh process so one case's heap cannot flatter or spoil another's. Cases of issue 12:
 * three 150 MB files (refused) and ten 20 MB files (accepted), sent at once. Each runs with the
 * limits as shipped and, as the baseline, with no size cap and no download bound (what the app did
 * before: every file downloaded whole, then judged). `-- --write` puts the table in
 * docs/performance.md, in its own section.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '../src/common';
import { WeComEmulator } from '../src/sandbox/emulator';
import { openStore } from '../src/store';
import { WeComAdapter } from '../src/botbuilder';

const MB = 1024 * 1024;

interface Case { readonly name: string; readonly label: string; readonly files: number; readonly bytes: number }
const cases: readonly Case[] = [
  { name: 'refuse', label: '3 × 150 MB files (over the 20 MB limit: refused)', files: 3, bytes: 150 * MB },
  { name: 'accept', label: '10 × 20 MB files (at the limit: accepted)', files: 10, bytes: 20 * MB },
];
type Mode = 'capped' | 'uncapped';

interface Result { readonly startMb: number; readonly peakMb: number; readonly servedMb: number; readonly accepted: number; readonly refused: number; readonly ms: number }

/** One case in this process: the app and the emulator on loopback, files sent at once, until every turn ran. */
async function runCase(c: Case, mode: Mode): Promise<Result> {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const emu = new WeComEmulator({ clock });
  await emu.start();
  const corp = emu.addCorp();
  const kf = emu.addKfAccount(corp.corpId, { name: 'Bench' });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-media-'));
  const store = await openStore({ dataDir, clock });
  const uncapped = mode === 'uncapped' ? { maxInboundMediaBytes: { image: 1024 * MB, voice: 1024 * MB, video: 1024 * MB, file: 1024 * MB }, mediaDownloadConcurrency: 64 } : {};
  const adapter = new WeComAdapter({
    corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: emu.baseUrl,
    store, logger: silentLogger, sweepIntervalMs: 0, requestTimeoutMs: 120_000, ...uncapped,
  });
  let accepted = 0;
  let refused = 0;
  const logic = async (ctx: import('botbuilder').TurnContext): Promise<void> => {
    for (const a of ctx.activity.attachments ?? []) {
      if (a.contentType === 'application/vnd.wecom.rejected-attachment') refused++;
      else if (a.contentUrl) accepted++;
    }
  };
  const server = createServer((req, res) => void adapter.process(req, res, logic));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await adapter.start(logic);
  emu.setCallbackUrl(corp.corpId, `http://127.0.0.1:${(server.address() as { port: number }).port}/`);

  // A real PDF header, then zeros the emulator generates as it serves (it holds no 150 MB buffer).
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1');
  const ids = Array.from({ length: c.files }, (_, i) => emu.putMedia(corp.corpId, { type: 'file', bytes: head, filename: `f${i}.pdf`, contentType: 'application/pdf', padTo: c.bytes }));
  global.gc?.();
  const startMb = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const published = await Promise.all(ids.map((id) => emu.customer(corp.corpId, kf).sendStoredMedia('file', id)));
  await Promise.all(published.map((p) => p.delivery));
  await adapter.idle();
  const ms = performance.now() - started;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const servedMb = ids.reduce((sum, id) => sum + (emu.media(corp.corpId, id)?.servedBytes ?? 0), 0) / MB;
  await adapter.close();
  server.close();
  await store.close();
  await emu.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return { startMb, peakMb, servedMb, accepted, refused, ms };
}

function inChild(c: Case, mode: Mode): Result {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, 'child', c.name, mode], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

function section(rows: { c: Case; mode: Mode; r: Result }[]): string {
  const fmt = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return [
    '## Inbound media memory (bench/mediaMemory.ts)',
    '',
    `Peak RSS of one process running the app (WeComAdapter, embedded store) and the emulator, while customers send files at once; each row is a fresh process (\`process.resourceUsage().maxRSS\`). Node ${process.version}, ${cpus().length} CPU(s). `
      + '"uncapped" is the baseline: no size cap and no download bound, as before issue 12 (each file downloaded whole, then judged by the media rules). '
      + '"as shipped": a file over its limit is refused from its Content-Length, or cut off at the limit, and at most 4 downloads run at once. '
      + 'The emulator generates the files as it serves them, so their bytes are not in its memory. Written by `npm run bench:media -- --write`.',
    '',
    '| case | limits | RSS before | peak RSS | peak − before | MB served by WeCom | accepted / refused | ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows.map(({ c, mode, r }) => `| ${c.label} | ${mode === 'capped' ? 'as shipped' : 'uncapped (baseline)'} | ${fmt(r.startMb)} MB | ${fmt(r.peakMb)} MB | ${fmt(r.peakMb - r.startMb)} MB | ${fmt(r.servedMb)} | ${r.accepted} / ${r.refused} | ${fmt(r.ms)} |`),
    '',
    'Reading: a refused file costs what sat in socket buffers when the download was stopped (a few MB each), not its size. '
      + 'An accepted file is held about three times while its turn runs (the download, its base64 `data:` URL, and that URL\'s buffer until the next GC), '
      + 'so the peak follows `mediaDownloadConcurrency` (default 4) media turns in flight, not the files sent; text turns never wait for those slots. '
      + 'Issue 12 measured 1.6 GB and 591 MB for these cases before the change; peaks vary by some tens of MB between runs with GC timing.',
    '',
  ].join('\n');
}

const START = '<!-- bench:media-memory -->';
const END = '<!-- /bench:media-memory -->';

/** Replaces this bench's own section of docs/performance.md (or appends it); the other sections are left alone. */
function writeSection(text: string): void {
  const file = join(__dirname, '..', '..', 'docs', 'performance.md');
  const doc = readFileSync(file, 'utf8');
  const block = `${START}\n${text}${END}\n`;
  const at = doc.indexOf(START);
  const end = doc.indexOf(END);
  const next = at >= 0 && end > at ? `${doc.slice(0, at)}${block}${doc.slice(end + END.length + 1)}` : `${doc.trimEnd()}\n\n${block}`;
  writeFileSync(file, next);
}

async function main(): Promise<void> {
  const [role, name, mode] = process.argv.slice(2);
  if (role === 'child') {
    const c = cases.find((x) => x.name === name)!;
    process.stdout.write(`${JSON.stringify(await runCase(c, mode as Mode))}\n`);
    return;
  }
  const rows: { c: Case; mode: Mode; r: Result }[] = [];
  for (const c of cases) {
    for (const m of ['uncapped', 'capped'] as const) {
      process.stderr.write(`bench:media: ${c.name} ${m}...\n`);
      rows.push({ c, mode: m, r: inChild(c, m) });
    }
  }
  const text = section(rows);
  if (process.argv.includes('--write')) writeSection(text);
  process.stdout.write(text);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
