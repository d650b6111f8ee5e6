// The signed-in layout: the chat list on the left, the open chat on the right (one of the
// two at a time on a phone), the connection banner, and the settings panel.
import { h, icon, iconButton } from '../dom.js';
import { enablePush, permission } from '../push.js';
import { isMuted, store } from '../state.js';
import { toast, toastError } from '../toast.js';
import { ChatList } from './chat-list.js';
import { ConversationView } from './conversation.js';
import { openNewChat, openNewGroup } from './new-chat.js';
import { SettingsPanel } from './settings.js';
import { avatar, confirmDialog, updateAvatar } from './ui.js';

export class MainView {
  constructor(app, root) {
    this.app = app;
    this.conversation = null;
    this.build();
    root.replaceChildren(this.el);
    this.chatList = new ChatList(app, { list: this.list, search: this.search, empty: this.emptyList });
    this.offs = [
      store.on('connection', (s) => this.updateBanner(s)),
      store.on('me', () => updateAvatar(this.myAvatar, store.me.userId, store.me.displayName)),
      store.on('chats', () => this.updateTitle()),
    ];
    this.updateBanner(store.connection);
  }

  build() {
    const app = this.app;
    this.myAvatar = avatar(store.me.userId || 'me', store.me.displayName || store.me.phone || '?');
    const settingsBtn = iconButton('settings', 'Settings', { id: 'settings', onclick: () => this.openSettings() });
    const header = h('header', { class: 'bar side-head' },
      h('button', { type: 'button', class: 'avatar-btn', id: 'my-profile', 'aria-label': 'Profile and settings', title: 'Profile', onclick: () => this.openSettings() }, this.myAvatar),
      h('div', { class: 'bar-actions' },
        iconButton('chat', 'New chat', { id: 'new-chat', onclick: () => openNewChat(app) }),
        iconButton('group', 'New group', { id: 'new-group', onclick: () => openNewGroup(app) }),
        settingsBtn));
    this.settingsBtn = settingsBtn;
    this.search = h('input', { id: 'search', type: 'search', placeholder: 'Search chats', 'aria-label': 'Search chats', autocomplete: 'off' });
    const searchBox = h('div', { class: 'search-box' }, icon('search'), this.search);
    this.notifyHint = this.pushHint();
    this.list = h('ul', { id: 'chat-list', class: 'chat-list', 'aria-label': 'Chats' });
    this.emptyList = h('p', { class: 'empty-list', hidden: true });
    this.sidebar = h('aside', { class: 'sidebar', 'aria-label': 'Chats' }, header, searchBox, this.notifyHint, h('div', { class: 'list-scroll' }, this.list, this.emptyList));

    this.empty = h('div', { class: 'pane-empty' },
      h('div', { class: 'pane-empty-inner' }, icon('chat', 'pane-empty-icon'), h('h2', {}, 'Parley'),
        h('p', {}, 'Pick a chat on the left, or start a new one.'),
        h('p', { class: 'hint' }, icon('lock'), ' Messages are kept on your own Parley server.')));
    this.pane = h('main', { class: 'pane', id: 'pane' }, this.empty);

    this.bannerText = h('span', { class: 'banner-text' }, 'Connecting…');
    this.bannerRetry = h('button', { type: 'button', class: 'link-btn', hidden: true, onclick: () => this.app.socket?.reconnectNow() }, 'Retry now');
    this.banner = h('div', { id: 'connection-banner', class: 'connection-banner', role: 'status', hidden: true },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), this.bannerText, this.bannerRetry);

    this.el = h('div', { class: 'main', id: 'main-view' }, this.banner, this.sidebar, this.pane);
  }

  /** "(3) Parley": unread messages in chats that are not muted. */
  updateTitle() {
    let n = 0;
    for (const c of store.chats.values()) if (c.unread > 0 && !isMuted(c)) n += c.unread;
    document.title = n ? `(${n}) Parley` : 'Parley';
  }

  destroy() {
    this.offs.forEach((off) => off());
    this.chatList.destroy();
    this.conversation?.destroy();
    clearInterval(this.bannerTimer);
  }

  /** Shown while the socket is not connected; sends made meanwhile wait in the outbox. */
  updateBanner(state) {
    const down = state === 'connecting' || state === 'offline';
    this.el.dataset.connection = state; // connecting | syncing | live | offline
    this.banner.hidden = !down;
    this.el.classList.toggle('offline', down);
    clearInterval(this.bannerTimer);
    if (!down) return;
    const tick = () => {
      const s = this.app.socket;
      const wait = s?.state === 'offline' && s.nextAttemptAt ? Math.ceil((s.nextAttemptAt - Date.now()) / 1000) : 0;
      this.bannerText.textContent = wait > 1
        ? `Not connected. Retrying in ${wait} s… Messages you send will go out once connected.`
        : 'Connecting…';
      this.bannerRetry.hidden = !(wait > 1);
    };
    tick();
    this.bannerTimer = setInterval(tick, 1000);
  }

  pushHint() {
    const hint = h('div', { class: 'notify-hint', id: 'notify-hint', hidden: true },
      h('span', { class: 'notify-icon' }, icon('bellOff')),
      h('div', { class: 'grow' }, h('strong', {}, 'Get notified of new messages'),
        h('button', { type: 'button', class: 'link-btn', id: 'notify-enable', onclick: async () => {
          try {
            await enablePush();
            localStorage.setItem('parley.push', 'on');
            hint.hidden = true;
            toast('Notifications are on.');
          } catch (e) {
            toastError(e);
          }
        } }, 'Turn on desktop notifications')),
      iconButton('close', 'Dismiss', { onclick: () => {
        localStorage.setItem('parley.pushHint', 'dismissed');
        hint.hidden = true;
      } }));
    hint.hidden = permission() !== 'default' || localStorage.getItem('parley.pushHint') === 'dismissed';
    return hint;
  }

  showChat(chatId) {
    const closing = this.conversation;
    // Was the focus in the chat being closed (or lost with it)? Then it goes back to its item.
    const hadFocus = closing && (closing.root.contains(document.activeElement) || document.activeElement === document.body);
    this.conversation?.destroy();
    this.conversation = null;
    if (chatId) {
      this.conversation = new ConversationView(this.app, chatId);
      this.empty.hidden = true;
      this.conversation.mount(this.pane);
    } else {
      this.empty.hidden = false;
    }
    this.el.classList.toggle('chat-open', !!chatId);
    this.chatList.render();
    if (!chatId && hadFocus && !document.querySelector('dialog[open]')) {
      const item = this.chatList.items.get(closing.chatId)?.button;
      if (item?.isConnected) item.focus({ preventScroll: false });
      else this.chatList.search.focus();
    }
  }

  openSettings() {
    if (this.settings) {
      this.settings.focus();
      return;
    }
    this.settings = new SettingsPanel(this.app, {
      onClose: () => {
        this.settings = null;
        this.settingsBtn.focus();
      },
    });
    this.sidebar.append(this.settings.el);
    this.settings.focus();
  }

  async confirmJoin(chatId, code) {
    if (store.chats.has(chatId)) {
      this.app.openChat(chatId);
      return;
    }
    if (!(await confirmDialog({ title: 'Join group?', message: 'You were invited to a group. Join it?', confirmLabel: 'Join' }))) return;
    try {
      await this.app.joinWithInvite(chatId, code);
    } catch (e) {
      toastError(e, e.code === 'INVITE_NOT_FOUND' ? 'This invite link no longer works' : 'Could not join');
    }
  }
}
