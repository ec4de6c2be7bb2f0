import type { Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { Store } from '../store';
import { MediaMiddleware } from './mediaMiddleware';
import { WindowMiddleware } from './windowMiddleware';
import { WindowRepository } from './windowRepository';

/**
 * The middleware the adapter installs by default, in order: media rules, then the conversation
 * window. Both only install per-turn hooks and check inbound data, so the order between them does
 * not change what is allowed; a developer who builds the adapter without defaults can `use()` them
 * in any order, or with their own in between.
 *
 * @example
 * const [media, window] = defaultMiddleware(store, clock, logger);
 * adapter.use(media).use(window);
 */
export function defaultMiddleware(store: Store, clock: Clock = store.clock, logger?: Logger): [MediaMiddleware, WindowMiddleware] {
  return [new MediaMiddleware({ logger }), new WindowMiddleware(new WindowRepository(store), { clock, logger })];
}
