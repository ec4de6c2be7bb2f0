import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/common/clock';
import { openStore, type Store } from '../../src/store';

/** An embedded store in a fresh temporary directory; `close()` also removes the directory. */
export async function openTestStore(clock: Clock): Promise<Store> {
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'wecom-window-'));
  const store = await openStore({ dataDir, clock, compactionIntervalMs: 0 });
  return {
    kind: store.kind,
    clock: store.clock,
    collection: (name) => store.collection(name),
    check: () => store.check(),
    close: async () => {
      await store.close();
      await fs.promises.rm(dataDir, { recursive: true, force: true });
    },
  };
}
