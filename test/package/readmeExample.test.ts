/**
 * The README's bot programs ("Use it in your bot" on botbuilder, and the Agents SDK one), run
 * unchanged against the emulator with `require('wecom-kf-botbuilder')` (and `/agents`) resolving to
 * this repo's build: a customer writes, the answer arrives. (test/package/packInstall.test.ts does
 * the same with the package installed from its tarball.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAgentsProgram, isBotProgram, readmePrograms, runProgram } from '../support/readmeProgram';

const root = join(__dirname, '..', '..');
const allPrograms = readmePrograms(readFileSync(join(root, 'README.md'), 'utf8'));
const programs = allPrograms.filter((p) => isBotProgram(p) && !isAgentsProgram(p));
const agentsPrograms = allPrograms.filter(isAgentsProgram);
const scripts = allPrograms.filter((p) => !isBotProgram(p));
jest.setTimeout(120_000);

describe('README programs, run unchanged', () => {
  let dir: string;
  let modules: string;
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'ensureBuilt.js')], { cwd: root, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'wecom-readme-'));
    modules = join(dir, 'modules');
    mkdirSync(modules);
    // The package by its published name (its `exports` map `/agents`); its own dependencies and the
    // program's (botbuilder, restify, the Agents SDK) come from the repo's node_modules, so bot and
    // adapter share one framework.
    symlinkSync(root, join(modules, 'wecom-kf-botbuilder'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the README has a runnable example for each framework', () => {
    expect(programs.length).toBeGreaterThan(0);
    expect(programs.some((p) => p.includes("require('wecom-kf-botbuilder')"))).toBe(true);
    expect(agentsPrograms.length).toBeGreaterThan(0);
  });

  it.each(programs.map((source, i) => [i + 1, source] as const))('program %i answers an emulated WeChat customer', async (n, source) => {
    const text = `hello from README program ${n} 你好`;
    const run = await runProgram(source, `readme-${n}.js`, { dir, nodePath: [modules, join(root, 'node_modules')], text });
    expect(run.received.map((m) => m.msgtype)).toEqual(['text']);
    expect((run.received[0]!.payload as { content: string }).content).toContain(text);
  });

  it.each(agentsPrograms.map((source, i) => [i + 1, source] as const))('Agents SDK program %i answers an emulated WeChat customer and keeps its state', async (n, source) => {
    const text = `hello from README Agents SDK program ${n} 你好`;
    const run = await runProgram(source, `readme-agents-${n}.js`, { dir, nodePath: [modules, join(root, 'node_modules')], text, then: ['again'] });
    const texts = run.received.map((m) => (m.msgtype === 'text' ? (m.payload as { content: string }).content : m.msgtype));
    expect(texts).toEqual([expect.stringContaining(text), expect.stringContaining('again')]);
    expect(texts[0]).toContain('(message 1)');
    expect(texts[1]).toContain('(message 2)');
  });

  it.each(scripts.map((source, i) => [i + 1, source] as const))('script %i (not a bot) runs unchanged to its end', (n, source) => {
    const file = join(dir, `readme-script-${n}.js`);
    writeFileSync(file, source);
    const run = spawnSync(process.execPath, [file], {
      cwd: dir, timeout: 60_000, encoding: 'utf8',
      env: { ...process.env, NODE_PATH: [modules, join(root, 'node_modules')].join(':'), DATA_DIR: join(dir, `data-${n}`) },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
