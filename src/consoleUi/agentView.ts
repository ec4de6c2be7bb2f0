import { api } from './api';
import { loadChat, renderChat } from './chat';
import { attempt, type Ctx, type View } from './context';
import { clearIfStill, field, fill, h } from './dom';
import { licenceStatus, lockReason, servedBy, when } from './format';
import type { Conversation, Snapshot } from './types';

/**
 * The agent's desk: the licence banner, the handoff queue, every conversation with its window, and
 * one conversation opened to take over, reply and give back.
 */
export function agentView(ctx: Ctx): View {
  const sandbox = ctx.session.sandbox;
  const banner = h('div', { class: 'banner', role: 'alert' });
  const queue = h('ul', { class: 'queue', 'aria-label': 'Waiting for an agent' });
  const list = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const detail = h('section', { class: 'card detail', 'aria-labelledby': 'detail-title' });
  let selected: string | undefined;

  const windowText = (c: Conversation): HTMLElement => c.window.open
    ? h('span', { class: 'window open' }, `${c.window.repliesLeft} of 5 replies left · closes ${when(c.window.closesAt)}`)
    : h('span', { class: 'window locked' }, h('strong', {}, 'Locked: '), lockReason(c.window.lockedReason));

  const row = (c: Conversation): HTMLElement => h('li', { class: c.id === selected ? 'selected' : '' },
    h('button', { type: 'button', class: 'row', 'aria-current': c.id === selected ? 'true' : undefined, onclick: () => {
      selected = c.id;
      void paint(ctx.snapshot()!).then(() => {
        // On a phone the conversation is below the lists: bring it into view.
        if (matchMedia('(max-width: 720px)').matches) detail.scrollIntoView({ block: 'start' });
      });
    } },
      h('span', { class: 'name' }, c.customer),
      h('span', { class: `served ${c.servedBy}` }, servedBy(c.servedBy), c.servicer ? ` (${c.servicer})` : ''),
      windowText(c),
    ));

  /**
   * One opened conversation: its forms are built once, so a half-typed reply survives live updates;
   * only the facts, the buttons' states and the chat are repainted.
   */
  interface Opened { id: string; facts: HTMLElement; takeOver: HTMLButtonElement; giveBack?: HTMLButtonElement; chat: HTMLElement; chatKey: string }
  let opened: Opened | undefined;

  const open = (c: Conversation): Opened => {
    const path = `/console/api/conversations/${encodeURIComponent(c.id)}`;
    const customerPath = `/sandbox/customers/${encodeURIComponent(c.customer)}`;
    const apiText = h('textarea', { rows: 2, maxlength: 2048, name: 'api-text' });
    const apiForm = h('form', { class: 'reply' },
      field('Reply through the API (from the kf account; counts toward the 5 replies)', apiText),
      h('button', { type: 'submit' }, 'Send as the bot'));
    apiForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = apiText.value.trim();
      if (text) void attempt(ctx, () => api('POST', `${path}/send`, { text }).then(() => clearIfStill(apiText, text)), 'Sent through the API');
    });
    const agentText = h('textarea', { rows: 2, maxlength: 2048, name: 'agent-text' });
    const agentForm = h('form', { class: 'reply' },
      field('Reply as the human agent (from the WeCom app; taking the chat)', agentText),
      h('button', { type: 'submit', class: 'primary' }, 'Reply as agent'));
    agentForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = agentText.value.trim();
      if (text) void attempt(ctx, () => api('POST', `${customerPath}/agent`, { text }).then(() => clearIfStill(agentText, text)), 'Replied as the human agent');
    });
    const servicer = h('input', { type: 'text', name: 'servicer', autocomplete: 'off', placeholder: 'WeCom userid' });
    const takeOver = h('button', { type: 'submit' }, 'Take over');
    const takeOverForm = h('form', { class: 'inline' }, sandbox ? null : field('Servicer', servicer), takeOver);
    takeOverForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void attempt(ctx, () => api('POST', `${path}/take-over`, sandbox ? {} : { servicer: servicer.value.trim() }), 'The conversation is with the human agent now');
    });
    const giveBack = sandbox
      ? h('button', { type: 'button', onclick: () => void attempt(ctx, () => api('POST', `${customerPath}/agent/end`, {}), 'Given back to the bot') }, 'Give back to the bot')
      : undefined;
    const facts = h('dl', { class: 'facts' });
    const chat = h('ol', { class: 'chat small', 'aria-label': `Chat with ${c.customer}` });
    fill(detail,
      h('h2', { id: 'detail-title' }, `Conversation with ${c.customer}`),
      facts,
      h('div', { class: 'actions' }, takeOverForm, giveBack),
      sandbox ? chat : h('p', { class: 'hint' }, 'The messages themselves are in the WeCom app (企业微信 → 微信客服): a human agent reads and replies there. To give the chat back to the bot, end the session in the app.'),
      apiForm,
      sandbox ? agentForm : null,
    );
    return { id: c.id, facts, takeOver, giveBack, chat, chatKey: '' };
  };

  const paintDetail = async (s: Snapshot): Promise<void> => {
    const c = s.conversations.find((x) => x.id === selected);
    if (!c) {
      opened = undefined;
      fill(detail, h('h2', { id: 'detail-title' }, 'Conversation'), h('p', { class: 'hint' }, 'Choose a conversation to see its window, take it over and reply.'));
      return;
    }
    if (opened?.id !== c.id) opened = open(c);
    const o = opened;
    fill(o.facts,
      h('dt', {}, 'Served by'), h('dd', {}, servedBy(c.servedBy), c.servicer ? ` (${c.servicer})` : ''),
      h('dt', {}, 'Replies left'), h('dd', {}, String(c.window.repliesLeft)),
      h('dt', {}, 'Window closes'), h('dd', {}, when(c.window.closesAt)),
      h('dt', {}, 'Window'), h('dd', {}, windowText(c)));
    o.takeOver.disabled = c.servedBy === 'human';
    if (o.giveBack) o.giveBack.disabled = !(c.servedBy === 'human' || c.servedBy === 'queued');
    if (!sandbox) return;
    const lines = await loadChat(c.customer);
    const key = lines.map((l) => l.msgid).join(' ');
    if (key === o.chatKey) return; // nothing new: keep the reader's place
    o.chatKey = key;
    fill(o.chat, renderChat(lines, {}));
    o.chat.scrollTop = o.chat.scrollHeight; // the newest line in view, as in any chat
  };

  let shownList = '';
  const paint = async (s: Snapshot): Promise<void> => {
    const invalid = s.corps.filter((l) => !l.valid);
    const why = invalid.length ? `${invalid.map((l) => `${l.corpId}: ${licenceStatus(l.status).toLowerCase()}`).join('; ')}. Customer messages are held (${s.inbox.held} now) and reach the bot, in order, once credits renew the licence (Admin view).` : '';
    // An alert is read out each time it changes: only when it says something new.
    if (banner.dataset.text !== why) {
      banner.dataset.text = why;
      banner.hidden = !why;
      fill(banner, why ? [h('strong', {}, 'Integration inactive until renewal. '), why] : []);
    }
    // The lists are rebuilt only when they changed: a rebuild would take the keyboard focus away.
    const listKey = JSON.stringify([selected, s.conversations]);
    if (listKey === shownList) return paintDetail(s);
    shownList = listKey;
    const waiting = s.conversations.filter((c) => c.servedBy === 'queued');
    fill(queue, waiting.length ? waiting.map((c) => h('li', {},
      h('span', {}, `${c.customer} asked for a person`),
      h('button', { type: 'button', onclick: () => { selected = c.id; void attempt(ctx, () => api('POST', `/console/api/conversations/${encodeURIComponent(c.id)}/take-over`, {}), `You took over the chat with ${c.customer}`); } }, `Take over ${c.customer}`)))
      : [h('li', { class: 'hint' }, 'Nobody is waiting.')]);
    fill(list, s.conversations.length ? s.conversations.map(row) : [h('li', { class: 'hint' }, 'No recent conversations: a customer who writes appears here (a window is forgotten 30 days after it closed).')]);
    await paintDetail(s);
  };

  const el = h('div', { class: 'agent' },
    banner,
    h('div', { class: 'columns' },
      h('div', {},
        h('section', { class: 'card', 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Handoff queue'), queue),
        h('section', { class: 'card', 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, 'Conversations'), list),
      ),
      detail,
    ),
  );
  banner.hidden = true;
  banner.dataset.text = '';
  return { id: 'agent', title: 'Agent', el, update: paint };
}
