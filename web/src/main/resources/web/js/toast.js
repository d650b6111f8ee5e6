// Transient notices at the bottom of the screen; errors are announced assertively.
import { h, icon } from './dom.js';

let region = null;

/** The topmost open modal dialog: the rest of the page is inert (and below it) while it is open. */
function openModal() {
  let modals;
  try {
    modals = document.querySelectorAll('dialog:modal');
  } catch {
    modals = document.querySelectorAll('dialog[open]'); // browsers without :modal
  }
  return modals.length ? modals[modals.length - 1] : null;
}

function ensureRegion() {
  if (!region || !region.isConnected) region = h('div', { id: 'toasts', class: 'toasts' });
  // Inside the open modal dialog, so toasts are seen, announced and their buttons usable.
  const host = openModal() || document.body;
  if (region.parentNode !== host) host.append(region);
  return region;
}

export function toast(message, { kind = 'info', timeout = 5000, action } = {}) {
  const close = () => el.remove();
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'toast-text' }, message),
    action ? h('button', { type: 'button', class: 'toast-action', onclick: () => { close(); action.run(); } }, action.label) : null,
    h('button', { type: 'button', class: 'toast-close icon-btn', 'aria-label': 'Dismiss', onclick: close }, icon('close')));
  ensureRegion().append(el);
  if (timeout) setTimeout(close, timeout);
  return close;
}

/** Shows an error with the node's message (and its request id when there is one). */
export function toastError(err, prefix) {
  const msg = err?.message || String(err);
  const text = (prefix ? prefix + ': ' : '') + msg + (err?.requestId ? ` (request ${err.requestId})` : '');
  console.warn(text, err);
  return toast(text, { kind: 'error', timeout: 8000 });
}
