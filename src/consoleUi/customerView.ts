import { api, upload } from './api';
import { loadChat, rememberPicture, renderChat } from './chat';
import { attempt, type Ctx, type View } from './context';
import { append, clearIfStill, field, fill, h } from './dom';

/** WeCom's media type for a file the customer picks (the server and the bot apply the real rules). */
function mediaTypeOf(file: File): 'image' | 'voice' | 'video' | 'file' {
  if (file.type.startsWith('image/')) return 'image';
  if (file.type.startsWith('video/')) return 'video';
  if (file.type === 'audio/amr' || file.name.toLowerCase().endsWith('.amr')) return 'voice';
  return 'file';
}

/** A paperclip drawn inline: no icon font or image to fetch, and no emoji font needed. */
function paperclip(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '22');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  svg.appendChild(path);
  return svg;
}

/** The sandbox's WeChat customer: a phone-like chat with the bot (and, after a handoff, a human). */
export function customerView(ctx: Ctx): View {
  const who = h('input', { type: 'text', name: 'customer', value: sessionStorage.getItem('wecom-console-customer') ?? 'alice', autocomplete: 'off', pattern: '[A-Za-z0-9_-]{1,64}', required: true });
  const customer = (): string => who.value.trim() || 'alice';
  const log = h('ol', { class: 'chat', 'aria-live': 'polite', 'aria-label': 'Chat with the bot' });
  const text = h('textarea', { name: 'text', rows: 2, maxlength: 2048, placeholder: 'Type a message', enterkeyhint: 'send' });
  const file = h('input', { type: 'file', name: 'media', class: 'visually-hidden' });
  const base = (): string => `/sandbox/customers/${encodeURIComponent(customer())}`;

  let shown: string[] = [];
  const redraw = async (): Promise<void> => {
    const lines = await loadChat(customer());
    const ids = lines.map((l) => l.msgid);
    if (ids.join(' ') === shown.join(' ')) return; // nothing new: keep the list (and the reader's place) as it is
    const options = { customer: customer(), onMenu: (id: string, content: string) => void attempt(ctx, () => api('POST', `/console/api/sandbox/customers/${encodeURIComponent(customer())}/menu`, { menuId: id, content })) };
    // New lines are appended, so the live region reads out only them, not the whole chat again.
    const grows = shown.length > 0 && shown.every((id, i) => ids[i] === id);
    if (grows) append(log, renderChat(lines.slice(shown.length), options));
    else fill(log, lines.length ? renderChat(lines, options) : [h('li', { class: 'system' }, 'No messages yet. Open the chat link, or say hello.')]);
    shown = ids;
    log.scrollTop = log.scrollHeight; // the newest line in view, as in WeChat
  };


  const send = async (): Promise<void> => {
    const value = text.value.trim();
    if (!value) return;
    await attempt(ctx, () => api('POST', `${base()}/messages`, { text: value }).then(() => clearIfStill(text, value)));
    await redraw();
  };
  text.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter breaks the line, as in WeChat on a desktop.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  });
  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (!picked) return;
    file.value = ''; // ready for the next file at once (the same one again, too)
    void attempt(ctx, async () => {
      const { msgid } = await upload<{ msgid: string }>(`${base()}/messages?type=${mediaTypeOf(picked)}`, picked);
      if (mediaTypeOf(picked) === 'image') rememberPicture(msgid, picked);
    }, `Sent ${picked.name}`).then(() => redraw());
  });
  who.addEventListener('change', () => {
    sessionStorage.setItem('wecom-console-customer', customer());
    shown = [];
    void redraw();
  });

  const form = h('form', { class: 'composer', 'aria-label': 'Write to the bot' },
    h('label', { for: 'customer-text', class: 'visually-hidden' }, 'Message'),
    text,
    file,
    h('label', { class: 'button attach', for: 'customer-file', title: 'Send a photo or file' }, paperclip(), h('span', { class: 'visually-hidden' }, 'Send a photo or file')),
    h('button', { type: 'submit', class: 'primary' }, 'Send'),
  );
  text.id = 'customer-text';
  file.id = 'customer-file';
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });

  const el = h('div', { class: 'customer' },
    h('div', { class: 'phone' },
      h('div', { class: 'phone-top' },
        h('h2', {}, 'Sandbox support'),
        h('p', { class: 'hint' }, 'WeChat, as your customer sees it'),
      ),
      h('div', { class: 'phone-who' },
        field('Customer id', who),
        h('button', { type: 'button', onclick: () => void attempt(ctx, () => api('POST', `${base()}/enter`, {}), 'You opened the chat link').then(redraw) }, 'Open the chat link'),
      ),
      log,
      form,
    ),
  );
  return { id: 'customer', title: 'Customer', el, update: () => redraw() };
}
