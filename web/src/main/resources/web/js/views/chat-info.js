// Contact and group info: members and roles, adding and removing (admins), the invite link,
// group settings, muting, leaving. Everything shown comes from the node and refreshes live.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { lastSeenText, normalizePhone, PHONE_RE, plural } from '../format.js';
import { isMuted, store } from '../state.js';
import { toast, toastError } from '../toast.js';
import { avatar, busy, colorId, confirmDialog, field, modal, openMenu } from './ui.js';

const HOUR = 3_600_000;

export function openMuteDialog(app, chatId) {
  const options = [
    ['8h', '8 hours', 8 * HOUR],
    ['1w', '1 week', 7 * 24 * HOUR],
    ['always', 'Always', null],
  ];
  const radios = options.map(([id, label], i) =>
    h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'mute-for', value: id, checked: i === 0 }), h('span', {}, label)));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const ok = h('button', { type: 'submit', class: 'btn primary', id: 'mute-confirm' }, 'Mute');
  const form = h('form', { class: 'form' },
    h('p', { class: 'hint' }, 'You will get no notifications from this chat for:'),
    h('div', { class: 'radios', role: 'radiogroup', 'aria-label': 'Mute for' }, radios), error,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: () => dlg.close() }, 'Cancel'), ok));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = form.querySelector('input[name=mute-for]:checked')?.value;
    const opt = options.find(([id]) => id === chosen);
    busy(ok, error, async () => {
      await app.mute(chatId, opt[2]);
      dlg.close();
      toast('Notifications muted.');
    });
  });
  const dlg = modal({ id: 'mute-dialog', title: 'Mute notifications', content: form, className: 'modal-small' });
  form.querySelector('input:checked').focus();
}

export function openChatInfo(app, chatId) {
  const chat = store.chats.get(chatId);
  if (!chat) return;
  const body = h('div', { class: 'info' });
  const dlg = modal({ id: 'chat-info', title: chat.type === 'group' ? 'Group info' : 'Contact info', content: body, onClose: () => offs.forEach((o) => o()) });
  let shown = null;
  const render = () => {
    const c = store.chats.get(chatId);
    if (!c) {
      dlg.close();
      return;
    }
    // Messages update the chat all the time: redraw only when what this shows changed, so
    // that a half-typed group name is not lost.
    const members = store.members.get(chatId);
    const sig = JSON.stringify([c.title, c.description, c.role, c.memberCount, c.onlyAdminsSend, c.onlyAdminsEdit, c.mutedUntil,
      members?.map((m) => [m.userId, m.role, m.displayName, !!store.presence.get(m.userId)?.online]),
      c.type === 'direct' ? store.presence.get(c.peerUserId) : null]);
    if (sig === shown) return;
    shown = sig;
    const focused = document.activeElement?.id;
    body.replaceChildren(...(c.type === 'group' ? groupInfo(app, c, dlg) : contactInfo(app, c)));
    if (focused) document.getElementById(focused)?.focus();
  };
  const offs = [
    store.on('chat', (id) => id === chatId && render()),
    store.on('members', (e) => e.chatId === chatId && render()),
    store.on('presence', () => render()),
  ];
  render();
  if (chat.type === 'group') app.loadMembers(chatId);
  else if (!store.isMe(chat.peerUserId)) api.presence(chat.peerUserId).then((p) => store.setPresence(p)).catch(() => {});
}

function contactInfo(app, c) {
  const p = store.presence.get(c.peerUserId);
  const status = store.isMe(c.peerUserId) ? 'This is you' : p?.online ? 'online' : p?.lastSeen ? lastSeenText(p.lastSeen) : '';
  return [
    h('div', { class: 'info-head' }, avatar(colorId(c), c.title, 'big'), h('p', { class: 'info-title', dir: 'auto' }, c.title), h('p', { class: 'info-sub' }, status)),
    muteRow(app, c),
  ];
}

function muteRow(app, c) {
  const muted = isMuted(c);
  const until = muted && c.mutedUntil < 253402300799999 ? ` until ${new Date(c.mutedUntil).toLocaleString()}` : '';
  return h('div', { class: 'info-section' },
    h('div', { class: 'info-row' }, icon(muted ? 'bellOff' : 'bell'),
      h('span', { class: 'grow' }, muted ? `Muted${until}` : 'Notifications on'),
      h('button', {
        type: 'button',
        id: 'info-mute',
        class: 'btn',
        onclick: () => (muted ? app.unmute(c.chatId).catch((e) => toastError(e, 'Could not unmute')) : openMuteDialog(app, c.chatId)),
      }, muted ? 'Unmute' : 'Mute')));
}

