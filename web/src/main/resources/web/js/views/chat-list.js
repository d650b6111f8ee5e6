// The chat list: newest activity first, live from the store, filtered by the search box.
// Items are kept by chat id and updated in place, so focus and scrolling survive updates.
import { frameBatcher, h, icon, reconcile, setText } from '../dom.js';
import { listTime, summary } from '../format.js';
import { isMuted, store } from '../state.js';
import { avatar, colorId, updateAvatar } from './ui.js';

export class ChatList {
  constructor(app, { list, search, empty }) {
    this.app = app;
    this.list = list;
    this.search = search;
    this.empty = empty;
    this.items = new Map();
    // Store events come in bursts (a catch-up is one per message): one render per frame.
    this.batch = frameBatcher(() => this.render());
    const later = () => this.batch.schedule();
    this.offs = [
      store.on('chats', later),
      store.on('presence', later),
      store.on('names', later),
      store.on('typing', later),
    ];
    this.search.addEventListener('input', () => this.render());
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.search.value) {
        this.search.value = '';
        this.render();
      } else if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.list.querySelector('.chat-item-btn')?.focus();
      }
    });
    // Up and down arrows walk the list.
    this.list.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const buttons = [...this.list.querySelectorAll('.chat-item-btn')];
      const i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      e.preventDefault();
      if (e.key === 'ArrowUp' && i === 0) this.search.focus();
      else buttons[Math.min(buttons.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))].focus();
    });
    this.timer = setInterval(() => this.render(), 60_000); // "Yesterday" after midnight
    this.render();
  }

  destroy() {
    this.offs.forEach((off) => off());
    this.batch.cancel();
    clearInterval(this.timer);
  }

  render() {
    this.batch.cancel(); // rendering now covers whatever was scheduled
    const q = this.search.value.trim().toLocaleLowerCase();
    const chats = store.sortedChats().filter((c) => !q || (c.title || '').toLocaleLowerCase().includes(q));
    reconcile(this.list, chats.map((c) => this.item(c)));
    for (const id of [...this.items.keys()]) if (!store.chats.has(id)) this.items.delete(id);
    this.empty.hidden = chats.length > 0;
    this.empty.textContent = q ? 'No chats match your search.' : 'No chats yet. Start one with the New chat button above.';
  }

  item(chat) {
    let it = this.items.get(chat.chatId);
    if (!it) {
      it = {
        avatar: avatar(colorId(chat), chat.title),
        dot: h('span', { class: 'online-dot', hidden: true }),
        title: h('span', { class: 'title', dir: 'auto' }),
        time: h('span', { class: 'time' }),
        preview: h('span', { class: 'preview', dir: 'auto' }),
        typing: h('span', { class: 'typing-label', hidden: true }),
        muted: h('span', { class: 'muted-icon', title: 'Muted', hidden: true }, icon('bellOff')),
        unread: h('span', { class: 'unread', hidden: true }),
      };
      it.button = h('button', { type: 'button', class: 'chat-item-btn' },
        h('span', { class: 'avatar-wrap' }, it.avatar, it.dot),
        h('span', { class: 'chat-main' },
          h('span', { class: 'row' }, it.title, it.time),
          h('span', { class: 'row' }, it.typing, it.preview, h('span', { class: 'badges' }, it.muted, it.unread))));
      it.el = h('li', { class: 'chat-item', 'data-testid': 'chat-item', 'data-chat-id': chat.chatId }, it.button);
      it.el.addEventListener('click', () => this.app.openChat(chat.chatId));
      this.items.set(chat.chatId, it);
    }
    updateAvatar(it.avatar, colorId(chat), chat.title);
    setText(it.title, chat.title);
    setText(it.time, chat.lastMessage ? listTime(chat.lastActivityAt) : '');
    setText(it.preview, this.preview(chat));
    const typers = store.typingIn(chat.chatId);
    it.typing.hidden = typers.length === 0;
    if (typers.length) {
      const who = chat.type === 'group' ? `${store.nameOf(typers[0].userId) || 'Someone'} is ` : '';
      setText(it.typing, who + (typers[0].state === 'recording' ? 'recording…' : 'typing…'));
    }
    it.el.classList.toggle('is-typing', typers.length > 0);
    it.muted.hidden = !isMuted(chat);
    it.unread.hidden = !(chat.unread > 0);
    setText(it.unread, chat.unread > 0 ? String(chat.unread) : '');
    it.el.classList.toggle('has-unread', chat.unread > 0);
    const online = chat.type === 'direct' && store.presence.get(chat.peerUserId)?.online && !store.isMe(chat.peerUserId);
    it.dot.hidden = !online;
    const current = store.openChatId === chat.chatId;
    it.el.classList.toggle('active', current);
    if (current) it.button.setAttribute('aria-current', 'true');
    else it.button.removeAttribute('aria-current');
    it.button.setAttribute('aria-label', this.label(chat, online));
    return it.el;
  }

  preview(chat) {
    const m = chat.lastMessage;
    if (!m) return chat.type === 'group' ? 'Group created' : '';
    const text = summary(m);
    if (m.kind === 'system' || chat.type !== 'group') return text;
    if (store.isMe(m.senderId)) return `You: ${text}`;
    const name = store.nameOf(m.senderId);
    if (!name) this.app.resolveName(m.senderId);
    return name ? `${name}: ${text}` : text;
  }

  label(chat, online) {
    const parts = [chat.title];
    if (online) parts.push('online');
    if (chat.unread > 0) parts.push(`${chat.unread} unread`);
    if (isMuted(chat)) parts.push('muted');
    if (chat.lastMessage) parts.push(this.preview(chat));
    return parts.join(', ');
  }
}
