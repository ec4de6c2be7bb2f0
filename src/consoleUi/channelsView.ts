import { api, blobUrl, fetchText } from './api';
import { attempt, type Ctx } from './context';
import { field, fill, h } from './dom';
import type { AgentResult, Channel, KfAccount } from './types';

/** Puts text on the clipboard; where the Clipboard API is refused, copies the selected field instead. */
async function copy(ctx: Ctx, text: string, from: HTMLInputElement | HTMLTextAreaElement, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    from.select();
    if (!document.execCommand('copy')) {
      ctx.say(`Copying was refused: the ${what} is selected, press Ctrl+C`, 'error');
      return;
    }
  }
  ctx.say(`Copied the ${what}`, 'ok');
}

const enc = encodeURIComponent;

/** Reports assignments WeCom refused one by one: the call itself succeeded, so attempt() would not. */
function refusedAgents(results: readonly AgentResult[]): string | undefined {
  const refused = results.filter((r) => !r.ok);
  return refused.length ? `WeCom refused ${refused.map((r) => `${r.userId} (${r.message ?? r.errcode ?? 'error'})`).join(', ')}` : undefined;
}

/**
 * One channel: its chat link, QR code, message-button snippet and agents. Built once (the agent
 * form keeps its typing across live updates); `paint` redraws its facts and agents.
 */
function channelCard(ctx: Ctx, path: string, first: Channel): { el: HTMLElement; paint: (c: Channel) => void; dispose: () => void } {
  let channel = first;
  const base = `${path}/${enc(first.id)}`;
  const title = h('h4', {});
  const facts = h('dl', { class: 'facts' });
  const link = h('input', { type: 'text', readonly: true, name: 'chat-link', value: 'Loading…' });
  const qr = h('img', { class: 'qr', width: 160, height: 160, alt: '' });
  const snippet = h('textarea', { readonly: true, rows: 4, name: 'button-html', class: 'snippet' });
  let objectUrl: string | undefined;

  // The link, the QR code and the snippet change only with the channel: fetched once.
  void api<{ url: string }>('GET', `${base}/link`).then(({ url }) => { link.value = url; }, (e: Error) => { link.value = `Not available: ${e.message}`; });
  void blobUrl(`${base}/qr.svg`).then((url) => { objectUrl = url; qr.src = url; }, () => qr.replaceWith(h('p', { class: 'hint' }, 'The QR code could not be made.')));
  void fetchText(`${base}/button.html`).then((html) => { snippet.value = html; }, (e: Error) => { snippet.value = `Not available: ${e.message}`; });

  const userIds = h('input', { type: 'text', name: 'agent-user-ids', autocomplete: 'off', required: true, placeholder: 'zhangsan, lisi' });
  const addAgents = h('form', { class: 'inline' }, field('WeCom user ids (comma-separated)', userIds), h('button', { type: 'submit' }, 'Add agents'));
  addAgents.addEventListener('submit', (e) => {
    e.preventDefault();
    const ids = userIds.value.split(/[\s,]+/).filter(Boolean);
    if (!ids.length) return;
    void attempt(ctx, async () => {
      const { agents } = await api<{ agents: AgentResult[] }>('POST', `${base}/agents`, { userIds: ids });
      const refused = refusedAgents(agents);
      if (refused) throw new Error(refused);
      if (userIds.value.split(/[\s,]+/).filter(Boolean).join() === ids.join()) userIds.value = '';
    }, `Added ${ids.join(', ')} to ${channel.name}`);
  });
  const agentList = h('ul', { class: 'agents' });

  const qrLabel = h('p', { class: 'hint' });
  const el = h('article', { class: 'channel' },
    title,
    facts,
    h('div', { class: 'channel-link' },
      h('div', { class: 'inline' }, field('Chat link', link), h('button', { type: 'button', onclick: () => void copy(ctx, link.value, link, 'chat link') }, 'Copy link')),
      ctx.session.sandbox ? h('button', { type: 'button', onclick: () => void openAsCustomer(ctx, channel) }, 'Open as a customer') : null,
    ),
    h('figure', { class: 'qr-figure' }, qr, h('figcaption', {}, qrLabel)),
    h('div', { class: 'snippet-field' }, field('Message button (HTML to paste into a web page)', snippet), h('button', { type: 'button', onclick: () => void copy(ctx, snippet.value, snippet, 'message button HTML') }, 'Copy HTML')),
    h('h5', {}, 'Agents'),
    agentList,
    addAgents,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => void remove() }, 'Delete channel')),
  );
  title.id = `channel-${first.id}`;
  el.setAttribute('aria-labelledby', title.id);

  const remove = async (): Promise<void> => {
    if (!window.confirm(`Delete the channel ${channel.name}? Its agents stop serving the CSA.`)) return;
    await attempt(ctx, () => api('DELETE', base), `Deleted the channel ${channel.name}`);
  };

  const paint = (c: Channel): void => {
    channel = c;
    fill(title, c.name);
    qr.alt = `QR code of the chat link of ${c.name}`;
    fill(qrLabel, 'Scan with WeChat to open the chat.');
    fill(facts,
      h('dt', {}, 'Department'), h('dd', {}, c.department),
      h('dt', {}, 'CSA'), h('dd', {}, h('code', {}, c.openKfId)),
      h('dt', {}, 'Channel id (scene)'), h('dd', {}, h('code', {}, c.id)));
    fill(agentList, c.agents.length
      ? c.agents.map((a) => h('li', {}, h('span', {}, a), h('button', { type: 'button', 'aria-label': `Remove agent ${a} from ${c.name}`, onclick: () => void attempt(ctx, () => api('DELETE', `${base}/agents/${enc(a)}`), `Removed ${a} from ${c.name}`) }, 'Remove')))
      : [h('li', { class: 'hint' }, 'No agents yet: the bot answers alone.')]);
  };
  paint(first);
  return { el, paint, dispose: () => { if (objectUrl) URL.revokeObjectURL(objectUrl); } };
}

