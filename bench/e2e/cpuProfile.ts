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
