// One message bubble. Built once per message (its key survives the pending → sent change),
// then updated in place: seq and id once known, ticks, upload progress, failure.
import { h, icon, linkified, setText } from '../dom.js';
import { colorIndex, hhmm, summary } from '../format.js';
import { keyOf, store } from '../state.js';
import { renderMedia } from './media.js';

const TICK = {
  pending: ['clock', 'Sending'],
  sent: ['check', 'Sent'],
  delivered: ['doubleCheck', 'Delivered'],
  read: ['doubleCheck', 'Read'],
  failed: ['error', 'Not sent'],
};

/**
 * ctx: { isGroup, lazy, openLightbox, onMenu(m, button), onQuote(msgId), retry(m), discard(m) }
 */
export function renderMessage(m, ctx) {
  if (m.kind === 'system') {
    return h('div', { class: 'msg system', 'data-testid': 'message', 'data-kind': 'system', 'data-key': keyOf(m) },
      h('span', { class: 'text', dir: 'auto' }, m.text || ''));
  }
  const mine = store.isMe(m.senderId);
  const bubble = h('div', { class: 'bubble' });
  if (ctx.isGroup && !mine) {
    bubble.append(h('span', { class: `sender c${colorIndex(m.senderId)}`, 'data-user-id': m.senderId }, store.nameOf(m.senderId) || '…'));
  }
  if (m.replyTo) bubble.append(quote(m, ctx));
  if (m.kind !== 'text') bubble.append(renderMedia(m, ctx));
  if (m.text) bubble.append(h('div', { class: 'text', dir: 'auto' }, linkified(m.text)));
  const meta = h('span', { class: 'meta' }, h('span', { class: 'time' }, hhmm(m.sentAt ?? m.createdAt)));
  if (mine) meta.append(h('span', { class: 'ticks', role: 'img' }));
  bubble.append(meta);
  const el = h('div', { class: `msg ${mine ? 'out' : 'in'} kind-${m.kind}`, 'data-testid': 'message', 'data-kind': m.kind, 'data-key': keyOf(m) },
    bubble,
    h('button', { type: 'button', class: 'msg-menu-btn', 'aria-label': 'Message options', 'aria-haspopup': 'menu', onclick: (e) => ctx.onMenu(el, e.currentTarget) }, icon('chevronDown')));
  el.addEventListener('contextmenu', (e) => {
    e.preventDefault();
    ctx.onMenu(el, el.querySelector('.msg-menu-btn'));
  });
  return el;
}

function quote(m, ctx) {
  const target = store.findMessage(m.chatId, m.replyTo);
  const who = target ? (store.isMe(target.senderId) ? 'You' : store.nameOf(target.senderId) || '…') : '';
  const q = h('button', { type: 'button', class: 'quote' + (target ? ` c${colorIndex(target.senderId)}` : ''), 'aria-label': 'Go to the quoted message' },
    h('span', { class: 'quote-who' }, who),
    h('span', { class: 'quote-text', dir: 'auto' }, target ? summary(target) : 'Original message not loaded'));
  q.addEventListener('click', () => ctx.onQuote(m.replyTo));
  return q;
}

/** Applies what can change after a message is shown. */
export function updateMessage(el, m, { pending, continued, status, ctx }) {
  if (pending) {
    el.removeAttribute('data-seq');
    el.removeAttribute('data-msg-id');
  } else {
    if (el.dataset.seq !== String(m.seq)) el.dataset.seq = String(m.seq);
    if (el.dataset.msgId !== m.msgId) el.dataset.msgId = m.msgId;
  }
  el.classList.toggle('cont', !!continued);
  el.classList.toggle('pending', !!pending);
  const ticks = el.querySelector('.ticks');
  if (ticks && status && ticks.dataset.status !== status) {
    ticks.dataset.status = status;
    ticks.replaceChildren(icon(TICK[status][0]));
    ticks.setAttribute('aria-label', TICK[status][1]);
    ticks.title = TICK[status][1];
  }
  updateTransfer(el, m, pending, ctx);
}

/** Upload progress, "not sent" with retry, or nothing. */
function updateTransfer(el, m, pending, ctx) {
  const bubble = el.querySelector('.bubble');
  let bar = el.querySelector('.transfer');
  const state = pending ? m.state : null;
  if (state !== 'uploading' && state !== 'failed') {
    bar?.remove();
    return;
  }
  if (!bar || bar.dataset.state !== state) {
    bar?.remove();
    if (state === 'uploading') {
      bar = h('div', { class: 'transfer', 'data-state': state },
        h('progress', { max: 100, value: 0, 'aria-label': 'Upload progress' }),
        h('span', { class: 'transfer-label' }, 'Uploading…'),
        h('button', { type: 'button', class: 'link-btn', onclick: () => ctx.discard(m) }, 'Cancel'));
    } else {
      bar = h('div', { class: 'transfer failed', 'data-state': state, role: 'alert' },
        h('span', { class: 'transfer-label' }, m.code === 'NETWORK' ? 'Waiting for the connection…' : `Not sent: ${m.error || 'error'}`),
        h('button', { type: 'button', class: 'link-btn', onclick: () => ctx.retry(m) }, 'Retry'),
        h('button', { type: 'button', class: 'link-btn', onclick: () => ctx.discard(m) }, 'Delete'));
    }
    bubble.insertBefore(bar, bubble.querySelector('.meta'));
  }
  if (state === 'uploading') {
    const pct = Math.round((m.progress || 0) * 100);
    bar.querySelector('progress').value = pct;
    setText(bar.querySelector('.transfer-label'), pct >= 100 ? 'Processing…' : `Uploading… ${pct}%`);
  }
}
