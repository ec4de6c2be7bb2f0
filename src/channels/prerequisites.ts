import { WeComApiError, type WeComClient, type KfAccount } from '../wecom';
import type { CorpInfo } from './channel';
import { AppNotAuthorisedError, CsaNotAuthorisedError, OrganisationNotActiveError } from './channelErrors';

/** errcodes (wecom-kf-api.md §11, wecom-provider.md §3) that mean the organisation itself is not ready. */
const organisationCodes: ReadonlySet<number> = new Set([40013, 95026, 95027]);
/** …that no admin (still) authorises the app, or the app lacks the kf permission. */
const authorisationCodes: ReadonlySet<number> = new Set([48002, 48004, 40084, 95017, 95023]);
/** …that the CSA is unknown or not under this app's API management. */
const csaCodes: ReadonlySet<number> = new Set([95000, 95004, 95011, 95012]);

/**
 * The prerequisite error a WeCom refusal stands for, or `e` itself when it is no such refusal.
 *
 * @example
 * try { await client.addContactWay({ open_kfid }); } catch (e) { throw asPrerequisiteError(e, corpId, open_kfid); }
 */
export function asPrerequisiteError(e: unknown, corpId: string, openKfId?: string): unknown {
  if (!(e instanceof WeComApiError)) return e;
  const why = `WeCom ${e.method} answered ${e.errcode} (${e.hint})`;
  if (organisationCodes.has(e.errcode)) return new OrganisationNotActiveError(corpId, why, { cause: e });
  if (authorisationCodes.has(e.errcode)) return new AppNotAuthorisedError(corpId, why, { cause: e });
  if (csaCodes.has(e.errcode) && openKfId !== undefined) return new CsaNotAuthorisedError(corpId, openKfId, why, { cause: e });
  return e;
}

/** Runs a WeCom call, turning a refusal that means a missing prerequisite into its typed error. */
export async function withPrerequisites<T>(corpId: string, openKfId: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw asPrerequisiteError(e, corpId, openKfId);
  }
}

/** The corp, if this deployment serves it and an admin authorised the app; else the prerequisite error. */
export async function requireCorp(corps: () => Promise<readonly CorpInfo[]>, corpId: string): Promise<CorpInfo> {
  const corp = (await corps()).find((c) => c.corpId === corpId); // case-sensitive, as WeCom's ids are
  if (!corp) throw new OrganisationNotActiveError(corpId, 'this deployment serves no organisation with that id');
  if (!corp.authorised) throw new AppNotAuthorisedError(corpId, 'the authorisation is missing or was cancelled');
  return corp;
}

/** Every kf account of the corp, page by page (`kf/account/list`, 100 at a time). */
export async function listAllAccounts(client: WeComClient, corpId: string): Promise<KfAccount[]> {
  const all: KfAccount[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await withPrerequisites(corpId, undefined, () => client.listAccounts({ offset, limit: 100 }));
    all.push(...page);
    if (page.length < 100) return all;
  }
}

/**
 * The CSA, if it exists in the corp and the app manages it; else {@link CsaNotAuthorisedError}.
 * WeCom's `manage_privilege` (provider mode) decides when it is given: the corp's own list of
 * granted CSAs (from `kf_account_auth_change`) may lag behind, e.g. for a CSA the app just created.
 * Only when WeCom does not say is the corp's list asked.
 */
export async function requireCsa(corp: CorpInfo, client: WeComClient, openKfId: string): Promise<KfAccount> {
  const account = (await listAllAccounts(client, corp.corpId)).find((a) => a.open_kfid === openKfId);
  if (!account) throw new CsaNotAuthorisedError(corp.corpId, openKfId, 'kf/account/list does not show it');
  if (!isManaged(corp, account)) throw new CsaNotAuthorisedError(corp.corpId, openKfId, 'WeCom says this app does not manage it (manage_privilege false, or no kf_account_auth_change granted it)');
  return account;
}

/** Whether the app manages a CSA: WeCom's `manage_privilege` when given, else the corp's list of granted CSAs. */
export function isManaged(corp: CorpInfo, account: KfAccount): boolean {
  if (account.manage_privilege !== undefined) return account.manage_privilege;
  return corp.kfAccounts?.includes(account.open_kfid) ?? true;
}
