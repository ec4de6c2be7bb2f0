/**
 * The child process of the end-to-end benchmark: runs one flow and answers the parent's commands
 * over IPC, so the CPU and memory it reports are the flow's alone (the emulator and the simulated
 * customers run in the parent).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { startChannelFlow } from './channelFlow';
import type { FlowAnswer, FlowCommand, RunningFlow } from './flow';
import { startMinimalFlow } from './minimalFlow';

let flow: RunningFlow | undefined;
let flowDataDir: string | undefined;
let queue = Promise.resolve();
let profiler: Session | undefined;

process.on('message', (command: FlowCommand) => {
  queue = queue.then(() => handle(command)).then(
    (answer) => void process.send?.(answer),
    (e: unknown) => void process.send?.({ error: (e as Error).stack ?? String(e) } satisfies FlowAnswer),
  );
});

async function handle(command: FlowCommand): Promise<FlowAnswer> {
  switch (command.cmd) {
    case 'start':
      flowDataDir = command.dataDir;
      flow = command.flow === 'minimal' ? await startMinimalFlow(command.credentials) : await startChannelFlow(command.credentials, command.dataDir);
      return { port: flow.port };
    case 'usage': {
      if (!command.gc) return { cpu: process.cpuUsage() };
      // Twice: the first full GC can leave garbage that finalizers or weak references freed only then.
      (globalThis as { gc?: () => void }).gc?.();
      (globalThis as { gc?: () => void }).gc?.();
      const atGc = process.memoryUsage();
      const tracedAtGc = process.env.BENCH_MEMORY_TRACE ? trace(atGc) : '';
      const rss = await settledRss();
      const memory = process.memoryUsage();
      // `BENCH_MEMORY_TRACE=1`: each reading's parts on stderr, at the GC and once settled (what RSS holds beyond V8's heap: native memory, file pages).
      if (process.env.BENCH_MEMORY_TRACE) process.stderr.write(`memory MiB at the GC: ${tracedAtGc}\nmemory MiB settled: ${trace(memory)}\n`);
      // The heap as the GC left it (live objects only): the settling above allocates a little.
      return { cpu: process.cpuUsage(), rss, rssAtGc: atGc.rss, heapUsed: atGc.heapUsed, heapTotal: atGc.heapTotal };
    }
    case 'idle':
      await flow?.idle();
      return {};
    case 'profile':
      // In process, around the measured work only (--cpu-prof would add start-up and shut-down).
      if (command.action === 'start') {
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        // A sample every 500 µs by default: finer sampling costs enough to skew the shares toward small JS functions.
        await profiler.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_PROFILE_INTERVAL_US) || 500 });
        await profiler.post('Profiler.start');
      } else if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        profiler = undefined;
        if (command.file) writeFileSync(command.file, JSON.stringify(profile));
      }
      return {};
    case 'stop':
      await flow?.close();
      setImmediate(() => process.exit(0));
      return {};
  }
}

/**
 * RSS once it stops falling after a full GC (read every 100 ms until it falls by less than 1 MiB,
 * at most 3 s). Right after `gc()` RSS still holds the pages the GC freed: V8 returns them to
 * the OS from background threads afterwards (measured here: up to 75 MiB, a reading at the GC
 * wandered 211–284 MiB where the settled one rose smoothly, 151 → 210 MiB over 100,000 messages).
 */
async function settledRss(): Promise<number> {
  let rss = process.memoryUsage.rss();
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = process.memoryUsage.rss();
    const fell = rss - now;
    rss = now;
    if (fell < 2 ** 20) break;
  }
  return rss;
}

/** A reading's parts, MiB, for `BENCH_MEMORY_TRACE`. */
function trace(memory: NodeJS.MemoryUsage): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string): string => `${(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024).toFixed(0)}`;
  const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
  return `rss ${mb(memory.rss)} (anon ${kb('RssAnon')}, file ${kb('RssFile')}), heap used ${mb(memory.heapUsed)} of ${mb(memory.heapTotal)}, external ${mb(memory.external)}, arrayBuffers ${mb(memory.arrayBuffers)}; ${anonParts()}; ${storeFiles(flowDataDir)}`;
}

/** Where anonymous RSS is: malloc's main arena (`[heap]`, brk), other anonymous mappings (V8's heap pages, malloc's mmaps and thread arenas). */
function anonParts(): string {
  let brk = 0;
  let other = 0;
  let name = '';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      name = head[1] ?? '';
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (!anon) continue;
    if (name === '[heap]') brk += Number(anon[1]);
    else if (name === '') other += Number(anon[1]);
  }
  return `anon [heap] ${(brk / 1024).toFixed(0)}, anon mmaps ${(other / 1024).toFixed(0)}`;
}

/** The SQLite engine's files' sizes, MiB (the `-wal` grows until a checkpoint restarts it). */
function storeFiles(dir: string | undefined): string {
  if (!dir) return '';
  const size = (name: string): string => ((statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0) / 2 ** 20).toFixed(1);
  return `store.sqlite ${size('store.sqlite')}, -wal ${size('store.sqlite-wal')}`;
}
