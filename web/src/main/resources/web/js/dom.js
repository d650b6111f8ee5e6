// Tiny DOM helpers. Everything a user typed reaches the page through textContent (or
// attributes set one by one), never through HTML parsing: a message reading
// "<img src=x onerror=...>" stays text.
import { ICONS } from './icons.js';

const SVG = 'http://www.w3.org/2000/svg';
// Properties set as DOM properties rather than attributes.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate', 'multiple', 'muted']);

/** h('button', {class: 'x', onclick: fn, 'aria-label': 'Close'}, child, 'text', [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (PROPS.has(k)) el[k] = v;
      else if (k === 'style') throw new Error('inline styles are refused by the CSP; use a class');
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** An inline SVG icon, hidden from assistive technology (its button carries the label). */
export function icon(name, cls) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon' + (cls ? ' ' + cls : ''));
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name] || '');
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

/** A labelled icon button. */
export function iconButton(name, label, props = {}) {
  return h('button', { type: 'button', class: 'icon-btn', 'aria-label': label, title: label, ...props }, icon(name));
}

export function setText(el, text) {
  const t = text == null ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

/**
 * Puts exactly `nodes` into `parent`, in order, moving only what is out of place: elements
 * keep their identity (focus, loaded images, playing media survive a re-render).
 */
export function reconcile(parent, nodes) {
  // Moving an element takes the focus out of it: give it back if it is still shown.
  const focused = parent.contains(document.activeElement) ? document.activeElement : null;
  let i = 0;
  for (const node of nodes) {
    const at = parent.childNodes[i];
    if (at !== node) parent.insertBefore(node, at || null);
    i++;
  }
  while (parent.childNodes.length > nodes.length) parent.lastChild.remove();
  if (focused && focused !== document.activeElement && focused.isConnected && parent.contains(focused)) {
    focused.focus({ preventScroll: true });
  }
}

/**
 * Runs `fn` once in the next animation frame however often it is asked for before then, so a
 * burst of store events (a long catch-up) costs one render. Returns { schedule, cancel }.
 */
export function frameBatcher(fn) {
  let id = 0;
  return {
    schedule() {
      if (!id) id = requestAnimationFrame(() => {
        id = 0;
        fn();
      });
    },
    cancel() {
      if (id) cancelAnimationFrame(id);
      id = 0;
    },
  };
}

/** Turns http(s) links in a text into anchors; all of it stays text nodes otherwise. */
export function linkified(text) {
  const out = [];
  const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
