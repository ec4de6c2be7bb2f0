import type { Logger } from '../common';
import type { StatusTransition } from './advance';
import type { LicenceStatusName, LicenceWarning } from './corpLicence';

/** Called after a status change is stored: `from` and `to` differ. */
export type StatusChangeListener = (corpId: string, from: LicenceStatusName, to: LicenceStatusName, transition: StatusTransition) => void;
/** Called once per warning threshold, after it is stored. */
export type WarningListener = (corpId: string, warning: LicenceWarning) => void;

/**
 * In-process listeners. Events are emitted only by the writer whose store update won, so with several
 * instances or a re-run job each change is announced once. A throwing listener is logged and skipped:
 * it must not undo a stored change.
 */
export class LicensingEvents {
  private readonly statusListeners = new Set<StatusChangeListener>();
  private readonly warningListeners = new Set<WarningListener>();

  constructor(private readonly logger: Logger) {}

  onStatusChange(listener: StatusChangeListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onWarning(listener: WarningListener): () => void {
    this.warningListeners.add(listener);
    return () => this.warningListeners.delete(listener);
  }

  emitTransition(t: StatusTransition): void {
    for (const l of this.statusListeners) this.safely(() => l(t.corpId, t.from, t.to, t), t.corpId);
  }

  emitWarning(corpId: string, w: LicenceWarning): void {
    for (const l of this.warningListeners) this.safely(() => l(corpId, w), corpId);
  }

  private safely(fn: () => void, corpId: string): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err, corpId }, 'licensing: an event listener threw; the change is stored all the same');
    }
  }
}