/** The sandbox's customer opens the channel's chat link (enter_session with its scene). */
function openAsCustomer(ctx: Ctx, c: Channel): Promise<boolean> {
  const customer = sessionStorage.getItem('wecom-console-customer') ?? 'alice';
  return attempt(ctx, () => api('POST', `/sandbox/customers/${enc(customer)}/enter`, { scene: c.id }), `${customer} opened the chat link of ${c.name}: see the Customer tab`);
}

/**
 * A corp's channels: the list and a form to create one (name, an authorised CSA, department).
 * Reloads on every live update; cards are kept by channel id so nothing loses focus.
 */
/** How long the console reuses a corp's kf account list before asking WeCom again. */
const ACCOUNTS_MAX_AGE_MS = 60_000;

export function corpChannels(ctx: Ctx, corpId: string): { el: HTMLElement; reload: () => Promise<void> } {
  const path = `/admin/v1/corps/${enc(corpId)}/channels`;
  const name = h('input', { type: 'text', name: 'channel-name', maxlength: 64, required: true, autocomplete: 'off' });
  const department = h('input', { type: 'text', name: 'department', maxlength: 64, required: true, autocomplete: 'off' });
  const csa = h('select', { name: 'csa', required: true });
  const create = h('form', { class: 'channel-form', 'aria-label': `New channel for ${corpId}` },
    field('Channel name', name), field('Customer service account (CSA)', csa), field('Department', department),
    h('button', { type: 'submit', class: 'primary' }, 'Create channel'));
  create.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), department: department.value.trim(), ...(csa.value ? { openKfId: csa.value } : {}) };
    void attempt(ctx, () => api('POST', path, body), `Created the channel ${body.name}`).then((ok) => {
      if (!ok) return;
      name.value = '';
      department.value = '';
    });
  });

  const list = h('div', { class: 'channel-list' });
  const cards = new Map<string, ReturnType<typeof channelCard>>();
  let accountsKey = '';
  let accountsCache: { at: number; channelIds: string; accounts: KfAccount[] } | undefined;

  const paintAccounts = (accounts: KfAccount[]): void => {
    const key = JSON.stringify(accounts);
    if (key === accountsKey) return; // rebuilding the options would reset a choice being made
    accountsKey = key;
    const chosen = csa.value;
    const usable = accounts.filter((a) => a.managed);
    fill(csa,
      ...usable.map((a) => h('option', { value: a.openKfId, disabled: Boolean(a.channelId) }, `${a.name} (${a.openKfId})${a.channelId ? ' · has a channel' : ''}`)),
      h('option', { value: '' }, 'A new CSA, named after the channel'));
    const free = usable.find((a) => !a.channelId);
    csa.value = [...csa.options].some((o) => o.value === chosen && !o.disabled) && chosen ? chosen : (free?.openKfId ?? '');
  };

  const problem = h('p', { class: 'error', role: 'status' });
  const reload = async (): Promise<void> => {
    let channels: Channel[];
    let accounts: KfAccount[];
    try {
      ({ channels } = await api<{ channels: Channel[] }>('GET', path));
      // The accounts come from WeCom (kf/account/list): asked again only when this corp's channels
      // changed or a minute passed, not on every live update (each message makes one).
      const channelIds = channels.map((c) => c.id).join(',');
      if (!accountsCache || accountsCache.channelIds !== channelIds || Date.now() - accountsCache.at > ACCOUNTS_MAX_AGE_MS) {
        const { accounts: fresh } = await api<{ accounts: KfAccount[] }>('GET', `/admin/v1/corps/${enc(corpId)}/kf-accounts`);
        accountsCache = { at: Date.now(), channelIds, accounts: fresh };
      }
      accounts = accountsCache.accounts;
    } catch (e) {
      // Shown beside this corp, not in the page's status line, which every live update would repeat it in.
      fill(problem, `The channels could not be read: ${(e as Error).message}`);
      return;
    }
    fill(problem);
    paintAccounts(accounts);
    for (const [id, card] of cards) {
      if (channels.some((c) => c.id === id)) continue;
      card.dispose();
      cards.delete(id);
    }
    const shown = channels.map((c) => {
      let card = cards.get(c.id);
      if (!card) cards.set(c.id, (card = channelCard(ctx, path, c)));
      else card.paint(c);
      return card.el;
    });
    if (!shown.length) fill(list, h('p', { class: 'hint' }, 'No channels yet: create one to get a chat link and QR code.'));
    else if (shown.length !== list.children.length || shown.some((el, i) => list.children[i] !== el)) fill(list, shown);
  };

  const el = h('section', { class: 'corp-channels', 'aria-label': `Channels of ${corpId}` }, h('h3', {}, `Channels of ${corpId}`), problem, list, h('h4', {}, 'New channel'), create);
  return { el, reload };
}
