// An open chat: header (title, presence or typing, mute), the message log with day
// separators, the unread divider, older history loaded on scrolling up, a jump-to-latest
// button counting new messages, and the composer.
import { frameBatcher, h, icon, iconButton, reconcile, setText } from '../dom.js';
import { dayKey, dayLabel, lastSeenText, plural } from '../format.js';
import { isMuted, keyOf, store } from '../state.js';
import { toast, toastError } from '../toast.js';
import { openChatInfo, openMuteDialog } from './chat-info.js';
import { Composer } from './composer.js';
import { download, openLightbox } from './media.js';
import { renderMessage, updateMessage } from './message.js';
import { openMessageInfo } from './message-info.js';
import { avatar, colorId, confirmDialog, openMenu, updateAvatar } from './ui.js';

const NEAR_BOTTOM_PX = 120;

export class ConversationView {
  constructor(app, chatId) {
    this.app = app;
    this.chatId = chatId;
    this.els = new Map(); // message key -> element
    this.days = new Map(); // day key -> separator
    this.newBelow = 0;
    const chat = store.chats.get(chatId);
    // Where the "unread messages" divider goes: fixed when the chat is opened.
    this.unreadCount = chat?.unread || 0;
    this.firstUnreadSeq = this.unreadCount > 0 ? chat.lastSeq - this.unreadCount + 1 : null;
    this.build(chat);
    this.ctx = {
      isGroup: chat?.type === 'group',
      lazy: (el, load) => this.lazy(el, load),
      openLightbox: (m, src) => openLightbox(m, src),
      onMenu: (el, button) => this.messageMenu(el, button),
      onQuote: (msgId) => this.jumpTo(msgId),
      retry: (m) => this.app.retryPending(m.chatId, m.clientMsgId),
      discard: (m) => this.app.discardPending(m.chatId, m.clientMsgId),
    };
  }

