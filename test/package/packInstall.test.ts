/**
 * The package as a user installs it: `npm pack`, then the tarball installed into an empty folder
 * together with botbuilder and restify (the peers a user brings), and the README's program run there
 * unchanged against the emulator. Uses the registry through npm's cache (--prefer-offline): after
 * `npm ci` most tarballs are cached, so this takes some 20–60 s. better-sqlite3's native addon (the
 * embedded store's OS lock) is the one the repo's own `npm ci` built: the same pinned version for the
 * same Node, so building it a second time (a minute of CPU) would test better-sqlite3, not us.
 *
 * PACK_TEST_BOTBUILDER / PACK_TEST_RESTIFY pick the peer versions (default: the repo's own), e.g.
 * the lowest of the declared ranges: PACK_TEST_BOTBUILDER=4.14.0 PACK_TEST_RESTIFY=10.0.0.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isBotProgram, readmePrograms, runProgram } from '../support/readmeProgram';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>; peerDependencies?: Record<string, string>;
};
const programs = readmePrograms(readFileSync(join(root, 'README.md'), 'utf8')).filter(isBotProgram);
const botbuilder = process.env.PACK_TEST_BOTBUILDER ?? pkg.devDependencies.botbuilder!;
const restify = process.env.PACK_TEST_RESTIFY ?? pkg.devDependencies.restify!;
jest.setTimeout(240_000);

const npm = (args: string[], cwd: string): string =>
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed package, installed into an empty folder', () => {
  let dir: string;
  let app: string;
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wecom-pack-'));
    // `npm pack` runs `prepare`, which builds dist/ when a source is newer than the last build.
    const out = npm(['pack', '--json', '--pack-destination', dir], root);
    packed = (JSON.parse(out.slice(out.indexOf('['))) as typeof packed[])[0]!;
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true }));
    // --ignore-scripts skips restify's optional native dtrace build and better-sqlite3's addon build.
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts',
      join(dir, packed.filename), `botbuilder@${botbuilder}`, `restify@${restify}`], app);
    const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    mkdirSync(dirname(join(app, addon)), { recursive: true });
    copyFileSync(join(root, addon), join(app, addon));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the build, the manifest, README and LICENSE, and no tests or sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'manifest.json', 'README.md', 'LICENSE', 'package.json', '.env.example']));
    expect(paths.filter((p) => /^(test|src|bench|scripts|docs|\.ci)\//.test(p) || p.endsWith('.map') || p.includes('.buildstamp'))).toEqual([]);
  });

  it('is MIT-licensed, public, and takes botbuilder (and restify, optionally) from the bot', () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'wecom-kf-botbuilder', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(installed).toMatchObject({ license: 'MIT', peerDependencies: { botbuilder: expect.any(String), restify: expect.any(String) }, peerDependenciesMeta: { restify: { optional: true } } });
    expect(installed.private).toBeUndefined();
    expect(Object.keys(installed.dependencies as object)).not.toEqual(expect.arrayContaining(['botbuilder']));
    expect(Object.keys(installed.dependencies as object)).not.toEqual(expect.arrayContaining(['restify']));
    // One botbuilder for bot and adapter: the bot's own copy, not one nested under the package.
    expect(existsSync(join(app, 'node_modules', 'wecom-kf-botbuilder', 'node_modules', 'botbuilder'))).toBe(false);
    expect(JSON.parse(readFileSync(join(app, 'node_modules', 'botbuilder', 'package.json'), 'utf8'))).toMatchObject({ version: botbuilder });
  });

  it('exports WeComAdapter to CommonJS require', () => {
    const out = execFileSync(process.execPath, ['-e', "const m = require('wecom-kf-botbuilder'); console.log(typeof m.WeComAdapter, typeof m.isFinalRefusal)"], { cwd: app, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(out.trim()).toBe('function function');
  });

  it.each(programs.map((source, i) => [i + 1, source] as const))('runs README program %i unchanged: an emulated WeChat customer gets the answer', async (n, source) => {
    const text = `hello from the installed package ${n}`;
    const run = await runProgram(source, `readme-${n}.js`, { dir: app, text });
    expect(run.received.map((m) => m.msgtype)).toEqual(['text']);
    expect((run.received[0]!.payload as { content: string }).content).toContain(text);
  });
});
