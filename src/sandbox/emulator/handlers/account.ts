import { createHash } from 'node:crypto';
import type { Route } from '../core';
import { errcodes, refuse } from '../errors';
import { type Json, optInt, optStr, str } from '../fields';
import { ids } from '../ids';
import type { Corp, KfAccount } from '../state';
import { findAccount } from './common';
import { grantedTo } from './suite';

/** §1: at most 5000 accounts per corp (95005). */
export const maxAccounts = 5000;

/** §9: a name is 1–16 characters (95006). */
export function checkAccountName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || [...name].length > 16) refuse(errcodes.invalidAccountName);
  return name;
}

/** Creates an account in `corp` (used by kf/account/add and by the emulator's addKfAccount). */
export function createAccount(corp: Corp, name: string, mediaId: string): KfAccount {
  if (corp.accounts.size >= maxAccounts) refuse(errcodes.accountCountLimit);
  const account: KfAccount = { openKfid: ids.openKfid(), name, mediaId, servicers: new Set(), departments: new Set() };
  corp.accounts.set(account.openKfid, account);
  return account;
}

function avatarMedia(body: Json, checkExists: (id: string) => boolean, required: boolean): string | undefined {
  const mediaId = required ? str(body, 'media_id', { maxBytes: 128 }) : optStr(body, 'media_id', { maxBytes: 128 });
  if (mediaId !== undefined && !checkExists(mediaId)) refuse(errcodes.invalidMediaId, 'avatar media_id');
  return mediaId;
}

/** `POST kf/account/add` (§9): `name` and an avatar `media_id` (required, as in WeCom's doc). */
export const accountAdd: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, suiteId, now }) {
    const corp = core.world.corp(corpId);
    const name = checkAccountName(body.name);
    const mediaId = avatarMedia(body, (id) => core.media.get(corpId, id, now) !== undefined, true)!;
    const { openKfid } = createAccount(corp, name, mediaId);
    // Provider mode: the app that creates an account manages it (wecom-provider.md §4).
    if (suiteId !== undefined) core.world.provider.suites.get(suiteId)?.auths.get(corpId)?.kfAccounts.add(openKfid);
    return { json: { open_kfid: openKfid } };
  },
};

/** `POST kf/account/del` (§9). */
export const accountDel: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId }) {
    const corp = core.world.corp(corpId);
    corp.accounts.delete(findAccount(corp, body.open_kfid).openKfid);
    return { json: {} };
  },
};

/** `POST kf/account/update` (§9): `name` and/or `media_id`. */
export const accountUpdate: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, now }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, body.open_kfid);
    const name = body.name === undefined ? undefined : checkAccountName(body.name);
    const mediaId = avatarMedia(body, (id) => core.media.get(corpId, id, now) !== undefined, false);
    if (name !== undefined) account.name = name;
    if (mediaId !== undefined) account.mediaId = mediaId;
    return { json: {} };
  },
};

const avatarUrl = (account: KfAccount): string =>
  `https://wework.qpic.cn/wwhead/${createHash('sha1').update(account.openKfid).digest('hex')}/0`;

/** `kf/account/list` (§9): POST with `offset`, `limit` 1–100 (default 100), or GET without paging [S17]. */
export const accountList: Route = {
  verbs: ['POST', 'GET'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId, suiteId }) {
    const corp = core.world.corp(corpId);
    const manages = (openKfid: string): boolean => suiteId === undefined || core.switches.providerKfGrants === 'off' || grantedTo(core, suiteId, corpId, openKfid);
    const offset = optInt(body, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = optInt(body, 'limit', 1, 100) ?? 100;
    const page = [...corp.accounts.values()].slice(offset, offset + limit);
    return { json: { account_list: page.map((a) => ({ open_kfid: a.openKfid, name: a.name, avatar: avatarUrl(a), manage_privilege: manages(a.openKfid) })) } };
  },
};

/** `POST kf/add_contact_way` (§9): a kfc link; `scene` ≤32 B of `[0-9a-zA-Z_-]`. */
export const addContactWay: Route = {
  verbs: ['POST'],
  auth: true,
  body: 'json',
  handle({ core, body, corpId }) {
    const corp = core.world.corp(corpId);
    const account = findAccount(corp, body.open_kfid);
    const scene = optStr(body, 'scene', { maxBytes: 32 });
    if (scene !== undefined && !/^[0-9a-zA-Z_-]*$/.test(scene)) refuse(errcodes.invalidParameter, 'scene');
    return { json: { url: contactUrl(account.openKfid, scene) } };
  },
};

/** The link a customer opens; `enc_scene` carries the scene, as WeCom's links do. */
export function contactUrl(openKfid: string, scene?: string): string {
  const kfc = `kfc${createHash('sha1').update(openKfid).digest('hex').slice(0, 18)}`;
  const base = `https://work.weixin.qq.com/kfid/${kfc}`;
  return scene ? `${base}?enc_scene=ENC${Buffer.from(scene).toString('base64url')}` : base;
}
