import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import manifest from '../manifest.json';
import pkg from '../package.json';
import { settings } from '../src/config';
import { licensingJobName } from '../src/licensing';
import { appRig } from './bot/appRig';

describe('manifest.json', () => {
  it('lists exactly the settings of the config schema, with the same types, defaults and secrecy', () => {
    const fromSchema = settings.map((s) => ({ name: s.name, type: s.type, secret: s.secret, default: s.default }));
    const fromManifest = manifest.settings.map((s: { name: string; type: string; secret: boolean; default?: string }) =>
      ({ name: s.name, type: s.type, secret: s.secret, default: s.default }));
    expect(fromManifest).toEqual(fromSchema);
  });

  it('carries the package version and the routes of architecture.md', () => {
    expect(manifest.version).toBe(pkg.version);
    const routes = manifest.routes.map((r: { method: string; path: string }) => `${r.method} ${r.path}`);
    expect(routes).toEqual(expect.arrayContaining(['GET /api/wecom/callback', 'POST /api/wecom/callback', 'GET /api/wecom/suite', 'POST /api/wecom/suite', 'GET /healthz', 'GET /metrics']));
  });

  it('lists exactly the routes the app server registers (the admin API with TEST_CLOCK on; the sandbox\'s under /sandbox/*)', async () => {
    const rig = await appRig({ testClock: true });
    try {
      const served = Object.values(rig.server.router.getDebugInfo() as Record<string, { method: string; path: string }>)
        .map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
      const listed = manifest.routes.filter((r) => r.path !== '/sandbox/*').map((r) => `${r.method} ${r.path}`).sort();
      expect(listed).toEqual(served);
      expect(manifest.routes.filter((r) => r.path === '/sandbox/*')).toHaveLength(1);
    } finally {
      await rig.close();
    }
  });

  it('lists the scheduled jobs, each on a schedule setting of the config schema or a fixed interval', () => {
    expect(manifest.jobs.map((j) => j.name)).toEqual(expect.arrayContaining([licensingJobName, 'kf-sweep']));
    for (const job of manifest.jobs) {
      const setting = settings.find((s) => s.name === job.schedule);
      expect({ job: job.name, schedule: setting ? 'setting' : /^every \d+ s$/.test(job.schedule) ? 'interval' : job.schedule })
        .toEqual({ job: job.name, schedule: expect.stringMatching(/^(setting|interval)$/) });
      if (setting) expect({ job: job.name, default: job.default }).toEqual({ job: job.name, default: setting.default });
    }
  });
});

describe('.env.example', () => {
  it('mentions every setting of the config schema', () => {
    const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
    for (const s of settings) expect({ name: s.name, present: example.includes(`${s.name}=`) }).toEqual({ name: s.name, present: true });
  });
});