function groupInfo(app, c, dlg) {
  const isAdmin = c.role === 'admin' || c.role === 'owner';
  const canEdit = !c.onlyAdminsEdit || isAdmin;
  const members = store.members.get(c.chatId);
  const parts = [];

  // Title and description.
  const error = h('p', { class: 'form-error', role: 'alert' });
  if (canEdit) {
    const title = h('input', { id: 'info-title', type: 'text', value: c.title, maxlength: 100, dir: 'auto' });
    const desc = h('textarea', { id: 'info-description', rows: 2, maxlength: 512, value: c.description || '', dir: 'auto' });
    const save = h('button', { type: 'submit', class: 'btn primary', id: 'info-save' }, 'Save');
    const form = h('form', { class: 'form info-section' }, h('div', { class: 'info-head' }, avatar(colorId(c), c.title, 'big')),
      field('Group name', title), field('Description', desc), error, h('div', { class: 'actions' }, save));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const patch = {};
      if (title.value.trim() && title.value.trim() !== c.title) patch.title = title.value.trim();
      if (desc.value.trim() !== (c.description || '')) patch.description = desc.value.trim();
      if (!Object.keys(patch).length) return;
      busy(save, error, async () => {
        store.upsertChat(await api.updateGroup(c.chatId, patch));
        toast('Group updated.');
      });
    });
    parts.push(form);
  } else {
    parts.push(h('div', { class: 'info-head' }, avatar(colorId(c), c.title, 'big'), h('p', { class: 'info-title', dir: 'auto' }, c.title),
      c.description ? h('p', { class: 'info-sub', dir: 'auto' }, c.description) : null));
  }
  parts.push(h('p', { class: 'info-sub center' }, `Group · ${plural(c.memberCount || members?.length || 1, 'member', 'members')}`));
  parts.push(muteRow(app, c));

  // Settings (admins).
  if (isAdmin) {
    const toggle = (id, label, key) => {
      const box = h('input', { type: 'checkbox', id, checked: !!c[key] });
      box.addEventListener('change', async () => {
        box.disabled = true;
        try {
          store.upsertChat(await api.updateGroup(c.chatId, { [key]: box.checked }));
        } catch (e) {
          box.checked = !box.checked;
          toastError(e, 'Could not change the setting');
        } finally {
          box.disabled = false;
        }
      });
      return h('label', { class: 'check' }, box, h('span', {}, label));
    };
    parts.push(h('div', { class: 'info-section' }, h('h3', {}, 'Group settings'),
      toggle('only-admins-send', 'Only admins can send messages', 'onlyAdminsSend'),
      toggle('only-admins-edit', 'Only admins can edit the group info', 'onlyAdminsEdit')));
    parts.push(inviteSection(c));
  }

  // Members.
  const list = h('ul', { class: 'member-list', 'aria-label': 'Members' });
  if (!members) list.append(h('li', { class: 'hint' }, 'Loading members…'));
  else {
    const order = { owner: 0, admin: 1, member: 2 };
    for (const m of [...members].sort((a, b) => (store.isMe(b.userId) - store.isMe(a.userId)) || order[a.role] - order[b.role])) {
      const me = store.isMe(m.userId);
      const presence = store.presence.get(m.userId);
      const actions = isAdmin && !me && m.role !== 'owner'
        ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Actions for ${m.displayName}`, 'aria-haspopup': 'menu', onclick: (e) => memberMenu(app, c, m, e.currentTarget) }, icon('more'))
        : null;
      list.append(h('li', { class: 'member' }, avatar(m.userId, m.displayName),
        h('span', { class: 'grow' }, h('span', { class: 'member-name', dir: 'auto' }, me ? 'You' : m.displayName),
          h('span', { class: 'member-sub' }, presence?.online && !me ? 'online' : '')),
        m.role !== 'member' ? h('span', { class: 'role' }, m.role === 'owner' ? 'Owner' : 'Admin') : null, actions));
    }
  }
  const memberSection = h('div', { class: 'info-section' }, h('h3', {}, plural(members?.length || c.memberCount || 0, 'member', 'members')));
  if (isAdmin) memberSection.append(addMembersForm(app, c));
  memberSection.append(list);
  parts.push(memberSection);

  // Leave.
  parts.push(h('div', { class: 'info-section' },
    h('button', {
      type: 'button',
      id: 'leave-group',
      class: 'btn danger wide',
      onclick: async () => {
        if (!(await confirmDialog({ title: 'Leave group?', message: `You will stop receiving messages from “${c.title}”.`, confirmLabel: 'Leave', danger: true }))) return;
        try {
          await app.leaveGroup(c.chatId);
          dlg.close();
        } catch (e) {
          toastError(e, 'Could not leave the group');
        }
      },
    }, icon('exit'), ' Leave group')));
  return parts;
}

function addMembersForm(app, c) {
  const input = h('input', { id: 'add-members', type: 'text', placeholder: '+14155550123, …', autocomplete: 'off' });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const add = h('button', { type: 'submit', class: 'btn', id: 'add-members-submit' }, icon('personAdd'), ' Add');
  const form = h('form', { class: 'form inline-form' }, field('Add members by phone number', input), add, error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const phones = [...new Set(input.value.split(/[,;\n]+/).map(normalizePhone).filter(Boolean))];
    if (!phones.length) return;
    const bad = phones.filter((p) => !PHONE_RE.test(p));
    if (bad.length) {
      error.textContent = `Not a phone number in international format: ${bad.join(', ')}`;
      return;
    }
    busy(add, error, async () => {
      const ids = [];
      const missing = [];
      for (const p of phones) {
        try {
          ids.push((await api.findUser(p)).userId);
        } catch (err) {
          if (err.code === 'USER_NOT_FOUND') missing.push(p);
          else throw err;
        }
      }
      if (missing.length) throw new Error(`No one uses Parley with ${missing.join(', ')}.`);
      const { members } = await api.addMembers(c.chatId, ids);
      store.setMembers(c.chatId, members);
      input.value = '';
      app.refreshGroupSoon(c.chatId);
    });
  });
  return form;
}

function memberMenu(app, c, m, button) {
  const run = (fn, failure) => async () => {
    try {
      await fn();
      await app.loadMembers(c.chatId);
    } catch (e) {
      toastError(e, failure);
    }
  };
  openMenu(button, [
    m.role === 'admin'
      ? { label: 'Dismiss as admin', action: run(() => api.setRole(c.chatId, m.userId, 'member'), 'Could not change the role') }
      : { label: 'Make group admin', action: run(() => api.setRole(c.chatId, m.userId, 'admin'), 'Could not change the role') },
    {
      label: `Remove ${m.displayName}`,
      danger: true,
      action: async () => {
        if (!(await confirmDialog({ title: 'Remove member?', message: `Remove ${m.displayName} from “${c.title}”?`, confirmLabel: 'Remove', danger: true }))) return;
        await run(() => api.removeMember(c.chatId, m.userId), 'Could not remove the member')();
      },
    },
  ], { label: `Actions for ${m.displayName}` });
}

function inviteSection(c) {
  const out = h('div', { class: 'invite-out' });
  const show = (code) => {
    const link = `${location.origin}/#/join/${c.chatId}/${code}`;
    const text = h('input', { type: 'text', readonly: true, value: link, id: 'invite-link', 'aria-label': 'Invite link' });
    out.replaceChildren(text, h('button', {
      type: 'button',
      class: 'btn',
      onclick: async () => {
        text.select();
        try {
          await navigator.clipboard.writeText(link);
          toast('Invite link copied.');
        } catch {
          toast('Select the link and copy it.');
        }
      },
    }, icon('copy'), ' Copy'));
  };
  const create = h('button', {
    type: 'button',
    class: 'btn',
    id: 'invite-create',
    onclick: async () => {
      try {
        show((await api.createInvite(c.chatId)).inviteCode);
      } catch (e) {
        toastError(e, 'Could not create the link');
      }
    },
  }, icon('link'), ' Create new link');
  const revoke = h('button', {
    type: 'button',
    class: 'btn danger',
    id: 'invite-revoke',
    onclick: async () => {
      try {
        await api.revokeInvite(c.chatId);
        out.replaceChildren(h('p', { class: 'hint' }, 'The link no longer works.'));
      } catch (e) {
        toastError(e, 'Could not revoke the link');
      }
    },
  }, 'Revoke link');
  return h('div', { class: 'info-section' }, h('h3', {}, 'Invite link'),
    h('p', { class: 'hint' }, 'Anyone with the link can join. A new link replaces the old one.'), h('div', { class: 'actions left' }, create, revoke), out);
}