  build(chat) {
    this.avatarEl = avatar(colorId(chat), chat?.title);
    this.titleEl = h('span', { id: 'chat-title', class: 'title', dir: 'auto' }, chat?.title || '');
    this.statusEl = h('span', { id: 'peer-status', class: 'status', 'aria-live': 'polite' });
    this.mutedEl = h('span', { class: 'muted-icon', title: 'Muted', 'aria-label': 'Muted', role: 'img', hidden: true }, icon('bellOff'));
    const menuBtn = iconButton('more', 'Chat menu', { id: 'chat-menu', 'aria-haspopup': 'menu' });
    menuBtn.addEventListener('click', () => this.chatMenu(menuBtn));
    const header = h('header', { class: 'bar conv-header' },
      iconButton('back', 'Back to chats', { id: 'back', class: 'icon-btn back', onclick: () => this.app.closeChat() }),
      h('button', { type: 'button', class: 'conv-peer', 'aria-label': chat?.type === 'group' ? 'Group info' : 'Contact info', onclick: () => openChatInfo(this.app, this.chatId) },
        this.avatarEl, h('span', { class: 'conv-peer-text' }, this.titleEl, this.statusEl)),
      this.mutedEl, menuBtn);

    this.topEl = h('div', { class: 'history-top' });
    this.typingEl = h('div', { id: 'typing', class: 'typing-indicator', hidden: true },
      h('span', { class: 'dots', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')), h('span', { class: 'typing-text' }));
    this.unreadEl = h('div', { class: 'unread-sep', role: 'separator' }, h('span', {}, plural(this.unreadCount, 'unread message', 'unread messages')));
    this.list = h('div', { id: 'messages', class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages', tabindex: '0' });
    this.badge = h('span', { class: 'badge', hidden: true });
    this.downBtn = h('button', { id: 'scroll-bottom', type: 'button', class: 'scroll-bottom', hidden: true, 'aria-label': 'Scroll to the latest message', title: 'Latest messages', onclick: () => this.scrollToBottom(true) }, icon('chevronDown'), this.badge);
    this.wrap = h('div', { class: 'messages-wrap' }, this.list, this.downBtn);
    this.composer = new Composer(this.app, this.chatId, { host: this.wrap, onSent: () => this.scrollToBottom() });
    this.root = h('section', { id: 'conversation', class: 'conversation', 'aria-labelledby': 'chat-title', 'data-chat-id': this.chatId },
      header, this.wrap, this.composer.el);

    this.list.addEventListener('scroll', () => this.onScroll(), { passive: true });
    // Older history when the top comes into view; media when their bubble does.
    this.topObserver = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && this.loadOlder(), { root: this.list, rootMargin: '400px 0px 0px 0px' });
    this.mediaObserver = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        this.mediaObserver.unobserve(e.target);
        const load = this.lazyLoads.get(e.target);
        this.lazyLoads.delete(e.target);
        load?.();
      }
    }, { root: this.list, rootMargin: '600px 0px' });
    this.lazyLoads = new Map();
    this.logBatch = frameBatcher(() => this.flushLog());
  }

  mount(parent) {
    parent.append(this.root);
    this.composer.autosize(); // a restored draft needs the layout to be measured
    this.offs = [
      store.on('log', (e) => e.chatId === this.chatId && this.onLog(e)),
      store.on('pending', (e) => e.chatId === this.chatId && this.updatePending(e.clientMsgId)),
      store.on('ticks', (e) => e.chatId === this.chatId && this.updateTicks()),
      store.on('typing', (e) => e.chatId === this.chatId && this.updateStatus()),
      store.on('presence', () => this.updateStatus()),
      store.on('members', (e) => e.chatId === this.chatId && (this.updateStatus(), this.updateNames())),
      store.on('names', () => this.updateNames()),
      store.on('chat', (id) => id === this.chatId && this.updateHeader()),
    ];
    this.updateHeader();
    this.render({ initial: true });
    this.topObserver.observe(this.topEl);
    this.dayTimer = setInterval(() => this.render({}), 60_000);
    const log = store.log(this.chatId);
    if (!log.loaded) {
      this.topEl.textContent = 'Loading messages…';
      this.list.setAttribute('aria-busy', 'true');
      this.app.loadHistory(this.chatId).then(() => {
        if (this.destroyed) return;
        if (!log.loaded) this.topEl.textContent = 'The messages could not be loaded; they will be once connected.';
        this.render({ initial: true });
      });
    } else {
      this.positionInitially();
    }
    if (matchMedia('(pointer: fine)').matches) this.composer.focus();
  }

  destroy() {
    this.destroyed = true;
    this.logBatch.cancel();
    this.offs?.forEach((off) => off());
    clearInterval(this.dayTimer);
    this.topObserver.disconnect();
    this.mediaObserver.disconnect();
    this.composer.destroy();
    this.root.remove();
  }

  setReply(m) {
    this.composer.setReply(m);
  }

  // ---- header ----

  updateHeader() {
    const chat = store.chats.get(this.chatId);
    if (!chat) return;
    setText(this.titleEl, chat.title);
    updateAvatar(this.avatarEl, colorId(chat), chat.title);
    this.mutedEl.hidden = !isMuted(chat);
    this.updateStatus();
  }

  /** "typing…", "online", "last seen …", or a group's members. Also fills #typing. */
  updateStatus() {
    const chat = store.chats.get(this.chatId);
    if (!chat) return;
    const typers = store.typingIn(this.chatId);
    let typingText = '';
    if (typers.length) {
      const recording = typers.some((t) => t.state === 'recording');
      const verb = recording ? 'recording audio…' : 'typing…';
      if (chat.type === 'direct') typingText = verb;
      else if (typers.length === 1) typingText = `${store.nameOf(typers[0].userId) || 'Someone'} is ${verb}`;
      else typingText = `${typers.length} people are ${recording ? 'recording…' : 'typing…'}`;
    }
    const wasHidden = this.typingEl.hidden;
    this.typingEl.hidden = !typingText;
    setText(this.typingEl.querySelector('.typing-text'), typingText);
    if (wasHidden && typingText && this.isNearBottom()) this.scrollToBottom();

    let status = typingText;
    if (!status) {
      if (chat.type === 'direct') {
        if (store.isMe(chat.peerUserId)) status = 'Message yourself';
        else {
          const p = store.presence.get(chat.peerUserId);
          status = p?.online ? 'online' : p?.lastSeen ? lastSeenText(p.lastSeen) : '';
        }
      } else {
        const members = store.members.get(this.chatId);
        if (members) {
          const names = members.filter((m) => !store.isMe(m.userId)).map((m) => m.displayName);
          status = [...names, 'You'].join(', ');
        } else status = plural(chat.memberCount || 1, 'member', 'members');
      }
    }
    setText(this.statusEl, status);
    this.statusEl.classList.toggle('is-typing', !!typingText);
  }

  updateNames() {
    for (const el of this.list.querySelectorAll('.sender[data-user-id]')) {
      const id = el.dataset.userId;
      const name = store.nameOf(id);
      if (name) setText(el, name);
      else this.app.resolveName(id);
    }
  }

  chatMenu(button) {
    const chat = store.chats.get(this.chatId);
    if (!chat) return;
    const muted = isMuted(chat);
    openMenu(button, [
      { label: chat.type === 'group' ? 'Group info' : 'Contact info', icon: 'info', action: () => openChatInfo(this.app, this.chatId) },
      muted
        ? { label: 'Unmute notifications', icon: 'bell', action: () => this.app.unmute(this.chatId).catch((e) => toastError(e, 'Could not unmute')) }
        : { label: 'Mute notifications', icon: 'bellOff', action: () => openMuteDialog(this.app, this.chatId) },
      chat.type === 'group' ? { label: 'Leave group', icon: 'exit', danger: true, action: () => this.leave() } : null,
      { label: 'Close chat', icon: 'close', action: () => this.app.closeChat() },
    ], { label: 'Chat menu' });
  }

  async leave() {
    const chat = store.chats.get(this.chatId);
    if (!(await confirmDialog({ title: 'Leave group?', message: `You will stop receiving messages from “${chat?.title}”.`, confirmLabel: 'Leave', danger: true }))) return;
    this.app.leaveGroup(this.chatId).catch((e) => toastError(e, 'Could not leave the group'));
  }

  // ---- messages ----

  /** Log changes are gathered and rendered once per animation frame (a catch-up sends many). */
  onLog(e) {
    const mineAdded = e.added?.some((m) => store.isMe(m.senderId));
    const othersAdded = e.added?.filter((m) => !store.isMe(m.senderId)).length || 0;
    if (mineAdded) {
      // Our own message: the "unread" divider has served its purpose.
      this.firstUnreadSeq = null;
    }
    let p = this.pendingLog;
    if (!p) {
      // Measured before anything changes on screen.
      p = this.pendingLog = { older: false, initial: false, mine: false, others: 0, near: this.isNearBottom() };
    }
    p.older ||= !!e.older;
    p.initial ||= !!e.initial;
    p.mine ||= !!mineAdded;
    p.others += othersAdded;
    if (p.initial || p.older) this.list.setAttribute('aria-busy', 'true'); // a page of history
    this.logBatch.schedule();
  }

  flushLog() {
    const p = this.pendingLog;
    this.pendingLog = null;
    if (!p || this.destroyed) return;
    this.render({ older: p.older, initial: p.initial, stick: p.mine || p.near });
    if (p.others && !p.near && !p.mine) {
      this.newBelow += p.others;
      this.updateDownButton();
    }
  }

  /** Rebuilds the order of the log from the store, reusing every element already shown. */
  render({ older = false, initial = false, stick = false } = {}) {
    if (this.pendingLog) {
      // A direct render covers queued log changes; keep their scroll intent.
      const p = this.pendingLog;
      this.pendingLog = null;
      this.logBatch.cancel();
      older ||= p.older;
      initial ||= p.initial;
      stick ||= p.mine || p.near;
      if (p.others && !p.near && !p.mine) {
        this.newBelow += p.others;
        queueMicrotask(() => this.updateDownButton());
      }
    }
    const log = store.log(this.chatId);
    // Screen readers wait for a page of history to be in place before reading the log.
    if (initial || older) this.list.setAttribute('aria-busy', 'true');
    const list = this.list;
    const before = { height: list.scrollHeight, top: list.scrollTop };
    const nodes = [this.topEl];
    let lastDay = null;
    let prev = null;
    const add = (m, pending) => {
      const ts = m.sentAt ?? m.createdAt;
      const dk = dayKey(ts);
      if (dk !== lastDay) {
        nodes.push(this.daySeparator(dk, ts));
        lastDay = dk;
        prev = null;
      }
      if (!pending && m.seq === this.firstUnreadSeq) {
        nodes.push(this.unreadEl);
        prev = null;
      }
      nodes.push(this.element(m, pending, prev));
      prev = m.kind === 'system' ? null : m;
    };
    for (const m of log.sorted()) add(m, false);
    for (const p of log.pending.values()) if (!log.byKey.has(keyOf(p))) add(p, true);
    nodes.push(this.typingEl);
    reconcile(list, nodes);
    const shown = new Set(nodes);
    for (const [k, el] of this.els) if (!shown.has(el)) this.els.delete(k);

    if (log.loaded) this.topEl.textContent = log.hasMore ? '' : 'This is the start of the conversation.';
    this.topEl.classList.toggle('start', log.loaded && !log.hasMore);

    if (older) {
      list.scrollTop = before.top + (list.scrollHeight - before.height); // keep what was on screen in place
    } else if (initial && log.loaded) {
      this.positionInitially();
    } else if (stick) {
      this.scrollToBottom();
    }
    if (!log.loading) this.list.removeAttribute('aria-busy');
  }

  /** On opening: the unread divider near the top, or the newest message. */
  positionInitially() {
    if (this.positioned) return;
    this.positioned = true;
    if (this.unreadEl.isConnected) {
      this.list.scrollTop = Math.max(0, this.unreadEl.offsetTop - 60);
    } else {
      this.scrollToBottom();
    }
    // The view may still be short of a screenful: ask for more.
    requestAnimationFrame(() => {
      if (this.list.scrollHeight <= this.list.clientHeight) this.loadOlder();
    });
  }

  element(m, pending, prev) {
    const key = keyOf(m);
    let el = this.els.get(key);
    if (!el) {
      el = renderMessage(m, this.ctx);
      this.els.set(key, el);
      if (!pending && m.kind !== 'system' && store.isMe(m.senderId) === false && !store.nameOf(m.senderId)) this.app.resolveName(m.senderId);
    }
    const continued = prev && prev.senderId === m.senderId && m.kind !== 'system';
    updateMessage(el, m, { pending, continued, status: store.statusOf(m, pending), ctx: this.ctx });
    el.message = m; // the menu reads it from here
    el.pending = pending;
    return el;
  }

  daySeparator(dk, ts) {
    let el = this.days.get(dk);
    if (!el) {
      el = h('div', { class: 'day-sep', role: 'separator' }, h('span', {}));
      this.days.set(dk, el);
    }
    setText(el.firstChild, dayLabel(ts));
    return el;
  }

  updatePending(clientMsgId) {
    const log = store.log(this.chatId);
    const p = log.pending.get(clientMsgId);
    const el = p && this.els.get(keyOf(p));
    if (!el) return;
    updateMessage(el, p, { pending: true, continued: el.classList.contains('cont'), status: store.statusOf(p, true), ctx: this.ctx });
  }

  updateTicks() {
    for (const el of this.els.values()) {
      if (el.pending || !el.message || !el.classList.contains('out')) continue;
      updateMessage(el, el.message, { pending: false, continued: el.classList.contains('cont'), status: store.statusOf(el.message, false), ctx: this.ctx });
    }
  }

  lazy(el, load) {
    this.lazyLoads.set(el, load);
    this.mediaObserver.observe(el);
  }

  async loadOlder() {
    const log = store.log(this.chatId);
    if (this.destroyed || !log.loaded || log.loading || !log.hasMore) return;
    const before = log.bySeq.size;
    this.topEl.textContent = 'Loading older messages…';
    await this.app.loadOlder(this.chatId);
    if (this.destroyed) return;
    if (log.bySeq.size === before) {
      this.list.removeAttribute('aria-busy');
      this.topEl.textContent = ''; // failed (a toast said why); scrolling up again retries
      return;
    }
    // Still near the top (a tall screen, a fast scroll): keep going.
    if (this.list.scrollTop < 400 && log.hasMore) requestAnimationFrame(() => this.loadOlder());
  }

  // ---- scrolling ----

  isNearBottom() {
    const l = this.list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.list.scrollTo({ top: this.list.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
    this.newBelow = 0;
    this.updateDownButton();
  }

  onScroll() {
    if (this.isNearBottom()) this.newBelow = 0;
    this.updateDownButton();
  }

  updateDownButton() {
    const far = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight > 300;
    this.downBtn.hidden = !far && this.newBelow === 0;
    this.badge.hidden = this.newBelow === 0;
    setText(this.badge, this.newBelow ? String(this.newBelow) : '');
    this.downBtn.setAttribute('aria-label', this.newBelow ? `Scroll to the latest message, ${plural(this.newBelow, 'new message', 'new messages')}` : 'Scroll to the latest message');
  }

  /** Scrolls to a quoted message and flashes it. */
  jumpTo(msgId) {
    const m = store.findMessage(this.chatId, msgId);
    const el = m && this.els.get(keyOf(m));
    if (!el) {
      toast('The quoted message is further up; scroll to load it.');
      return;
    }
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }

  // ---- per-message actions ----

  messageMenu(el, button) {
    const m = el.message;
    if (!m || m.kind === 'system') return;
    const mine = store.isMe(m.senderId);
    const media = m.media;
    openMenu(button, [
      !el.pending ? { label: 'Reply', icon: 'reply', action: () => this.setReply(m) } : null,
      m.text ? { label: 'Copy text', icon: 'copy', action: () => copy(m.text) } : null,
      media?.mediaId && !el.pending ? { label: 'Download', icon: 'download', action: () => download(media) } : null,
      mine && !el.pending ? { label: 'Message info', icon: 'info', action: () => openMessageInfo(this.app, this.chatId, m) } : null,
      el.pending && m.state === 'failed' ? { label: 'Retry', icon: 'send', action: () => this.app.retryPending(m.chatId, m.clientMsgId) } : null,
      el.pending ? { label: m.state === 'uploading' ? 'Cancel upload' : 'Delete unsent message', icon: 'trash', danger: true, action: () => this.app.discardPending(m.chatId, m.clientMsgId) } : null,
    ], { label: 'Message options' });
  }
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied.');
  } catch {
    toast('Copying needs a secure page (HTTPS); select the text instead.', { kind: 'error' });
  }
}
