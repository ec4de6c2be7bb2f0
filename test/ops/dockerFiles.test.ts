/**
 * Docker does not run on the project's machines, so the Dockerfile and docker-compose.yml are
 * checked here: their instructions, what they refer to in the repo, and the health check scripts
 * (the Dockerfile's is run against the app).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig, settings } from '../../src/config';
import { appRig, type AppRig } from '../bot/appRig';

const root = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
const defaultPort = settings.find((s) => s.name === 'PORT')!.default!;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the FROM stage it belongs to. */
  readonly stage: number;
}

/** The Dockerfile's instructions: comments dropped, `\` continuations joined. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  let stage = -1;
  return joined.split('\n').filter((l) => l.trim() !== '').map((line) => {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`not an instruction: ${line}`);
    if (m[1] === 'FROM') stage++;
    return { keyword: m[1]!, args: m[2]!.replace(/\s+/g, ' ').trim(), stage };
  });
}

/** The exec form `["a", "b"]` of CMD/HEALTHCHECK CMD as an array. */
function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  const parsed = JSON.parse(json) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`not an exec form: ${args}`);
  return parsed as string[];
}

/** npm packages the app's sources import (not node: built-ins, not relative paths). */
function importedPackages(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      // src/agents is the library's Agents SDK entry (`wecom-kf-botbuilder/agents`): the app never loads it.
      if (entry.isDirectory()) { if (path !== 'src/agents') walk(path); }
      else if (path.endsWith('.ts')) {
        // Import and export statements only (they start their line), not examples in comments or strings.
        for (const m of read(path).matchAll(/^(?:import|export|\}).* from '([^.'][^']*)'/gm)) {
          const spec = m[1]!;
          if (spec.startsWith('node:')) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk('src');
  return found;
}

describe('Dockerfile', () => {
  const all = dockerfile();
  const last = Math.max(...all.map((i) => i.stage));
  const runtime = all.filter((i) => i.stage === last);
  const build = all.filter((i) => i.stage === 0);
  const runs = runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');

  it('builds in a stage of its own and copies only dist/ from it', () => {
    expect(last).toBeGreaterThanOrEqual(1);
    expect(build[0]!.args).toMatch(/ AS build$/i);
    expect(build.some((i) => i.keyword === 'RUN' && i.args.includes('npm run build'))).toBe(true);
    // What the build stage copies exists in the repo.
    for (const copy of build.filter((i) => i.keyword === 'COPY')) {
      for (const source of copy.args.split(' ').slice(0, -1)) expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    }
    expect(runtime.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=')).map((i) => i.args)).toEqual(['--from=build /app/dist ./dist']);
  });

  it('installs production dependencies with npm ci --omit=dev, without the prepare script that needs TypeScript', () => {
    expect(runs).toContain('npm ci --omit=dev');
    expect(pkg.scripts.prepare).toBeDefined();
    expect(runs).toMatch(/npm ci --omit=dev[^&]*--ignore-scripts/);
    expect(Object.keys(pkg.dependencies)).not.toContain('typescript');
  });

  it('builds the native addons --ignore-scripts skipped that the app needs (better-sqlite3, the store lock)', () => {
    const native = Object.entries((pkg as { allowScripts?: Record<string, boolean> }).allowScripts ?? {}).filter(([name, allowed]) => allowed && name in pkg.dependencies).map(([name]) => name);
    expect(native).toEqual(['better-sqlite3']);
    for (const name of native) expect(runs).toContain(`npm rebuild ${name}`);
  });

  it('installs every package the app imports that npm ci --omit=dev leaves out (the peer dependencies)', () => {
    const leftOut = [...importedPackages()].filter((p) => !(p in pkg.dependencies));
    expect(leftOut.sort()).toEqual(['botbuilder', 'restify']);
    for (const name of leftOut) {
      expect(pkg.devDependencies[name]).toBeDefined(); // the version the Dockerfile reads
      expect({ name, installed: runs.includes(`'${name}'`) }).toEqual({ name, installed: true });
    }
    expect(runs).toMatch(/npm install --no-save --save-prod --omit=dev/);
  });

  it('runs as the non-root node user, from USER on to CMD', () => {
    const user = runtime.findIndex((i) => i.keyword === 'USER');
    const cmd = runtime.findIndex((i) => i.keyword === 'CMD');
    expect(user).toBeGreaterThanOrEqual(0);
    expect(runtime[user]!.args).toBe('node');
    expect(user).toBeLessThan(cmd);
    expect(runtime.slice(user + 1).filter((i) => i.keyword === 'USER')).toEqual([]);
  });

  it('exposes the default PORT and runs the built app entry, which the build produces from src/', () => {
    expect(runtime.find((i) => i.keyword === 'EXPOSE')!.args).toBe(defaultPort);
    expect(runtime.find((i) => i.keyword === 'ENV')!.args).toContain(`PORT=${defaultPort}`);
    const cmd = execForm(runtime.find((i) => i.keyword === 'CMD')!.args);
    expect(cmd[0]).toBe('node');
    const entry = cmd.at(-1)!;
    expect(entry).toBe('dist/bot/main.js');
    // tsconfig.build.json compiles src/ into dist/: dist/bot/main.js comes from src/bot/main.ts,
    // the file scripts/start.js (npm start) runs.
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(root, entry.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    expect(read('scripts/start.js')).toContain(`require('../${entry}')`);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'data', 'dist']) expect(ignored).toContain(entry);
  });

  describe('HEALTHCHECK', () => {
    let rig: AppRig | undefined;
    afterEach(async () => rig?.close());
    const script = (): string[] => {
      const hc = runtime.find((i) => i.keyword === 'HEALTHCHECK')!;
      expect(hc.args).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \[/);
      const command = execForm(hc.args);
      expect(command.slice(0, 2)).toEqual(['node', '-e']); // no curl in slim images
      expect(command[2]).toContain('/healthz');
      return command;
    };
    const run = async (command: string[], port: number): Promise<number> => {
      try {
        await promisify(execFile)(process.execPath, command.slice(1), { env: { ...process.env, PORT: String(port) }, timeout: 20_000 });
        return 0;
      } catch (e) {
        return (e as { code?: number }).code ?? -1;
      }
    };

    it('passes against the running app and fails when nothing answers', async () => {
      const command = script();
      rig = await appRig();
      const port = Number(new URL(rig.url).port);
      expect(await run(command, port)).toBe(0);
      await rig.close();
      rig = undefined;
      expect(await run(command, port)).toBe(1);
    });
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: string;
    command?: string[];
    environment?: Record<string, string>;
    env_file?: { path: string; required?: boolean }[];
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
    volumes?: string[];
    ports?: string[];
  }
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
  const apps = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
  const [mongoName, mongo] = Object.entries(compose.services).find(([, s]) => s.image?.startsWith('mongo:'))!;
  const replSet = mongo.command![mongo.command!.indexOf('--replSet') + 1]!;

  it('runs MongoDB as a replica set whose health check initiates it, naming the member as the apps reach it', () => {
    expect(replSet).toBe('rs0');
    const test = mongo.healthcheck!.test;
    expect(test.slice(0, 2)).toEqual(['CMD', 'mongosh']);
    const script = test.at(-1)!;
    expect(script).toContain(`rs.initiate({ _id: '${replSet}'`);
    expect(script).toContain(`host: '${mongoName}:27017'`);
    expect(() => new Function(script)).not.toThrow(); // mongosh runs JavaScript
  });

  it('runs two instances of the image on the replica set, each with a DATA_DIR of its own', () => {
    expect(apps).toHaveLength(2);
    const dataVolumes = new Set<string>();
    const hostPorts = new Set<string>();
    for (const [name, app] of apps) {
      expect({ name, build: app.build }).toEqual({ name, build: '.' });
      const uri = new URL(app.environment!.MONGODB_URI!);
      expect({ name, host: uri.host, replicaSet: uri.searchParams.get('replicaSet') }).toEqual({ name, host: `${mongoName}:27017`, replicaSet: replSet });
      // The app's own config accepts it.
      expect(loadConfig({ MONGODB_URI: app.environment!.MONGODB_URI }).mongodbUri).toBe(app.environment!.MONGODB_URI);
      expect(app.depends_on![mongoName]).toEqual({ condition: 'service_healthy' });
      expect(app.env_file).toEqual([{ path: '.env', required: false }]);
      const dataDir = app.environment!.DATA_DIR!;
      const volume = app.volumes!.find((v) => v.endsWith(`:${dataDir}`))!;
      expect(volume).toBeDefined();
      dataVolumes.add(volume.split(':')[0]!);
      const [host, container] = app.ports![0]!.split(':');
      expect(container).toBe(app.environment!.PORT ?? defaultPort);
      hostPorts.add(host!);
    }
    expect(dataVolumes.size).toBe(2);
    expect(hostPorts.size).toBe(2);
    for (const volume of [...dataVolumes, 'mongo-data']) expect(Object.keys(compose.volumes)).toContain(volume);
  });
});
