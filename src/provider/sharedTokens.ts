import { KeyValueRepository, type Store } from '../store';
import type { CachedToken, SharedTokenStore } from '../wecom';

/**
 * Suite and corp tokens in the same `kf_tokens` collection the adapter keeps its corp token in
 * (keys `suite:<id>` and `suite:<id>:corp:<corpId>`), so every instance shares them.
 *
 * @example
 * new SuiteClient({ suiteId, suiteSecret, ticket, sharedTokens: storeTokens(store) });
 */
export function storeTokens(store: Store): SharedTokenStore {
  const tokens = new KeyValueRepository<CachedToken>(store, 'kf_tokens');
  return {
    get: (key) => tokens.get(key),
    set: (key, token) => tokens.set(key, token, { ttlMs: Math.max(1, token.expiresAt - store.clock.now()) }),
  };
}
