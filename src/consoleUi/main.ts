import './app.css';
import { adminView } from './adminView';
import { agentView } from './agentView';
import { api, ApiError, followEvents, token } from './api';
import type { Ctx, View } from './context';
import { customerView } from './customerView';
import { fill, h } from './dom';
import type { Session, Snapshot } from './types';

const root = document.getElementById('app')!;

async function start(): Promise<void> {
  const session = await api<Session>('GET', '/console/api/session');
  if (session.token) token.set(session.token);
  if (!token.get()) return signIn(session);
  try {
    await api<Snapshot>('GET', '/console/api/state');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      token.clear();
      return signIn(session, e.message);
    }
    throw e;
  }
  open(session);
}

/** Real mode (or a sandbox reached from another machine): the admin token, kept for this tab only. */
function signIn(session: Session, problem?: string): void {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true, minlength: 16 });
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' }, problem ?? '');
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'WeChat channel console'),
    session.adminEnabled
      ? h('p', {}, 'Sign in with the ADMIN_TOKEN this server was started with. It stays in this browser tab only.')
      : h('p', {}, 'The console is off: set ADMIN_TOKEN (at least 16 characters) and restart the server.'),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Admin token'), input),
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    token.set(input.value.trim());
    void start().catch((err: unknown) => fill(error, (err as Error).message));
  });
  fill(root, h('main', { id: 'main' }, form));
  input.focus();
}

function open(session: Session): void {
  let snapshot: Snapshot | undefined;
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const alert = h('p', { class: 'status error', role: 'alert' });
  const live = h('span', { class: 'live', title: 'Live updates' }, 'connecting…');
  const views: View[] = [];
  let refreshing: Promise<void> | undefined;
  let again = false;
  const ctx: Ctx = {
    session,
    snapshot: () => snapshot,
    // One refresh at a time; events that arrive meanwhile ask for one more after it.
    refresh: async () => {
      if (refreshing) {
        again = true;
        return refreshing;
      }
      refreshing = (async () => {
        do {
          again = false;
          snapshot = await api<Snapshot>('GET', '/console/api/state');
          for (const v of views) await v.update(snapshot);
        } while (again);
      })().finally(() => (refreshing = undefined));
      return refreshing;
    },
    say: (message, kind = 'ok') => {
      fill(kind === 'error' ? alert : status, message);
      fill(kind === 'error' ? status : alert);
    },
  };
  if (session.sandbox) views.push(customerView(ctx));
  views.push(agentView(ctx), adminView(ctx));

  const tabs = views.map((v, i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${v.id}`, 'aria-controls': `panel-${v.id}`, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? 0 : -1,
    onclick: () => select(i),
  }, v.title));
  const panels = views.map((v, i) => {
    const panel = h('section', { role: 'tabpanel', id: `panel-${v.id}`, 'aria-labelledby': `tab-${v.id}`, tabindex: 0 }, v.el);
    panel.hidden = i !== 0;
    return panel;
  });
  const select = (i: number): void => {
    tabs.forEach((t, n) => {
      t.setAttribute('aria-selected', n === i ? 'true' : 'false');
      t.tabIndex = n === i ? 0 : -1;
    });
    panels.forEach((p, n) => (p.hidden = n !== i));
    ctx.say(''); // the last action's message belongs to the view it was done in
    tabs[i]!.focus();
    history.replaceState(null, '', `#${views[i]!.id}`);
  };
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' }, ...tabs);
  // Arrow keys move between tabs, as in any tab list.
  tablist.addEventListener('keydown', (e) => {
    const i = tabs.findIndex((t) => t === document.activeElement);
    if (i < 0) return;
    const next = e.key === 'ArrowRight' ? (i + 1) % tabs.length : e.key === 'ArrowLeft' ? (i - 1 + tabs.length) % tabs.length : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : -1;
    if (next >= 0) {
      e.preventDefault();
      select(next);
    }
  });
  const signOut = h('button', { type: 'button', class: 'link', onclick: () => { token.clear(); location.reload(); } }, 'Sign out');
  fill(root,
    h('header', { class: 'top' },
      h('h1', {}, 'WeChat channel console'),
      h('span', { class: 'mode' }, session.sandbox ? 'Sandbox' : session.mode),
      live,
      session.sandbox ? null : signOut,
    ),
    tablist,
    h('div', { class: 'statusbar' }, status, alert),
    h('main', { id: 'main' }, ...panels),
  );
  const initial = views.findIndex((v) => `#${v.id}` === location.hash);
  if (initial > 0) select(initial);
  void ctx.refresh().catch((e: unknown) => ctx.say((e as Error).message, 'error'));
  let timer: ReturnType<typeof setTimeout> | undefined;
  followEvents(() => {
    // A message makes several events within milliseconds: refresh once for all of them.
    clearTimeout(timer);
    timer = setTimeout(() => void ctx.refresh().catch(() => undefined), 60);
  }, (on) => {
    fill(live, on ? '● live' : 'reconnecting…');
    live.classList.toggle('on', on);
    if (on) void ctx.refresh().catch(() => undefined);
  });
}

start().catch((e: unknown) => fill(root, h('main', { id: 'main' }, h('p', { class: 'error', role: 'alert' }, `The console could not start: ${(e as Error).message}`))));
