/**
 * The package as a user installs it: `npm pack`, then the tarball installed into empty folders,
 * once with botbuilder and restify (the Bot Framework SDK bot's peers) and once with the Microsoft
 * 365 Agents SDK only (no botbuilder), and the README's programs run there unchanged against the
 * emulator. Uses the registry through npm's cache (--prefer-offline): after `npm ci` every tarball
 * is cached (the Agents SDK packages and @types/node are dev dependencies of the repo), so each
 * install takes some 20–60 s. better-sqlite3's native addon (the embedded store's OS lock) is the
 * one the repo's own `npm ci` built: the same pinned version for the same Node, so building it a
 * second time (a minute of CPU) would test better-sqlite3, not us.
 *
 * PACK_TEST_BOTBUILDER / PACK_TEST_RESTIFY / PACK_TEST_AGENTS pick the peer versions (default: the
 * repo's own), e.g. the lowest published in the declared ranges:
 * PACK_TEST_BOTBUILDER=4.14.0 PACK_TEST_RESTIFY=10.0.0 PACK_TEST_AGENTS=1.8.1 (there is no 1.8.0).
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isAgentsProgram, isBotProgram, readmePrograms, readmeTypeScriptPrograms, runProgram } from '../support/readmeProgram';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>; peerDependencies?: Record<string, string>;
};
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const botPrograms = readmePrograms(readme).filter(isBotProgram);
const botbuilderPrograms = botPrograms.filter((p) => !isAgentsProgram(p));
const agentsPrograms = botPrograms.filter(isAgentsProgram);
const agentsTypeScript = readmeTypeScriptPrograms(readme).filter((p) => p.includes("from 'wecom-kf-botbuilder/agents'"));
const botbuilder = process.env.PACK_TEST_BOTBUILDER ?? pkg.devDependencies.botbuilder!;
const restify = process.env.PACK_TEST_RESTIFY ?? pkg.devDependencies.restify!;
const agents = {
  hosting: process.env.PACK_TEST_AGENTS ?? pkg.devDependencies['@microsoft/agents-hosting']!,
  activity: process.env.PACK_TEST_AGENTS ?? pkg.devDependencies['@microsoft/agents-activity']!,
};
jest.setTimeout(240_000);

const npm = (args: string[], cwd: string): string =>
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** `node -e script` in `cwd`, with nothing from this process's environment but PATH (no NODE_PATH). */
const node = (cwd: string, args: string[]): string =>
  execFileSync(process.execPath, args, { cwd, env: { PATH: process.env.PATH }, encoding: 'utf8' });

let dir: string;
let tarball: string;
let packed: { filename: string; files: { path: string }[] };

/** An empty app folder with the tarball and `deps` installed, as `npm install` in a new project does. */
function install(name: string, deps: string[]): string {
  const app = join(dir, name);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name, private: true }));
  // --ignore-scripts skips restify's optional native dtrace build and better-sqlite3's addon build.
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball, ...deps], app);
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  mkdirSync(dirname(join(app, addon)), { recursive: true });
  copyFileSync(join(root, addon), join(app, addon));
  return app;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wecom-pack-'));
  // `npm pack` runs `prepare`, which builds dist/ when a source is newer than the last build.
  const out = npm(['pack', '--json', '--pack-destination', dir], root);
  packed = (JSON.parse(out.slice(out.indexOf('['))) as typeof packed[])[0]!;
  tarball = join(dir, packed.filename);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  it('ships the build of both entries, the manifest, README and LICENSE, and no tests or sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([
      'dist/index.js', 'dist/index.d.ts', 'dist/agents/index.js', 'dist/agents/index.d.ts',
      'manifest.json', 'README.md', 'LICENSE', 'package.json', '.env.example',
    ]));
    expect(paths.filter((p) => /^(test|src|bench|scripts|docs|\.ci)\//.test(p) || p.endsWith('.map') || p.includes('.buildstamp'))).toEqual([]);
  });
});

describe('installed with botbuilder, for a Bot Framework SDK bot', () => {
  let app: string;
  beforeAll(() => {
    app = install('readme-app', [`botbuilder@${botbuilder}`, `restify@${restify}`]);
  });

  it('is MIT-licensed, public, and takes each framework (all optional peers) from the bot', () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'wecom-kf-botbuilder', 'package.json'), 'utf8')) as Record<string, unknown>;
    const peers = ['botbuilder', '@microsoft/agents-hosting', '@microsoft/agents-activity', 'restify'];
    expect(installed).toMatchObject({
      license: 'MIT',
      peerDependencies: Object.fromEntries(peers.map((p) => [p, expect.any(String)])),
      peerDependenciesMeta: Object.fromEntries(peers.map((p) => [p, { optional: true }])),
    });
    expect(installed.private).toBeUndefined();
    expect(Object.keys(installed.dependencies as object)).not.toEqual(expect.arrayContaining(['botbuilder']));
    expect(Object.keys(installed.dependencies as object)).not.toEqual(expect.arrayContaining(['restify']));
    // One botbuilder for bot and adapter: the bot's own copy, not one nested under the package.
    expect(existsSync(join(app, 'node_modules', 'wecom-kf-botbuilder', 'node_modules', 'botbuilder'))).toBe(false);
    expect(JSON.parse(readFileSync(join(app, 'node_modules', 'botbuilder', 'package.json'), 'utf8'))).toMatchObject({ version: botbuilder });
    // An optional peer is not installed for the bot: a botbuilder bot does not get the Agents SDK.
    expect(existsSync(join(app, 'node_modules', '@microsoft', 'agents-hosting'))).toBe(false);
  });

  it('exports WeComAdapter to CommonJS require', () => {
    const out = node(app, ['-e', "const m = require('wecom-kf-botbuilder'); console.log(typeof m.WeComAdapter, typeof m.isFinalRefusal)"]);
    expect(out.trim()).toBe('function function');
  });

  it.each(botbuilderPrograms.map((source, i) => [i + 1, source] as const))('runs README program %i unchanged: an emulated WeChat customer gets the answer', async (n, source) => {
    const text = `hello from the installed package ${n}`;
    const run = await runProgram(source, `readme-${n}.js`, { dir: app, text });
    expect(run.received.map((m) => m.msgtype)).toEqual(['text']);
    expect((run.received[0]!.payload as { content: string }).content).toContain(text);
  });
});

