/**
 * `npm run bench`: every benchmark, each against a baseline measured in the same run (ratios, so
 * a slow machine does not change the verdict), written to docs/performance.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pipelineBench } from './adapter/pipelineBench';
import { e2eBench } from './e2e/e2eBench';
import { licensingBench } from './licensing/licensingBench';
import { mediaBench } from './middleware/mediaBench';
import { storeBench } from './store/storeBench';

async function main(): Promise<void> {
  const startLoad = loadavg();
  const sections: string[] = [];
  const benches: [string, () => Promise<string>][] = [
    ['store', () => storeBench()],
    ['media', () => mediaBench()],
    ['pipeline', () => pipelineBench()],
    ['e2e', () => e2eBench()],
    ['licensing', () => licensingBench()],
  ];
  const only = process.argv.slice(2);
  for (const [name, run] of benches) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}...\n`);
    const started = performance.now();
    sections.push(await run());
    process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const endLoad = loadavg();
  const header = [
    '# Performance',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB.`,
    'Each benchmark compares against a baseline measured in the same run; read the ratios, not the absolute figures, across machines.',
    `Load average when the run started: ${startLoad.map((n) => n.toFixed(1)).join(', ')}; when it ended: ${endLoad.map((n) => n.toFixed(1)).join(', ')} (1, 5, 15 minutes; the end includes this run's own load), on ${cpus().length} cores${startLoad[0]! > cpus().length * 0.75 ? ' — the machine was shared with other work, so the absolute figures are slower than on an idle one (the ratios less so)' : ''}.`,
    '',
  ];
  const text = [...header, ...sections].join('\n');
  process.stdout.write(text);
  // A partial run (`npm run bench -- pipeline`) prints its figures but leaves the full record alone.
  if (only.length > 0) return;
  const file = join(__dirname, '..', '..', 'docs', 'performance.md');
  // `npm run bench:media` owns a section of its own (minutes per run, so not part of this one): keep it.
  const kept = existsSync(file) ? keptSections(readFileSync(file, 'utf8')) : '';
  writeFileSync(file, `${text.trimEnd()}\n${kept ? `\n${kept}` : ''}`);
}

/** The blocks other bench commands write between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`. */
function keptSections(doc: string): string {
  return [...doc.matchAll(/<!-- bench:([\w-]+) -->\n[\s\S]*?<!-- \/bench:\1 -->\n/g)].map((m) => m[0]).join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
