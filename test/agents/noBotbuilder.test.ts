/**
 * The `./agents` entry serves an Agents SDK bot in a project without botbuilder: nothing it loads
 * at run time, and no type declaration it reaches, may name botbuilder. Checked on a build of src/
 * as `npm run build` makes it (tsconfig.build.json), written to a folder of its own so that a
 * build of dist/ running at the same time (the package test's) cannot change it under the test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
jest.setTimeout(240_000);
// Inside node_modules, so the build's requires resolve to the repo's dependencies as dist/'s do.
const cache = join(root, 'node_modules', '.cache');
let build: string;

/** Runs `script` in a fresh node where requiring botbuilder (or any botbuilder-* package) fails as if it were not installed. */
function withoutBotbuilder(script: string): { ok: boolean; output: string } {
  const refuse = `
    const Module = require('node:module');
    const resolveFilename = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (/^botbuilder(-[a-z-]+)?(\\/|$)/.test(request)) {
        const e = new Error("Cannot find module '" + request + "'");
        e.code = 'MODULE_NOT_FOUND';
        throw e;
      }
      return resolveFilename.call(this, request, ...rest);
    };
  `;
  try {
    const output = execFileSync(process.execPath, ['-e', refuse + script], { cwd: build, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, output };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Every .d.ts file reachable from `entry` through relative imports, with the bare modules each names. */
function declarationClosure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    seen.set(file, specifiers.filter((s) => !s.startsWith('.')));
    for (const s of specifiers.filter((x) => x.startsWith('.'))) {
      const base = resolve(dirname(file), s);
      const next = [`${base}.d.ts`, join(base, 'index.d.ts')].find((f) => existsSync(f));
      if (next) queue.push(next);
    }
  }
  return seen;
}

describe('wecom-kf-botbuilder/agents without botbuilder installed', () => {
  beforeAll(() => {
    mkdirSync(cache, { recursive: true });
    build = mkdtempSync(join(cache, 'agents-entry-'));
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', build, '--sourceMap', 'false'], { cwd: root, stdio: 'pipe' });
  });
  afterAll(() => {
    if (build) rmSync(build, { recursive: true, force: true });
  });

  it('loads, and hands out the shell and the framework-free parts', () => {
    const { ok, output } = withoutBotbuilder(`
      const agents = require('./agents/index.js');
      const names = ['WeComAdapter', 'WeComAgentsAdapter', 'WeComEmulator', 'openStore', 'LicensingService', 'WeComChannelError', 'WeComClient'];
      console.log(JSON.stringify(names.filter((n) => agents[n] === undefined)));
      console.log(String(agents.WeComAdapter === agents.WeComAgentsAdapter));
    `);
    expect({ ok, output }).toEqual({ ok: true, output: '[]\ntrue\n' });
  });

  it('is a real check: the Bot Framework entry does need botbuilder', () => {
    const { ok, output } = withoutBotbuilder("require('./index.js');");
    expect(ok).toBe(false);
    expect(output).toMatch(/botbuilder/);
  });

  it('declares no type from botbuilder anywhere its declarations reach', () => {
    const closure = declarationClosure(join(build, 'agents', 'index.d.ts'));
    expect(closure.size).toBeGreaterThan(10);
    const naming = [...closure].filter(([, modules]) => modules.some((m) => /^botbuilder/.test(m))).map(([file]) => file.slice(build.length + 1));
    expect(naming).toEqual([]);
  });
});
