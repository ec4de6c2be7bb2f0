import type { Route } from '../core';
import { errcodes, refuse } from '../errors';
import { type Json, optArray } from '../fields';
import type { Corp, KfAccount } from '../state';
import { findAccount } from './common';

type Op = 'add' | 'del';

function change(corp: Corp, account: KfAccount, body: Json, op: Op): Json[] {
  const userids = optArray(body, 'userid_list', 100);
  const departments = optArray(body, 'department_id_list', 100);
  if (userids.length + departments.length === 0) refuse(errcodes.invalidParameter, 'userid_list or department_id_list needed');
  const results: Json[] = [];
  for (const userid of userids) {
    if (typeof userid !== 'string' || !corp.members.has(userid)) {
      results.push({ userid, errcode: errcodes.userNotFound, errmsg: 'userid not found' });
      continue;
    }
    if (op === 'add') account.servicers.add(userid);
    else account.servicers.delete(userid);
    results.push({ userid, errcode: 0, errmsg: 'success' });
  }
  for (const id of departments) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) {
      results.push({ department_id: id, errcode: errcodes.invalidParameter, errmsg: 'invalid department_id' });
      continue;
    }
    if (op === 'add') account.departments.add(id);
    else account.departments.delete(id);
    results.push({ department_id: id, errcode: 0, errmsg: 'success' });
  }
  return results;
}

const changeRoute = (op: Op): Route => ({
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, body.open_kfid);
    return { json: { result_list: change(corp, account, body, op) } };
  },
});

/** `POST kf/servicer/add` (§9): per-user results; a userid that is no member → 60111 in its row. */
export const servicerAdd = changeRoute('add');
/** `POST kf/servicer/del` (§9). */
export const servicerDel = changeRoute('del');

/** `GET kf/servicer/list?open_kfid=` (§9): status 0 receiving / 1 not, stop_type 0 stopped / 1 suspended. */
export const servicerList: Route = {
  verbs: ['GET'],
  auth: true,
  body: 'none',
  handle({ core, query, corpId }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, query.get('open_kfid') ?? undefined);
    const users = [...account.servicers].map((userid) => {
      const status = corp.members.get(userid)?.status ?? 'stopped';
      return status === 'receiving' ? { userid, status: 0 } : { userid, status: 1, stop_type: status === 'suspended' ? 1 : 0 };
    });
    const departments = [...account.departments].map((department_id) => ({ department_id }));
    return { json: { servicer_list: [...users, ...departments] } };
  },
};
