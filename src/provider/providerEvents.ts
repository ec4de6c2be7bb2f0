import type { Logger } from '../common';

/** A corp authorised the suite; `first` only for its first authorisation ever (start the trial then). */
export interface CorpAuthorisedEvent { readonly suiteId: string; readonly corpId: string; readonly first: boolean }
/** A corp removed the app: hold its traffic (not lose it) until it authorises again. */
export interface CorpCancelledEvent { readonly suiteId: string; readonly corpId: string }
/** A corp changed what it grants (change_auth), or its permanent code was reset. */
export interface CorpChangedEvent { readonly suiteId: string; readonly corpId: string; readonly reason: 'change_auth' | 'reset_permanent_code' }

interface ProviderEventMap {
  corpAuthorised: CorpAuthorisedEvent;
  corpCancelled: CorpCancelledEvent;
  corpChanged: CorpChangedEvent;
}

type Listener<K extends keyof ProviderEventMap> = (event: ProviderEventMap[K]) => void;

/**
 * In-process listeners of authorisation changes, called after the change is stored. A throwing
 * listener is logged and skipped: it must not undo a stored change.
 *
 * @example
 * instructions.events.on('corpAuthorised', ({ corpId, first }) => { if (first) startTrial(corpId); });
 */
export class ProviderEvents {
  private readonly listeners: { [K in keyof ProviderEventMap]: Set<Listener<K>> } = { corpAuthorised: new Set(), corpCancelled: new Set(), corpChanged: new Set() };

  constructor(private readonly logger: Logger) {}

  /** Returns a function that removes the listener. */
  on<K extends keyof ProviderEventMap>(kind: K, listener: Listener<K>): () => void {
    const set = this.listeners[kind] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof ProviderEventMap>(kind: K, event: ProviderEventMap[K]): void {
    for (const listener of this.listeners[kind] as Set<Listener<K>>) {
      try {
        listener(event);
      } catch (e) {
        this.logger.error({ err: e, kind, corpId: event.corpId }, 'a provider event listener failed');
      }
    }
  }
}
