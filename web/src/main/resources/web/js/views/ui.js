// Shared pieces of UI: avatars, modal dialogs (native <dialog>: focus stays inside, Escape
// closes), confirmations and pop-up menus.
import { h, icon, iconButton } from '../dom.js';
import { colorIndex, initials } from '../format.js';

export function avatar(id, name, extra = '') {
  return h('span', { class: `avatar c${colorIndex(id)} ${extra}`.trim(), 'aria-hidden': 'true' }, initials(name));
}

/** The id whose colour a chat's avatar takes: the peer's for a 1:1 chat, the chat's for a group. */
export const colorId = (chat) => (chat?.type === 'direct' && chat.peerUserId) || chat?.chatId || '';

export function updateAvatar(el, id, name) {
  const cls = `c${colorIndex(id)}`;
  if (!el.classList.contains(cls)) {
    for (const c of [...el.classList]) if (/^c\d+$/.test(c)) el.classList.remove(c);
    el.classList.add(cls);
  }
  const t = initials(name);
  if (el.textContent !== t) el.textContent = t;
}

/**
 * Opens a modal dialog; it removes itself when closed and gives focus back to where it was.
 * Returns the <dialog>; `onClose` runs once it is closed.
 */
export function modal({ id, title, content, onClose, className = '' }) {
  const opener = document.activeElement;
  const titleId = `${id}-title`;
  const dlg = h('dialog', { id, class: `modal ${className}`.trim(), 'aria-labelledby': titleId },
    h('header', { class: 'modal-head' },
      h('h2', { id: titleId }, title),
      iconButton('close', 'Close', { class: 'icon-btn modal-close', onclick: () => dlg.close() })),
    h('div', { class: 'modal-body' }, content));
  dlg.addEventListener('close', () => {
    dlg.remove();
    onClose?.();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  // A click on the backdrop (outside the box) closes, as people expect.
  dlg.addEventListener('mousedown', (e) => {
    if (e.target === dlg) {
      const r = dlg.getBoundingClientRect();
      if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) dlg.close();
    }
  });
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

/** A yes/no question; resolves true when confirmed. */
export function confirmDialog({ title, message, confirmLabel = 'OK', danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = h('button', { type: 'button', class: danger ? 'btn danger' : 'btn primary', onclick: () => { answer = true; dlg.close(); } }, confirmLabel);
    const dlg = modal({
      id: 'confirm-dialog',
      title,
      className: 'modal-small',
      content: [
        h('p', { class: 'confirm-text' }, message),
        h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'), ok),
      ],
      onClose: () => resolve(answer),
    });
    ok.focus();
  });
}

let openMenuEl = null;

export function closeMenu() {
  if (!openMenuEl) return;
  const { el, anchor, cleanup } = openMenuEl;
  openMenuEl = null;
  cleanup();
  el.remove();
  anchor?.setAttribute('aria-expanded', 'false');
}

/** A pop-up menu next to `anchor`: items are {label, icon, action, danger}. Arrow keys move, Escape closes. */
export function openMenu(anchor, items, { label = 'Menu' } = {}) {
  closeMenu();
  const buttons = items.filter(Boolean).map((it) =>
    h('button', {
      type: 'button',
      role: 'menuitem',
      class: 'menu-item' + (it.danger ? ' danger' : ''),
      onclick: () => {
        closeMenu();
        anchor?.focus();
        it.action();
      },
    }, it.icon ? icon(it.icon) : null, h('span', {}, it.label)));
  const el = h('div', { class: 'menu', role: 'menu', 'aria-label': label }, buttons);
  // Inside a modal dialog the menu must live in the dialog, which is in the top layer.
  (anchor.closest('dialog[open]') || document.body).append(el);
  const r = anchor.getBoundingClientRect();
  const w = el.offsetWidth;
  const hgt = el.offsetHeight;
  const left = Math.max(8, Math.min(r.right - w, window.innerWidth - w - 8));
  const below = r.bottom + hgt + 8 <= window.innerHeight;
  const top = Math.min(Math.max(8, below ? r.bottom + 4 : r.top - hgt - 4), Math.max(8, window.innerHeight - hgt - 8));
  el.style.left = `${left}px`; // CSSOM, which the style-src CSP allows
  el.style.top = `${top}px`;
  anchor.setAttribute('aria-expanded', 'true');
  const onKey = (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      closeMenu();
      anchor.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = buttons.length;
      buttons[(i + (e.key === 'ArrowDown' ? 1 : -1) + n) % n].focus();
    } else if (e.key === 'Tab') {
      closeMenu();
    }
  };
  const onDown = (e) => {
    if (!el.contains(e.target) && e.target !== anchor && !anchor.contains(e.target)) closeMenu();
  };
  document.addEventListener('keydown', onKey, true);
  document.addEventListener('mousedown', onDown, true);
  window.addEventListener('resize', closeMenu);
  openMenuEl = {
    el,
    anchor,
    cleanup: () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('mousedown', onDown, true);
      window.removeEventListener('resize', closeMenu);
    },
  };
  buttons[0]?.focus();
}

/** A labelled form field. */
export function field(label, input, hint) {
  const hintEl = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

/** Disables a button while an async action runs; errors land in `errorEl`. */
export async function busy(button, errorEl, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (errorEl) errorEl.textContent = '';
  try {
    return await fn();
  } catch (e) {
    if (errorEl) errorEl.textContent = e.message;
    else throw e;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
