import { errcodes, refuse } from '../errors';
import { utf8Bytes } from '../rules';
import type { Corp, KfAccount } from '../state';

/** The account `openKfid` names: 95000 when malformed, 95004 when the corp has no such account. */
export function findAccount(corp: Corp, openKfid: unknown): KfAccount {
  if (typeof openKfid !== 'string' || openKfid === '' || utf8Bytes(openKfid) > 64) refuse(errcodes.invalidOpenKfid);
  const account = corp.accounts.get(openKfid);
  if (!account) refuse(errcodes.unknownOpenKfid);
  return account;
}
