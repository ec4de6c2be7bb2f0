// Bundles the console's browser code (src/consoleUi) into dist/console/app.js and app.css.
// Written to a temporary file and renamed, so a server (or a parallel test) never reads half a file.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function buildConsole(outDir = path.join(root, 'dist', 'console')) {
  const esbuild = require('esbuild');
  const result = esbuild.buildSync({
    entryPoints: { app: path.join(root, 'src', 'consoleUi', 'main.ts') },
    bundle: true, format: 'iife', target: ['es2022'], minify: true, legalComments: 'none', write: false, outdir: outDir, logLevel: 'warning',
  });
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, file.contents);
    fs.renameSync(tmp, file.path);
  }
  return outDir;
}

module.exports = { buildConsole };
if (require.main === module) buildConsole();
