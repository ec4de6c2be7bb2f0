import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

/** Where a profile's CPU went: self time per package (or per folder of ours), most first. */
export interface ProfileShare {
  readonly where: string;
  readonly share: number;
}

/**
 * Reads the `.cpuprofile` files a `--cpu-prof` process wrote to `dir` and sums self time by where
 * the code lives: a package under node_modules, a folder of src/, Node's internals, the GC.
 * Idle time is left out, so the shares add up to the CPU the process spent.
 */
export function summariseCpuProfiles(dir: string): ProfileShare[] {
  const totals = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const where = placeOf(node.callFrame);
      if (where === undefined || !node.hitCount) continue;
      totals.set(where, (totals.get(where) ?? 0) + node.hitCount);
    }
  }
  const all = [...totals.values()].reduce((a, b) => a + b, 0) || 1;
  return [...totals].map(([where, hits]) => ({ where, share: hits / all })).sort((a, b) => b.share - a.share);
}

function placeOf(frame: { functionName: string; url: string }): string | undefined {
  if (frame.functionName === '(idle)') return undefined;
  if (frame.functionName === '(garbage collector)') return 'garbage collector';
  const url = frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(src|bench)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]!.replace(/\.js$/, '')}`;
  // Node's own JavaScript by module (node:internal/fs/promises → node fs), and V8/C++ built-ins by
  // name (open, writeString, Hash...): there the file appends and the crypto show themselves.
  if (url.startsWith('node:')) return `node ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName.slice(1, -1) : `native ${frame.functionName || '(anonymous)'}`;
  return 'other';
}

/** A function's self time in a profile, per unit of work (a message, a callback). */
export interface FunctionCost {
  readonly name: string;
  readonly where: string;
  readonly msPerUnit: number;
}

/**
 * The functions with the most self time in the profiles in `dir`, in ms per unit of `units` (from
 * the samples' time deltas, so the sampling interval does not matter); idle left out.
 */
export function topFunctions(dir: string, units: number): FunctionCost[] {
  const totals = new Map<string, { name: string; where: string; us: number }>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: (ProfileNode & { callFrame: { lineNumber?: number } })[]; samples?: number[]; timeDeltas?: number[] };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      // A sample's time is the delta to the next one (the last sample's is unknown: left out).
      const us = deltas[i + 1] ?? 0;
      const node = byId.get(samples[i]!);
      if (!node || node.callFrame.functionName === '(idle)') continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${(lineNumber ?? 0) + 1}` : '';
      const key = `${functionName}@${where}`;
      const t = totals.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
      t.us += us;
      totals.set(key, t);
    }
  }
  return [...totals.values()].map((t) => ({ name: t.name, where: t.where, msPerUnit: t.us / 1000 / units })).sort((a, b) => b.msPerUnit - a.msPerUnit);
}
