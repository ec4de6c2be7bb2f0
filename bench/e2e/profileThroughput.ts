/**
 * `node dist-bench/bench/e2e/profileThroughput.js [runs]`: the end-to-end throughput run alone, to
 * find where the channel's CPU per message goes. It prints the CPU per message of `runs` throughput
 * runs of each flow (default 3; the median is the figure), then profiles one more channel run in its
 * process (the run only, not start-up) and prints the functions with the most self time, in ms per
 * message. `STORE_ENGINE=nedb` runs the channel on the nedb engine; `BENCH_PROFILE_DIR=dir` keeps the
 * profile there (open it in Chrome's DevTools); `BENCH_FLOWS=channel` leaves the minimal flow out,
 * `BENCH_PROFILE=0` the profiled run; `BENCH_RUN=callbacks` runs the callback run instead (1000
 * wake-ups at 500/s, CPU per callback), `BENCH_RUN=latency` the latency-bound run; `BENCH_WARM_WAVES=N` adds N warm waves to each
 * throughput run and prints their figures, `BENCH_PROFILE_WARM=N` profiles the last of N warm waves
 * instead of the first wave. Writes nothing to docs/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeComEmulator } from '../../src/sandbox/emulator';
import { summariseCpuProfiles, topFunctions } from './cpuProfile';
import { CALLBACKS, callbackRun, E2E_MESSAGES, latencyBoundRun, throughputRun } from './e2eBench';

async function main(): Promise<void> {
  const runs = Number(process.argv[2]) || 3;
  const emu = new WeComEmulator();
  await emu.start();
  try {
    if (process.env.BENCH_RUN === 'latency') {
      for (const flow of (process.env.BENCH_FLOWS ?? 'minimal,channel').split(',') as ('minimal' | 'channel')[]) {
        for (let i = 0; i < runs; i++) process.stdout.write(`${flow}: latency-bound ${((await latencyBoundRun(emu, flow)) / 1000).toFixed(2)} s\n`);
      }
      return;
    }
    if (process.env.BENCH_RUN === 'callbacks') {
      await callbacks(emu, runs);
      return;
    }
    const flows = (process.env.BENCH_FLOWS ?? 'minimal,channel').split(',').filter((f): f is 'minimal' | 'channel' => f === 'minimal' || f === 'channel');
    await throughputRun(emu, 'minimal'); // warms the emulator's code (it runs here), as e2eBench does
    for (const flow of flows) {
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await throughputRun(emu, flow, { warmWaves: Number(process.env.BENCH_WARM_WAVES) || 0 });
        cpu.push(r.cpuPerMessageMs);
        const warm = r.warmThroughputMs === undefined ? '' : `; warm ${r.warmCpuPerMessageMs!.toFixed(2)} ms, ${((E2E_MESSAGES / r.warmThroughputMs) * 1000).toFixed(0)} messages/s`;
        process.stdout.write(`${flow}: ${r.cpuPerMessageMs.toFixed(2)} ms CPU per message, ${((E2E_MESSAGES / r.throughputMs) * 1000).toFixed(0)} messages/s${warm}\n`);
      }
      cpu.sort((a, b) => a - b);
      process.stdout.write(`${flow}: median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(2)} ms CPU per message over ${runs} runs\n`);
    }
    if (process.env.BENCH_PROFILE === '0') return;
    const kept = process.env.BENCH_PROFILE_DIR;
    const dir = kept ? (mkdirSync(kept, { recursive: true }), kept) : mkdtempSync(join(tmpdir(), 'bench-prof-'));
    try {
      const warmWaves = Number(process.env.BENCH_PROFILE_WARM) || 0;
      await throughputRun(emu, 'channel', { inProcessProfile: join(dir, 'channel.cpuprofile'), warmWaves, profileWarm: warmWaves > 0 });
      process.stdout.write('\nchannel under the profiler, self time by place:\n');
      for (const p of summariseCpuProfiles(dir).slice(0, 20)) process.stdout.write(`  ${(p.share * 100).toFixed(1).padStart(5)} %  ${p.where}\n`);
      process.stdout.write('\nself time by function, ms per message (the profiler slows the run; compare the entries, not the sum, with the figures above):\n');
      for (const f of topFunctions(dir, E2E_MESSAGES).slice(0, 45)) process.stdout.write(`  ${f.msPerUnit.toFixed(3).padStart(6)}  ${f.name}  ${f.where}\n`);
    } finally {
      if (!kept) rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await emu.stop();
  }
}

/** The callback run: CPU per callback and round trips per flow, then one channel run profiled. */
async function callbacks(emu: WeComEmulator, runs: number): Promise<void> {
  const flows = (process.env.BENCH_FLOWS ?? 'minimal,channel').split(',').filter((f): f is 'minimal' | 'channel' => f === 'minimal' || f === 'channel');
  for (const flow of flows) {
    for (let i = 0; i < runs; i++) {
      const r = await callbackRun(emu, flow);
      process.stdout.write(`${flow}: ${r.cpuPerCallbackMs.toFixed(2)} ms CPU per callback, p50 ${r.callbackP50Ms.toFixed(1)} ms, p99 ${r.callbackP99Ms.toFixed(1)} ms; warm ${r.warmCpuPerCallbackMs.toFixed(2)} ms, p99 ${r.warmCallbackP99Ms.toFixed(1)} ms\n`);
    }
  }
  if (process.env.BENCH_PROFILE === '0') return;
  const dir = process.env.BENCH_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'bench-prof-'));
  mkdirSync(dir, { recursive: true });
  await callbackRun(emu, 'channel', { inProcessProfile: join(dir, 'callbacks.cpuprofile') });
  process.stdout.write('\nchannel callbacks under the profiler, self time by function, ms per callback:\n');
  for (const f of topFunctions(dir, CALLBACKS).slice(0, 30)) process.stdout.write(`  ${f.msPerUnit.toFixed(3).padStart(6)}  ${f.name}  ${f.where}\n`);
  if (!process.env.BENCH_PROFILE_DIR) rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
