/**
 * The child process of the end-to-end benchmark: runs one flow and answers the parent's commands
 * over IPC, so the CPU and memory it reports are the flow's alone (the emulator and the simulated
 * customers run in the parent).
 */
import { startChannelFlow } from './channelFlow';
import type { FlowAnswer, FlowCommand, RunningFlow } from './flow';
import { startMinimalFlow } from './minimalFlow';

let flow: RunningFlow | undefined;
let queue = Promise.resolve();

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
        return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed };
      }
    case 'idle':
      await flow?.idle();
      return {};
    case 'stop':
      await flow?.close();
      setImmediate(() => process.exit(0));
      return {};
  }
}
