/**
 * The channel engine, the core types, the rules, licensing and the store load without any bot
 * framework: an Agents SDK user's process never loads botbuilder, and the botbuilder shell never
 * loads the Agents SDK. (The import of either framework is made to throw; the shell proves it does.)
 */
const frameworks = ['botbuilder', '@microsoft/agents-hosting', '@microsoft/agents-activity'];

async function loadWithoutFrameworks(path: string): Promise<unknown> {
  let loaded: unknown;
  await jest.isolateModulesAsync(async () => {
    for (const name of frameworks) jest.doMock(name, () => { throw new Error(`${name} was loaded`); });
    loaded = await import(path);
  });
  return loaded;
}

describe('framework-free engine', () => {
  afterEach(() => {
    for (const name of frameworks) jest.dontMock(name);
  });

  it.each(['../../src/channel', '../../src/core', '../../src/adapter', '../../src/wecom', '../../src/channels', '../../src/middleware', '../../src/licensing', '../../src/store'])('%s loads without botbuilder or the Agents SDK', async (path) => {
    await expect(loadWithoutFrameworks(path)).resolves.toBeDefined();
  });

  it('the botbuilder shell does load botbuilder (the check above can fail)', async () => {
    await expect(loadWithoutFrameworks('../../src/botbuilder')).rejects.toThrow('botbuilder was loaded');
  });
});
