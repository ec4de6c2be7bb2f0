// qrcode (with pngjs, about 9 MiB) is loaded on the first QR code asked for: most processes draw none.

/** The chat link as a PNG QR code (medium error correction, 8 px modules, a quiet zone of 4). */
export async function qrPng(chatLink: string): Promise<Buffer> {
  const { toBuffer } = await import('qrcode');
  return toBuffer(chatLink, { type: 'png', errorCorrectionLevel: 'M', scale: 8, margin: 4 });
}

/** The chat link as an SVG QR code. */
export async function qrSvg(chatLink: string): Promise<string> {
  const { toString } = await import('qrcode');
  return toString(chatLink, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}

const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

export interface MessageButtonOptions {
  /** The button's text. Default `Chat with us on WeChat`. */
  readonly label?: string;
}

/**
 * An embeddable message button: one `<a>` with inline styles, no script, no external assets, so
 * it works in a help centre that allows only HTML. The channel name labels it for screen readers,
 * and it opens the chat link in a new tab.
 *
 * @example
 * messageButtonHtml({ name: 'Support', chatLink: 'https://work.weixin.qq.com/kfid/kfc123?enc_scene=x' })
 * // '<a href="https://work.weixin.qq.com/kfid/kfc123?enc_scene=x" target="_blank" rel="noopener noreferrer" …>Chat with us on WeChat</a>'
 */
export function messageButtonHtml(channel: { readonly name: string; readonly chatLink: string }, options: MessageButtonOptions = {}): string {
  const url = new URL(channel.chatLink); // WeCom's links are https; anything else is refused before it reaches a page
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError('the chat link must be an http(s) URL');
  const label = options.label ?? 'Chat with us on WeChat';
  const style = [
    'display:inline-block', 'padding:10px 18px', 'border-radius:6px', 'background:#07c160', 'color:#ffffff',
    'font:600 15px/1.2 system-ui,-apple-system,"Segoe UI",sans-serif', 'text-decoration:none',
  ].join(';');
  return `<a href="${escapeHtml(url.href)}" target="_blank" rel="noopener noreferrer" role="button" ` +
    `aria-label="${escapeHtml(`${label}: ${channel.name} (opens WeChat in a new tab)`)}" style="${escapeHtml(style)}">${escapeHtml(label)}</a>`;
}
