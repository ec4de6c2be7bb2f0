/**
 * The main entry without botbuilder (an Agents SDK bot that imported it by mistake): one clear error
 * naming both fixes, instead of Node's "Cannot find module 'botbuilder'" from deep inside dist/.
 * The entry is loaded from its sources (compiled by swc as they load, so no build of dist/ that other
 * tests may be writing at the same time) in a child process whose module resolution refuses
 * botbuilder, as a folder without it would (test/package/packInstall.test.ts does it with a real
 * install of the packed package).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { assertBotbuilderInstalled, BotbuilderMissingError } from '../src/botbuilderGuard';
import { isChannelError } from '../src/common';

const root = join(__dirname, '..');
jest.setTimeout(60_000);

const notFound = (id: string): never => {
  throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
};

describe('the main entry\'s botbuilder guard', () => {
  it('says to install botbuilder, or to use the /agents entry, when botbuilder cannot be resolved', () => {
    let thrown: unknown;
    try {
      assertBotbuilderInstalled(notFound);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BotbuilderMissingError);
    expect(isChannelError(thrown, 'botbuilder_missing')).toBe(true);
    const { message, cause } = thrown as BotbuilderMissingError;
    expect(message).toContain('npm install botbuilder');
    expect(message).toContain("require('wecom-kf-botbuilder/agents')");
    expect(cause).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('lets any other resolution failure through as it is, and passes when botbuilder resolves', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(() => assertBotbuilderInstalled(() => { throw denied; })).toThrow(denied);
    expect(() => assertBotbuilderInstalled((id) => `/node_modules/${id}/index.js`)).not.toThrow();
  });

  describe('the main entry, loaded by node', () => {
    /** Requires src/index.ts in a fresh node, optionally with botbuilder unresolvable; returns what it saw. */
    const load = (refuseBotbuilder: boolean): { loaded?: string[]; error?: { name: string; code?: string; message: string } } => {
      const script = `
        const { readFileSync } = require('node:fs');
        const { transformSync } = require('@swc/core');
        require.extensions['.ts'] = (module, filename) => {
          const { code } = transformSync(readFileSync(filename, 'utf8'), { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
          module._compile(code, filename);
        };
        const Module = require('node:module');
        const resolve = Module._resolveFilename;
        if (${refuseBotbuilder}) Module._resolveFilename = function (request, ...rest) {
          if (request === 'botbuilder' || request.startsWith('botbuilder/')) {
            throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
          }
          return resolve.call(this, request, ...rest);
        };
        try {
          const m = require(${JSON.stringify(join(root, 'src', 'index.ts'))});
          console.log(JSON.stringify({ loaded: [typeof m.WeComAdapter, typeof m.isFinalRefusal] }));
        } catch (e) {
          console.log(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } }));
        }`;
      const out = execFileSync(process.execPath, ['-e', script], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8' });
      return JSON.parse(out.trim().split('\n').pop()!) as ReturnType<typeof load>;
    };

    it('throws BotbuilderMissingError with both fixes, not a deep module error', () => {
      const { error } = load(true);
      expect(error).toMatchObject({ name: 'BotbuilderMissingError', code: 'botbuilder_missing' });
      expect(error!.message).toContain('npm install botbuilder');
      expect(error!.message).toContain("require('wecom-kf-botbuilder/agents')");
    });

    it('loads as before when botbuilder is there', () => {
      expect(load(false)).toEqual({ loaded: ['function', 'function'] });
    });
  });
});
