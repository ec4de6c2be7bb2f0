/** The route table: the path after `/cgi-bin/` → its handler. */
import type { Route } from '../core';
import { customerBatchget } from './customer';
import { accountAdd, accountDel, accountList, accountUpdate, addContactWay } from './account';
import { mediaGet, mediaUpload } from './media';
import { sendMsg } from './sendMsg';
import { sendMsgOnEvent } from './sendMsgOnEvent';
import { servicerAdd, servicerDel, servicerList } from './servicer';
import { serviceStateGet, serviceStateTrans } from './serviceState';
import { syncMsg } from './syncMsg';
import { gettoken } from './token';
import { getAuthInfo, getCorpToken, getPermanentCodeV2, getPreAuthCode, getSuiteToken, setSessionInfo } from './suite';

export const routes: Readonly<Record<string, Route>> = {
  gettoken,
  'kf/sync_msg': syncMsg,
  'kf/send_msg': sendMsg,
  'kf/send_msg_on_event': sendMsgOnEvent,
  'kf/service_state/get': serviceStateGet,
  'kf/service_state/trans': serviceStateTrans,
  'kf/account/add': accountAdd,
  'kf/account/del': accountDel,
  'kf/account/update': accountUpdate,
  'kf/account/list': accountList,
  'kf/add_contact_way': addContactWay,
  'kf/customer/batchget': customerBatchget,
  'kf/servicer/add': servicerAdd,
  'kf/servicer/del': servicerDel,
  'kf/servicer/list': servicerList,
  'media/upload': mediaUpload,
  'media/get': mediaGet,
  'service/get_suite_token': getSuiteToken,
  'service/get_pre_auth_code': getPreAuthCode,
  'service/set_session_info': setSessionInfo,
  'service/v2/get_permanent_code': getPermanentCodeV2,
  'service/get_auth_info': getAuthInfo,
  'service/get_corp_token': getCorpToken,
};
