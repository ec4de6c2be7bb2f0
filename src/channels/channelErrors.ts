import { WeComChannelError } from '../common';

/** No channel with this id in this corp (ids are case-sensitive). */
export class ChannelNotFoundError extends WeComChannelError {
  override readonly name = 'ChannelNotFoundError' as const;
  readonly code = 'channel_not_found' as const;
  constructor(readonly corpId: string, readonly channelId: string) {
    super(`no channel ${JSON.stringify(channelId)} in corp ${corpId} (channel ids are case-sensitive)`);
  }
  override get final(): boolean {
    return true;
  }
}

/** The CSA already belongs to a channel: one CSA, one channel, so messages route to exactly one. */
export class ChannelConflictError extends WeComChannelError {
  override readonly name = 'ChannelConflictError' as const;
  readonly code = 'channel_exists' as const;
  constructor(readonly corpId: string, readonly openKfId: string, readonly channelId: string) {
    super(`the customer service account ${openKfId} already belongs to channel ${channelId}: delete that channel first, or create a new account`);
  }
  override get final(): boolean {
    return true;
  }
}

/** Which step in the WeCom admin console a missing prerequisite asks for. */
export type PrerequisiteStep = 'organisation' | 'admin_authorisation' | 'csa_authorisation';

/**
 * Something the WeCom side must do first. `hint` names the step in the WeCom admin console; the
 * subclasses' codes say which prerequisite is missing.
 *
 * @example
 * catch (e) { if (e instanceof PrerequisiteError) console.log(e.step, e.hint); }
 */
export abstract class PrerequisiteError extends WeComChannelError {
  abstract readonly step: PrerequisiteStep;
  constructor(message: string, readonly hint: string, options?: { cause?: unknown }) {
    super(`${message}. ${hint}`, options);
  }
  override get final(): boolean {
    return true;
  }
}

/** No active WeCom organisation: unknown corp, wrong corp id, or an unverified organisation. */
export class OrganisationNotActiveError extends PrerequisiteError {
  override readonly name = 'OrganisationNotActiveError' as const;
  readonly code = 'organisation_not_active' as const;
  readonly step = 'organisation' as const;
  constructor(readonly corpId: string, reason: string, options?: { cause?: unknown }) {
    super(`WeCom organisation ${corpId} is not active here: ${reason}`,
      'Self-built mode: set WECOM_CORP_ID to the id shown in the WeCom admin console → My Enterprise (我的企业) → Enterprise ID. ' +
      'Provider mode: an admin of the organisation installs the app (scan the install QR code). ' +
      'An unverified organisation must be verified under My Enterprise → Enterprise verification (企业认证) before it can create customer service accounts.', options);
  }
}

/** No admin authorised the app, or the authorisation was cancelled, or the app lacks the kf permission. */
export class AppNotAuthorisedError extends PrerequisiteError {
  override readonly name = 'AppNotAuthorisedError' as const;
  readonly code = 'app_not_authorised' as const;
  readonly step = 'admin_authorisation' as const;
  constructor(readonly corpId: string, reason: string, options?: { cause?: unknown }) {
    super(`no admin of ${corpId} has authorised the app for WeChat Customer Service: ${reason}`,
      'An admin opens the WeCom admin console → WeChat Customer Service (微信客服) → API (可调用接口的应用) and adds this app ' +
      '(provider mode: installs the app and ticks "provide exclusive customer service", then agrees); if it was removed, install it again.', options);
  }
}

/** The CSA is not under this app's API management (or does not exist in the corp). */
export class CsaNotAuthorisedError extends PrerequisiteError {
  override readonly name = 'CsaNotAuthorisedError' as const;
  readonly code = 'csa_not_authorised' as const;
  readonly step = 'csa_authorisation' as const;
  constructor(readonly corpId: string, readonly openKfId: string, reason: string, options?: { cause?: unknown }) {
    super(`the customer service account ${openKfId} of ${corpId} is not authorised to the app: ${reason}`,
      'In the WeCom admin console → WeChat Customer Service (微信客服) → the account → "Manage via API" (通过API管理微信客服账号), ' +
      'choose this app; or create the account through this app (POST /admin/v1/corps/{corpId}/kf-accounts).', options);
  }
}
