import type { LicenceStatusName } from '../licensing';

/** Event raised to the bot when a corp's licence status changes (value: {@link LicenceStatusChange}). */
export const LICENCE_STATUS_EVENT = 'wecom.licenceStatus';

/** The value of a {@link LICENCE_STATUS_EVENT} activity. */
export interface LicenceStatusChange {
  readonly corpId: string;
  readonly from: LicenceStatusName;
  readonly to: LicenceStatusName;
  /** Whether customer traffic flows now (trial or active). */
  readonly valid: boolean;
}
