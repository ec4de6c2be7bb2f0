import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import manifest from '../manifest.json';
import pkg from '../package.json';
import { settings } from '../src/config';

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
});

describe('.env.example', () => {
  it('mentions every setting of the config schema', () => {
    const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
    for (const s of settings) expect({ name: s.name, present: example.includes(`${s.name}=`) }).toEqual({ name: s.name, present: true });
  });
});