describe('installed with the Microsoft 365 Agents SDK only, no botbuilder', () => {
  let app: string;
  beforeAll(() => {
    // @types/node for the TypeScript consumer below; the compiler is the repo's own.
    app = install('agents-app', [
      `@microsoft/agents-hosting@${agents.hosting}`, `@microsoft/agents-activity@${agents.activity}`, `@types/node@${pkg.devDependencies['@types/node']!}`,
    ]);
  });

  it('installs without botbuilder (an optional peer), so nothing pulls it in', () => {
    expect(existsSync(join(app, 'node_modules', 'botbuilder'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'wecom-kf-botbuilder', 'node_modules', 'botbuilder'))).toBe(false);
  });

  it('gives WeComAdapter from the /agents entry to require and to import', () => {
    expect(node(app, ['-e', "const m = require('wecom-kf-botbuilder/agents'); console.log(typeof m.WeComAdapter, typeof m.isFinalRefusal)"]).trim())
      .toBe('function function');
    expect(node(app, ['--input-type=module', '-e', "import { WeComAdapter } from 'wecom-kf-botbuilder/agents'; console.log(typeof WeComAdapter)"]).trim())
      .toBe('function');
  });

  it('the main entry says to install botbuilder or to use /agents, instead of a deep module error', () => {
    const out = node(app, ['-e', `
      try { require('wecom-kf-botbuilder'); console.log(JSON.stringify({ loaded: true })); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`]);
    const seen = JSON.parse(out.trim()) as { name: string; code: string; message: string };
    expect(seen).toMatchObject({ name: 'BotbuilderMissingError', code: 'botbuilder_missing' });
    expect(seen.message).toContain('npm install botbuilder');
    expect(seen.message).toContain("require('wecom-kf-botbuilder/agents')");
  });

  it('runs the wecom-kf-sandbox command (the emulator needs no framework)', () => {
    const out = execFileSync(join(app, 'node_modules', '.bin', 'wecom-kf-sandbox'), ['--help'], { cwd: app, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(out).toContain('Usage: wecom-kf-sandbox');
  });

  it('the README has a TypeScript Agents SDK program for the compiler test below', () => {
    expect(agentsTypeScript.length).toBeGreaterThan(0);
  });

  describe('a TypeScript consumer of /agents (the README\'s program), skipLibCheck false', () => {
    const resolutions = ['node10', 'node16'] as const;
    const compiled = new Map<string, { status: number | null; output: string }>();
    beforeAll(async () => {
      // Both compilations at once: each checks every declaration file it reaches (the Agents SDK's too).
      await Promise.all(resolutions.map(async (resolution) => {
        const project = join(app, `ts-${resolution}`);
        mkdirSync(project);
        agentsTypeScript.forEach((source, i) => writeFileSync(join(project, `readme-${i + 1}.ts`), source));
        writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
          compilerOptions: {
            strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', types: ['node'],
            ...(resolution === 'node10'
              // What `module: commonjs` users get by default; TypeScript 6 deprecates it (still supported until 7).
              ? { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' }
              : { module: 'node16', moduleResolution: 'node16' }),
          },
          include: ['*.ts'],
        }));
        compiled.set(resolution, await tsc(project));
      }));
    });

    it.each(resolutions)('compiles under moduleResolution %s', (resolution) => {
      expect(compiled.get(resolution)).toEqual({ status: 0, output: '' });
    });
  });

  it.each(agentsPrograms.map((source, i) => [i + 1, source] as const))('runs README Agents SDK program %i unchanged: the customer gets answers, and state is kept', async (n, source) => {
    const text = `hello from the Agents SDK ${n}`;
    const run = await runProgram(source, `readme-agents-${n}.js`, { dir: app, text, then: ['again'] });
    const texts = run.received.map((m) => (m.msgtype === 'text' ? (m.payload as { content: string }).content : m.msgtype));
    expect(texts).toEqual([expect.stringContaining(text), expect.stringContaining('again')]);
    expect(texts[0]).toContain('(message 1)');
    expect(texts[1]).toContain('(message 2)');
  });
});

/** The repo's TypeScript compiler on `project`; exit status and everything it printed. */
function tsc(project: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, output: `${stdout}${stderr}` });
    });
  });
}
