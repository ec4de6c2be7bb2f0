import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from '../src/config';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** Rows of the README's configuration table: variable → { default, secret }. */
function configRows(): Map<string, { default: string; secret: boolean }> {
  const rows = new Map<string, { default: string; secret: boolean }>();
  for (const line of readme.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (.*?) \| (yes)? ?\| /.exec(line);
    if (m) rows.set(m[1]!, { default: m[2]!.replace(/`/g, ''), secret: m[3] === 'yes' });
  }
  return rows;
}

describe('README', () => {
  it('documents every setting of the config schema, with its default and secrecy, and no others', () => {
    const rows = configRows();
    expect([...rows.keys()].sort()).toEqual(settings.map((s) => s.name).sort());
    for (const s of settings) {
      const row = rows.get(s.name)!;
      expect({ name: s.name, secret: row.secret }).toEqual({ name: s.name, secret: s.secret });
      if (s.default !== undefined) expect({ name: s.name, default: row.default }).toEqual({ name: s.name, default: s.default });
    }
  });

  it('tells each framework\'s users what to install: the optional peers package.json declares', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    const frameworks = { botbuilder: ['botbuilder'], agents: ['@microsoft/agents-hosting', '@microsoft/agents-activity'] };
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual([...frameworks.botbuilder, ...frameworks.agents, 'restify'].sort());
    for (const name of Object.keys(pkg.peerDependencies)) expect({ name, ...pkg.peerDependenciesMeta[name] }).toEqual({ name, optional: true });
    expect(readme).toContain(`npm install wecom-kf-botbuilder ${frameworks.botbuilder.join(' ')}`);
    expect(readme).toContain(`npm install wecom-kf-botbuilder ${frameworks.agents.join(' ')}`);
    // The lowest versions the README names are the ranges' floors.
    expect(pkg.peerDependencies.botbuilder).toBe('^4.14.0');
    expect(readme).toContain('any 4.x from 4.14 on works');
    for (const name of frameworks.agents) expect(pkg.peerDependencies[name]).toBe('^1.8.0');
    expect(readme).toContain('1.8 or later');
  });

  it('gives the two commands and the test command CI runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
    expect(readFileSync(join(__dirname, '..', '.ci', 'run'), 'utf8')).toContain('npm test');
  });
});
