/** The inner XML of provider callbacks (wecom-provider.md §2 instruction, §5 data), as WeCom sends them. */

const cdata = (value: string): string => `<![CDATA[${value}]]>`;

/** An instruction callback: `SuiteId`, `InfoType`, `TimeStamp`, then the kind's own fields. */
export function instructionXml(suiteId: string, infoType: string, timestampS: number, fields: Readonly<Record<string, string | undefined>> = {}, extraInfo = ''): string {
  const rest = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([tag, value]) => `<${tag}>${cdata(value)}</${tag}>`)
    .join('');
  return `<xml><SuiteId>${cdata(suiteId)}</SuiteId><InfoType>${cdata(infoType)}</InfoType><TimeStamp>${timestampS}</TimeStamp>${rest}${extraInfo}</xml>`;
}

/** `ExtraInfo/AuthOpenKfIdList/OpenKfId…` of a kf component grant; '' for none. */
export function kfExtraInfo(openKfids: readonly string[]): string {
  if (openKfids.length === 0) return '';
  return `<ExtraInfo><AuthOpenKfIdList>${openKfids.map((id) => `<OpenKfId>${cdata(id)}</OpenKfId>`).join('')}</AuthOpenKfIdList></ExtraInfo>`;
}

/** The data event `kf_account_auth_change` (§5): repeated `AuthAddOpenKfId` / `AuthDelOpenKfId`, from `sys`. */
export function kfAccountAuthChangeXml(corpId: string, createTimeS: number, added: readonly string[], removed: readonly string[]): string {
  const adds = added.map((id) => `<AuthAddOpenKfId>${cdata(id)}</AuthAddOpenKfId>`).join('');
  const dels = removed.map((id) => `<AuthDelOpenKfId>${cdata(id)}</AuthDelOpenKfId>`).join('');
  return (
    `<xml><ToUserName>${cdata(corpId)}</ToUserName><FromUserName>${cdata('sys')}</FromUserName><CreateTime>${createTimeS}</CreateTime>` +
    `<MsgType>${cdata('event')}</MsgType><Event>${cdata('kf_account_auth_change')}</Event>${adds}${dels}</xml>`
  );
}
