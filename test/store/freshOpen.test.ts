/** `fresh: true` (the sandbox's store): empty at open, but only once the data-dir lock is held. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BaseDocument, EmbeddedStore, StoreLockedError } from '../../src/store';

interface Note extends BaseDocument {
  text: string;
}

describe('EmbeddedStore fresh open', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wecom-fresh-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty after an earlier run', async () => {
    const first = await EmbeddedStore.open({ dataDir: dir });
    await first.collection<Note>('notes').insertOne({ _id: 'a', text: 'from the last run' });
    await first.close();
    const again = await EmbeddedStore.open({ dataDir: dir, fresh: true });
    expect(await again.collection<Note>('notes').find({})).toEqual([]);
    await again.close();
  });

  it('refuses while another store holds the folder, and wipes nothing', async () => {
    const running = await EmbeddedStore.open({ dataDir: dir });
    await running.collection<Note>('notes').insertOne({ _id: 'a', text: 'in use' });
    await expect(EmbeddedStore.open({ dataDir: dir, fresh: true })).rejects.toBeInstanceOf(StoreLockedError);
    const reopened = await EmbeddedStore.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(reopened).toBeInstanceOf(StoreLockedError); // the lock survived the refused open
    await running.close();
    const after = await EmbeddedStore.open({ dataDir: dir });
    expect(await after.collection<Note>('notes').find({})).toMatchObject([{ _id: 'a', text: 'in use' }]);
    await after.close();
  });
});
