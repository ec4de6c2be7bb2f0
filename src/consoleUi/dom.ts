/** A tiny element builder: the console has no UI framework, and needs none for a few lists and forms. */
type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children.flat());
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children.flat());
}

let ids = 0;
/** A unique id, to tie a label to its input. */
export const uid = (prefix: string): string => `${prefix}-${++ids}`;

/** A labelled input: the label is visible and bound to the field. */
export function field(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): HTMLElement {
  input.id ||= uid('f');
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
}

/**
 * Empties a message box once its text was sent, as soon as it was (not after the refresh that
 * follows, by when the person may have typed the next message), and only if it still holds that text.
 */
export function clearIfStill(box: HTMLTextAreaElement | HTMLInputElement, sent: string): void {
  if (box.value.trim() === sent) box.value = '';
}
