// Builds with tsc only when a source is newer than the last build, so `npm start` and
// `npm run bench` stay quick on a second run and always run what is in src/.
// Usage: node scripts/ensureBuilt.js [bench]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const target = process.argv[2] === 'bench'
  ? { project: 'tsconfig.bench.json', outDir: 'dist-bench', inputs: ['src', 'bench'] }
  : { project: 'tsconfig.build.json', outDir: 'dist', inputs: ['src'] };

function newestMtime(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

const stamp = path.join(root, target.outDir, '.buildstamp');
const built = newestMtime(stamp);
const sources = Math.max(
  ...target.inputs.map((dir) => newestMtime(path.join(root, dir))),
  newestMtime(path.join(root, 'tsconfig.json')),
  newestMtime(path.join(root, target.project)),
  newestMtime(path.join(root, 'package.json')),
);

if (built === 0 || sources > built) {
  process.stderr.write(`building ${target.outDir}/ with tsc -p ${target.project} ...\n`);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', target.project], { cwd: root, stdio: 'inherit' });
  // The web console's browser bundle (esbuild, a dev dependency: a production install ships dist/ built).
  if (target.outDir === 'dist') require('./buildConsole.js').buildConsole();
  fs.writeFileSync(stamp, new Date().toISOString() + '\n');
}
