import { api } from './api';
import { corpChannels } from './channelsView';
import { attempt, type Ctx, type View } from './context';
import { field, fill, h } from './dom';
import { day, licenceStatus, when } from './format';
import type { Licence, Snapshot } from './types';


/** Corps and licences, credits, auto-renew, channels (chat link, QR code, message button, agents), and (sandbox) the clock. */
export function adminView(ctx: Ctx): View {
  const corps = h('div', { class: 'corps' });
  const clock = h('section', { class: 'card', 'aria-labelledby': 'clock-title' });
  const forms = new Map<string, HTMLElement>(); // per corp, built once so typing survives live updates

  const corpForms = (corpId: string): HTMLElement => {
    let el = forms.get(corpId);
    if (el) return el;
    const path = `/admin/v1/corps/${encodeURIComponent(corpId)}`;
    const credits = h('input', { type: 'number', name: 'credits', min: 1, step: 1, value: 4, inputmode: 'numeric', required: true });
    const buy = h('form', { class: 'inline' }, field('Credits to buy', credits), h('button', { type: 'submit', class: 'primary' }, 'Buy credits'));
    buy.addEventListener('submit', (e) => {
      e.preventDefault();
      const n = Number(credits.value);
      void attempt(ctx, () => api('POST', `${path}/credits`, { credits: n }, { 'Idempotency-Key': crypto.randomUUID() }), `Bought ${n} credits for ${corpId}`);
    });
    const auto = h('input', { type: 'checkbox', name: 'auto-renew', id: `auto-${corpId}` });
    auto.addEventListener('change', () => {
      // Until the server has it, a snapshot read before the click must not flip the box back.
      // (attempt refreshes once more after the call, so what it paints then is already the server's.)
      auto.dataset.pending = 'true';
      void attempt(ctx, () => api('PUT', `${path}/auto-renew`, { enabled: auto.checked }), `Auto-renew ${auto.checked ? 'on' : 'off'} for ${corpId}`).then((ok) => {
        delete auto.dataset.pending;
        if (!ok) auto.checked = !auto.checked; // refused: the server kept the old setting
      });
    });
    el = h('div', { class: 'corp-forms' }, buy, h('div', { class: 'check' }, auto, h('label', { for: auto.id }, 'Renew automatically from credits')));
    forms.set(corpId, el);
    return el;
  };

  /** A corp's card: built once (its forms keep focus and typing), its facts repainted. */
  const cards = new Map<string, { card: HTMLElement; top: HTMLElement; bottom: HTMLElement }>();
  const corpCard = (l: Licence, held: number): HTMLElement => {
    const forms = corpForms(l.corpId);
    let c = cards.get(l.corpId);
    if (!c) {
      const top = h('div');
      const bottom = h('div');
      c = { card: h('section', { class: 'card corp', 'aria-label': `Corp ${l.corpId}` }, h('h3', {}, l.corpId), top, forms, bottom), top, bottom };
      cards.set(l.corpId, c);
    }
    const auto = forms.querySelector('input[type=checkbox]') as HTMLInputElement;
    if (!auto.dataset.pending) auto.checked = l.autoRenew;
    fill(c.top,
      h('p', { class: `licence ${l.valid ? 'valid' : 'invalid'}` },
        h('strong', {}, licenceStatus(l.status)),
        l.status === 'trial' && l.daysLeft !== undefined ? ` · ${l.daysLeft} days left (ends ${day(l.trialEndsAt)})` : '',
        l.activeUntil ? ` · until ${day(l.activeUntil)}` : '',
        l.valid ? '' : ' · messages are held'),
      l.reason ? h('p', { class: 'hint' }, l.reason.message) : null,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Authorisation'), h('dd', {}, l.authorised ? 'Authorised' : 'Not authorised (the corp removed the app)'),
        h('dt', {}, 'Credits'), h('dd', {}, `${l.creditBalance} (a year costs ${l.yearCost} for ${l.agentCount} agent${l.agentCount === 1 ? '' : 's'})`),
        h('dt', {}, 'Held messages'), h('dd', {}, String(held)),
      ));
    fill(c.bottom,
      l.warnings.length ? h('ul', { class: 'warnings', 'aria-label': 'Warnings' }, ...l.warnings.map((w) => h('li', {}, w.message))) : null,
      h('h4', {}, 'Schedule'),
      l.schedule.length
        ? h('table', {},
          h('caption', { class: 'visually-hidden' }, `Licence years of ${l.corpId}`),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'To'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Cost'))),
          h('tbody', {}, ...l.schedule.map((y) => h('tr', {}, h('td', {}, day(y.startsAt)), h('td', {}, day(y.endsAt)), h('td', {}, `${y.state} (${y.origin})`), h('td', {}, y.cost === undefined ? '—' : String(y.cost))))))
        : h('p', { class: 'hint' }, `No licence years yet: the trial ends ${day(l.trialEndsAt)}.`));
    return c.card;
  };

  const days = h('input', { type: 'number', name: 'days', min: 1, max: 1000, step: 1, value: 91, inputmode: 'numeric' });
  const jump = (n: number): Promise<boolean> => attempt(ctx, () => api('POST', '/admin/v1/test-clock/advance', { hours: n * 24 }), `The clock moved ${n} day${n === 1 ? '' : 's'} ahead`);
  const jumpForm = h('form', { class: 'inline' }, field('Days ahead', days), h('button', { type: 'submit', class: 'primary' }, 'Jump ahead'));
  jumpForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void jump(Number(days.value));
  });
  const clockNow = h('p', { class: 'now' });
  fill(clock,
    h('h2', { id: 'clock-title' }, ctx.session.sandbox ? 'Sandbox clock' : 'Test clock (TEST_CLOCK=true)'),
    clockNow,
    h('p', { class: 'hint' }, 'Jump ahead to watch the trial expire, customer messages be held, and buying credits release them.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => void jump(1) }, '+1 day'), h('button', { type: 'button', onclick: () => void jump(30) }, '+30 days')),
    jumpForm,
  );

  const channelsOf = h('div', { class: 'channels' });
  const channelPanels = new Map<string, ReturnType<typeof corpChannels>>();
  const paintChannels = async (s: Snapshot): Promise<void> => {
    const panels = s.corps.map((l) => {
      let p = channelPanels.get(l.corpId);
      if (!p) channelPanels.set(l.corpId, (p = corpChannels(ctx, l.corpId)));
      return p;
    });
    if (panels.length !== channelsOf.children.length || panels.some((p, i) => channelsOf.children[i] !== p.el)) fill(channelsOf, panels.map((p) => p.el));
    // Each panel shows its own failure (a corp not authorised, WeCom down) without hiding the others.
    await Promise.all(panels.map((p) => p.reload()));
  };

  const paint = (s: Snapshot): Promise<void> => {
    clock.hidden = !s.testClock;
    fill(clockNow, 'Now: ', h('time', { datetime: s.now }, when(s.now)));
    const shown = s.corps.map((l) => corpCard(l, s.inbox.held));
    // Re-place the cards only when the corps changed: moving a card would take the focus from its form.
    if (shown.length !== corps.children.length || shown.some((card, i) => corps.children[i] !== card)) fill(corps, shown);
    return paintChannels(s); // awaited, so an action's refresh ends with its channel shown
  };

  const el = h('div', { class: 'admin' },
    clock,
    h('section', { 'aria-labelledby': 'corps-title' }, h('h2', { id: 'corps-title' }, 'Corps and licences'), corps),
    h('section', { class: 'card', id: 'channels', 'aria-labelledby': 'channels-title' },
      h('h2', { id: 'channels-title' }, 'Channels'),
      h('p', { class: 'hint' }, 'A channel is a customer service account (CSA) with a chat link, a QR code and a message button for web pages; its agents take over from the bot.'),
      channelsOf),
  );
  return { id: 'admin', title: 'Admin', el, update: paint };
}
