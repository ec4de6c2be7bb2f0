import { api, blobUrl } from './api';
import { h } from './dom';
import type { ChatLine } from './types';

/** Object URLs of pictures already shown, by media id or msgid (a refresh must not refetch them). */
const pictures = new Map<string, string>();

/** A photo the customer just sent: shown from the browser's own copy. */
export function rememberPicture(msgid: string, file: File): void {
  pictures.set(msgid, URL.createObjectURL(file));
}

interface MenuItem { type: string; click?: { id?: string; content: string }; view?: { url: string; content: string }; text?: { content: string } }

/** Renders one chat, WeChat-like: the customer on the right, the bot and the agent on the left. */
export function renderChat(lines: ChatLine[], options: { customer?: string; onMenu?: (id: string, content: string) => void }): HTMLElement[] {
  return lines.filter((l) => !(l.msgtype === 'event' && l.from === 'customer' && !isEnter(l))).map((line) => {
    if (isEnter(line)) return h('li', { class: 'system' }, `${options.customer ?? 'The customer'} opened the chat`);
    const who = line.from === 'customer' ? 'You' : line.from === 'agent' ? 'Human agent' : 'Bot';
    const label = options.customer && line.from === 'customer' ? 'You' : line.from === 'customer' ? 'Customer' : who;
    return h('li', { class: `msg from-${line.from}`, 'data-msgid': line.msgid },
      h('span', { class: 'who' }, label),
      h('div', { class: 'bubble' }, ...body(line, options.onMenu)),
    );
  });
}

const isEnter = (l: ChatLine): boolean => l.msgtype === 'event' && (l.payload as { event_type?: string }).event_type === 'enter_session';

function body(line: ChatLine, onMenu?: (id: string, content: string) => void): (Node | string)[] {
  const p = line.payload;
  switch (line.msgtype) {
    case 'text':
      return [String(p.content ?? '')];
    case 'msgmenu': {
      const items = (p.list as MenuItem[] | undefined) ?? [];
      return [
        ...(p.head_content ? [h('p', {}, String(p.head_content))] : []),
        h('ul', { class: 'menu' }, ...items.map((i) => h('li', {},
          i.click ? (onMenu ? h('button', { type: 'button', class: 'menu-item', onclick: () => onMenu(i.click!.id ?? '', i.click!.content) }, i.click.content) : h('span', { class: 'menu-item' }, i.click.content))
            : i.view ? h('a', { href: i.view.url, target: '_blank', rel: 'noopener noreferrer' }, i.view.content)
              : h('span', {}, i.text?.content ?? i.type)))),
        ...(p.tail_content ? [h('p', {}, String(p.tail_content))] : []),
      ];
    }
    case 'link':
      return [h('a', { href: String(p.url ?? '#'), target: '_blank', rel: 'noopener noreferrer' }, String(p.title ?? p.url ?? 'link'))];
    case 'image':
      return [picture(line)];
    case 'voice': case 'video': case 'file':
      return [attachment(line)];
    default:
      return [`[${line.msgtype}]`];
  }
}

/** A picture: the bot's from WeCom's media (behind the token), the customer's from their own copy. */
function picture(line: ChatLine): Node {
  const mediaId = typeof line.payload.media_id === 'string' ? line.payload.media_id : undefined;
  const name = String(line.payload.filename ?? 'picture');
  const key = mediaId ?? line.msgid;
  const img = h('img', { alt: line.from === 'customer' ? `Your picture ${name}` : 'Picture from the bot', class: 'picture' });
  const known = pictures.get(key);
  if (known) img.src = known;
  else if (mediaId) void blobUrl(`/console/api/sandbox/media/${encodeURIComponent(mediaId)}`).then((url) => { pictures.set(key, url); img.src = url; }, () => img.replaceWith(`[picture ${mediaId}]`));
  else return h('span', { class: 'file' }, `Picture: ${name}`);
  return img;
}

function attachment(line: ChatLine): Node {
  const mediaId = typeof line.payload.media_id === 'string' ? line.payload.media_id : undefined;
  const name = String(line.payload.filename ?? line.msgtype);
  if (!mediaId) return h('span', { class: 'file' }, `File: ${name}`);
  const link = h('a', { href: '#', class: 'file' }, `Download the ${line.msgtype}`);
  link.addEventListener('click', (e) => {
    e.preventDefault();
    void blobUrl(`/console/api/sandbox/media/${encodeURIComponent(mediaId)}`).then((url) => window.open(url, '_blank'));
  });
  return link;
}

export async function loadChat(customer: string): Promise<ChatLine[]> {
  return api<ChatLine[]>('GET', `/console/api/sandbox/customers/${encodeURIComponent(customer)}/chat`);
}
