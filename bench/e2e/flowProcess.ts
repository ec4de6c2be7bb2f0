/**
 * The child process of the end-to-end benchmark: runs one flow and answers the parent's commands
 * over IPC, so the CPU and memory it reports are the flow's alone (the emulator and the simulated
 * customers run in the parent).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startChannelFlow } from './channelFlow';
import type { FlowAnswer, FlowCommand, RunningFlow } from './flow';
import { startMinimalFlow } from './minimalFlow';

let flow: RunningFlow | undefined;
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
      flow = command.flow === 'minimal' ? await startMinimalFlow(command.credentials) : await startChannelFlow(command.credentials, command.dataDir);
      return { port: flow.port };
    case 'usage':
      if (command.gc) {
        // Twice: the first full GC can leave garbage that finalizers or weak references freed only then.
        (globalThis as { gc?: () => void }).gc?.();
        (globalThis as { gc?: () => void }).gc?.();
      }
      {
        const memory = process.memoryUsage();
        // `BENCH_MEMORY_TRACE=1`: each reading's parts on stderr (what RSS holds beyond V8's heap: native memory, file pages).
        if (command.gc && process.env.BENCH_MEMORY_TRACE) {
          const status = readFileSync('/proc/self/status', 'utf8');
          const kb = (field: string): string => `${(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024).toFixed(0)}`;
          const mb = (n: number): string => (n / 2 ** 20).toFixed(0);
          process.stderr.write(`memory MiB: rss ${mb(memory.rss)} (anon ${kb('RssAnon')}, file ${kb('RssFile')}), heap used ${mb(memory.heapUsed)} of ${mb(memory.heapTotal)}, external ${mb(memory.external)}, arrayBuffers ${mb(memory.arrayBuffers)}\n`);
        }
        return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal };
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
