// "New chat" (a 1:1 chat by phone number) and "New group" (a title and members by phone).
import { h } from '../dom.js';
import { normalizePhone, PHONE_RE } from '../format.js';
import { busy, field, modal } from './ui.js';

export function openNewChat(app) {
  const phone = h('input', { id: 'new-chat-phone', type: 'tel', inputmode: 'tel', autocomplete: 'off', placeholder: '+14155550123', required: true });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'new-chat-error' });
  const start = h('button', { id: 'new-chat-start', type: 'submit', class: 'btn primary' }, 'Start chat');
  const form = h('form', { class: 'form', novalidate: true }, field('Phone number', phone, 'With the country code, like +44 20 7946 0958.'), error,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'), start));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const number = normalizePhone(phone.value);
    if (!PHONE_RE.test(number)) {
      error.textContent = 'Enter a phone number in international format, starting with + and the country code.';
      phone.focus();
      return;
    }
    busy(start, error, async () => {
      try {
        const chat = await app.startDirectChat(number);
        dlg.close();
        app.openChat(chat.chatId);
      } catch (err) {
        if (err.code === 'USER_NOT_FOUND') throw new Error(`No one uses Parley with ${number} yet.`);
        throw err;
      }
    });
  });
  const dlg = modal({ id: 'new-chat-dialog', title: 'New chat', content: form, className: 'modal-small' });
  phone.focus();
}

export function openNewGroup(app) {
  const title = h('input', { id: 'group-title', type: 'text', maxlength: 100, autocomplete: 'off', required: true });
  const members = h('input', { id: 'group-members', type: 'text', autocomplete: 'off', placeholder: '+14155550123, +14155550124' });
  const description = h('textarea', { id: 'group-description', rows: 2, maxlength: 512 });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'group-error' });
  const create = h('button', { id: 'group-create', type: 'submit', class: 'btn primary' }, 'Create group');
  const form = h('form', { class: 'form', novalidate: true },
    field('Group name', title),
    field('Members', members, 'Phone numbers, separated by commas. You can add more later.'),
    field('Description (optional)', description),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'), create));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = title.value.trim();
    if (!name) {
      error.textContent = 'Give the group a name.';
      title.focus();
      return;
    }
    const phones = [...new Set(members.value.split(/[,;\n]+/).map(normalizePhone).filter(Boolean))];
    const bad = phones.filter((p) => !PHONE_RE.test(p));
    if (bad.length) {
      error.textContent = `Not a phone number in international format: ${bad.join(', ')}`;
      members.focus();
      return;
    }
    busy(create, error, async () => {
      const chat = await app.createGroup(name, phones, description.value.trim());
      dlg.close();
      app.openChat(chat.chatId);
    });
  });
  const dlg = modal({ id: 'new-group-dialog', title: 'New group', content: form, className: 'modal-small' });
  title.focus();
}
