import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore, type Store } from '../../src/store';
import { storeContract } from './contract';

const dirs = new Map<Store, string>();

// Twice: with the recently used documents cached (the default), and with every document read from the file.
describe.each([['recent documents cached', undefined], ['every document read from the file', 0]])('embedded store (SQLite, %s): the store contract', (_, cachedDocuments) => {
  storeContract({
    async open(clock) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sqlite-'));
      const store = await SqliteStore.open({ dataDir, clock, cachedDocuments });
      dirs.set(store, dataDir);
      return store;
    },
    async dispose(store) {
      await store.close();
      fs.rmSync(dirs.get(store)!, { recursive: true, force: true });
      dirs.delete(store);
    },
  });
});
