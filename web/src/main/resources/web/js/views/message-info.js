// Message info: who has received and read one of our messages (GET …/receipts).
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { dateTime, summary } from '../format.js';
import { store } from '../state.js';
import { avatar, modal } from './ui.js';

export function openMessageInfo(app, chatId, m) {
  const body = h('div', { class: 'info' },
    h('div', { class: 'info-quote', dir: 'auto' }, summary(m)),
    h('p', { class: 'info-sub' }, `Sent ${dateTime(m.sentAt)}`));
  const list = h('div', { class: 'receipts', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Loading…'));
  body.append(list);
  modal({ id: 'message-info', title: 'Message info', content: body, className: 'modal-small' });

  api.receipts(chatId, m.msgId).then(({ receipts }) => {
    const chat = store.chats.get(chatId);
    if (!receipts.length) {
      list.replaceChildren(h('p', { class: 'hint' }, 'Only you are in this chat.'));
      return;
    }
    for (const r of receipts) if (!store.nameOf(r.userId)) app.resolveName(r.userId);
    const name = (id) => store.nameOf(id) || 'Someone';
    if (chat?.type === 'direct') {
      const r = receipts[0];
      list.replaceChildren(
        row('doubleCheck', 'read', 'Read', r.readAt ? dateTime(r.readAt) : '—'),
        row('doubleCheck', '', 'Delivered', r.deliveredAt ? dateTime(r.deliveredAt) : '—'));
      return;
    }
    const read = receipts.filter((r) => r.readAt);
    const delivered = receipts.filter((r) => r.deliveredAt && !r.readAt);
    const waiting = receipts.filter((r) => !r.deliveredAt);
    const section = (title, iconName, cls, entries, when) => entries.length
      ? h('section', { class: 'receipt-group' }, h('h3', {}, icon(iconName, cls), ` ${title}`),
        h('ul', { class: 'member-list' }, entries.map((r) => h('li', { class: 'member' }, avatar(r.userId, name(r.userId)),
          h('span', { class: 'grow member-name', dir: 'auto' }, name(r.userId)), h('span', { class: 'member-sub' }, when(r))))))
      : null;
    list.replaceChildren(...[
      section('Read by', 'doubleCheck', 'read', read, (r) => dateTime(r.readAt)),
      section('Delivered to', 'doubleCheck', '', delivered, (r) => dateTime(r.deliveredAt)),
      section('Not delivered yet', 'check', '', waiting, () => ''),
    ].filter(Boolean));
  }).catch((e) => list.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, e.message)));
}

function row(iconName, cls, label, value) {
  return h('div', { class: 'info-row' }, icon(iconName, cls), h('span', { class: 'grow' }, label), h('span', { class: 'member-sub' }, value));
}
