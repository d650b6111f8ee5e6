// The signed-in application: wires the socket to the store, and offers the views their
// actions (open a chat, send, upload, mark read, start chats and groups, mute, sign out).
import { api, setToken, setUnauthenticatedHandler, upload } from './api.js';
import { ParleySocket } from './socket.js';
import { store } from './state.js';
import { clearSession, loadJson, loadSession, newId, saveJson, userKey } from './session.js';
import { toast, toastError } from './toast.js';
import { loadNotificationSettings, notifyIncoming } from './notify.js';
import { refreshPush, unsubscribeLocally } from './push.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ALWAYS = 253402300799999; // the last millisecond of year 9999: "mute always"

const kindOf = (type) => (/^image\//.test(type) ? 'image' : /^video\//.test(type) ? 'video' : /^audio\//.test(type) ? 'voice' : 'file');

export class App {
  constructor(session, { onSignedOut }) {
    this.session = session;
    this.onSignedOut = onSignedOut;
    this.view = null;
    this.chatFetches = new Map();
    this.nameFetches = new Set();
    this.uploads = new Map();
    this.refreshTimers = new Map();
    this.cleanups = [];
  }

  get me() {
    return store.me;
  }

  /** Shows the app at once, then loads the chat list and connects. */
  async start(view) {
    this.view = view;
    setToken(this.session.token);
    setUnauthenticatedHandler(() => this.endSession('This device was signed out. Sign in again to continue.'));
    this.socket = new ParleySocket({ token: this.session.token, userId: this.session.userId });
    this.wireSocket();
    this.draftKey = userKey(this.session.userId, 'drafts');
    this.drafts = loadJson(this.draftKey, {});
    // Sends still in the outbox from an earlier visit show as pending bubbles until acked.
    for (const e of this.socket.outbox) store.addPending(this.pendingFrom(e));

    const onVisible = () => this.markOpenChatRead();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('focus', onVisible);
    const onPageHide = () => !this.ended && saveJson(this.draftKey, this.drafts); // the debounce may not have run
    window.addEventListener('pagehide', onPageHide);
    const onHash = () => this.route();
    window.addEventListener('hashchange', onHash);
    const onSwMessage = (e) => {
      if (e.data?.type === 'openChat' && e.data.chatId) this.openChat(e.data.chatId);
      else if (e.data?.type === 'pushSubscriptionChange') refreshPush();
    };
    navigator.serviceWorker?.addEventListener('message', onSwMessage);
    this.presenceTimer = null;
    const offChats = store.on('chats', () => {
      clearTimeout(this.presenceTimer);
      this.presenceTimer = setTimeout(() => this.updatePresence(), 300);
    });
    // Signed out (or in as someone else) in another tab: this tab's session is gone too.
    const onStorage = (e) => {
      if (e.storageArea !== localStorage || (e.key !== null && e.key !== 'parley.session')) return;
      const now = loadSession();
      if (!now) this.endSession('This browser was signed out in another tab.');
      else if (now.userId !== this.session.userId) this.endSession('Signed in as someone else in another tab.', { keepStorage: true });
    };
    window.addEventListener('storage', onStorage);
    this.cleanups.push(() => {
      window.removeEventListener('storage', onStorage);
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('focus', onVisible);
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('pagehide', onPageHide);
      navigator.serviceWorker?.removeEventListener('message', onSwMessage);
      offChats();
    });

    await this.loadInitial();
    if (this.ended) return;
    this.socket.start();
    this.route();
    refreshPush();
    loadNotificationSettings();
  }

  async loadInitial() {
    for (let attempt = 0; !this.ended; attempt++) {
      try {
        const [me, { chats }] = await Promise.all([api.me(), api.chats()]);
        store.setMe(me);
        this.socket.seedCursors(chats);
        store.setChats(chats);
        // This device now has what the list shows: report it delivered.
        for (const c of chats) if (c.unread > 0) this.socket.queueDelivered(c.chatId, c.lastSeq);
        return;
      } catch (e) {
        if (e.code === 'UNAUTHENTICATED') return;
        store.setConnection('offline');
        await sleep(Math.min(10_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
  }

  wireSocket() {
    const s = this.socket;
    s.on('state', (st) => store.setConnection(st));
    s.on('message', ({ message, fromSync }) => {
      this.onMessage(message);
      if (!fromSync) notifyIncoming(message); // not for a catch-up's backlog
    });
    s.on('ack', ({ entry, ack }) => store.applyAck(entry, ack));
    s.on('sendFailed', ({ entry, code, message }) => {
      store.updatePending(entry.chatId, entry.clientMsgId, { state: 'failed', error: message, code, entry });
      toast(`Message not sent: ${message}`, { kind: 'error', timeout: 8000 });
    });
    // Another tab of this user queued or took out a send: show it the same way here.
    s.on('outboxAdded', (e) => {
      if (!store.log(e.chatId).pending.has(e.clientMsgId)) store.addPending(this.pendingFrom(e));
    });
    s.on('outboxRemoved', (e) => {
      const p = store.logs.get(e.chatId)?.pending.get(e.clientMsgId);
      if (p && p.state !== 'failed') store.removePending(e.chatId, e.clientMsgId); // acked there: the message comes live
    });
    s.on('receipt', (r) => store.applyReceipt(r));
    s.on('presence', (p) => store.setPresence(p));
    s.on('typing', (t) => !store.isMe(t.userId) && store.setTyping(t));
    s.on('membership', (f) => this.onMembership(f));
    s.on('caughtUp', ({ first }) => {
      if (!first) this.refreshChats(); // groups joined or left while we were away
      const open = store.openChatId;
      if (open && !store.log(open).loaded) this.loadHistory(open); // it failed while offline
      this.retryFailedUploads();
      this.markOpenChatRead();
      this.updatePresence();
    });
    s.on('signedOut', () => this.endSession('This device was signed out.'));
    s.on('handshakeFailed', () => api.me().catch(() => {})); // a 401 here ends the session
    // A watched chat is no longer ours: refresh the list (at most twice a minute, in case the
    // node keeps refusing), which renews the subscription without it.
    s.on('presenceRefused', () => {
      if (Date.now() - (this.presenceRefusedAt || 0) < 30_000) return;
      this.presenceRefusedAt = Date.now();
      this.refreshChats();
    });
  }

  // ---- incoming ----

  onMessage(m) {
    if (!store.chats.has(m.chatId)) this.fetchChat(m.chatId);
    store.applyMessage(m);
    if (m.kind === 'system') this.refreshGroupSoon(m.chatId);
    if (m.chatId === store.openChatId) this.markOpenChatRead();
  }

  onMembership(f) {
    const chat = store.chats.get(f.chatId);
    if (f.change === 'added') {
      this.fetchChat(f.chatId, true);
    } else if (f.change === 'removed' || f.change === 'left') {
      if (store.openChatId === f.chatId) this.closeChat();
      store.removeChat(f.chatId);
      if (f.change === 'removed' && chat) toast(`You were removed from “${chat.title}”.`);
    } else if (f.change === 'role') {
      store.patchChat(f.chatId, { role: f.role });
      if (chat && f.role !== 'member') toast(f.role === 'owner' ? `You are now the owner of “${chat.title}”.` : `You are now an admin of “${chat.title}”.`);
      this.refreshGroupSoon(f.chatId);
    }
  }

  /** A chat we have no details of (new, or changed): GET it, once at a time. */
  fetchChat(chatId, force = false) {
    if (this.chatFetches.has(chatId)) return this.chatFetches.get(chatId);
    if (!force && store.chats.has(chatId)) return Promise.resolve(store.chats.get(chatId));
    const p = api.chat(chatId).then(
      (chat) => {
        this.socket.seedCursor(chatId, chat.lastSeq);
        return store.upsertChat(chat);
      },
      (e) => {
        if (e.code === 'CHAT_NOT_FOUND') store.removeChat(chatId);
        throw e;
      },
    ).finally(() => this.chatFetches.delete(chatId));
    this.chatFetches.set(chatId, p);
    p.catch(() => {});
    return p;
  }

  /** After a group change: refetch its details (role, member count) and members, debounced. */
  refreshGroupSoon(chatId) {
    clearTimeout(this.refreshTimers.get(chatId));
    if (this.ended) return;
    this.refreshTimers.set(chatId, setTimeout(() => {
      this.refreshTimers.delete(chatId);
      if (this.ended || !store.chats.has(chatId)) return;
      this.fetchChat(chatId, true).catch(() => {});
      if (store.members.has(chatId) || chatId === store.openChatId) this.loadMembers(chatId);
      if (chatId === store.openChatId) this.updatePresence();
    }, 300));
  }

  async refreshChats() {
    try {
      const { chats } = await api.chats();
      store.setChats(chats);
      if (store.openChatId && !store.chats.has(store.openChatId)) this.closeChat();
    } catch {
      // the next catch-up tries again
    }
  }

  // ---- open chat, reading, presence ----

  /** Opens a chat (through the URL, so Back closes it on phones). */
  openChat(chatId) {
    const target = '#/chat/' + encodeURIComponent(chatId);
    if (location.hash === target) return;
    if (store.openChatId) {
      history.replaceState(null, '', target);
      this.route();
    } else {
      this.pushedChat = true;
      location.hash = target;
    }
  }

  closeChat() {
    if (!store.openChatId && !location.hash) return;
    if (this.pushedChat && location.hash.startsWith('#/chat/')) {
      this.pushedChat = false;
      history.back();
    } else {
      history.replaceState(null, '', location.pathname + location.search);
      this.route();
    }
  }

  async route() {
    if (this.ended) return;
    const hash = location.hash;
    const chat = hash.match(/^#\/chat\/([A-Za-z0-9_-]{1,64})$/);
    const join = hash.match(/^#\/join\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{16,64})$/);
    if (chat) {
      const chatId = chat[1];
      if (!store.chats.has(chatId)) {
        try {
          await this.fetchChat(chatId);
        } catch (e) {
          toastError(e, 'Cannot open this chat');
          history.replaceState(null, '', location.pathname);
          this.showChat(null);
          return;
        }
      }
      this.showChat(chatId);
    } else if (join) {
      history.replaceState(null, '', location.pathname);
      this.view.confirmJoin(join[1], join[2]);
    } else {
      this.showChat(null);
    }
  }

  showChat(chatId) {
    if (store.openChatId === chatId) return;
    store.openChatId = chatId; // the closing composer says "paused" if we were typing
    this.view.showChat(chatId);
    if (chatId) {
      this.markOpenChatRead();
      const chat = store.chats.get(chatId);
      if (chat?.type === 'group') this.loadMembers(chatId);
    }
    this.updatePresence();
  }

  /** Reads the open chat up to its newest message, when the page is actually visible. */
  markOpenChatRead() {
    const chatId = store.openChatId;
    // Visible is not enough: a window shown beside another one that has the focus is not read.
    if (!chatId || document.visibilityState !== 'visible' || !document.hasFocus()) return;
    const chat = store.chats.get(chatId);
    if (!chat || !chat.lastSeq) return;
    if (chat.readSeq < chat.lastSeq || chat.unread > 0) {
      this.socket.markRead(chatId, chat.lastSeq);
      store.patchChat(chatId, { readSeq: chat.lastSeq, unread: 0 });
    }
  }

  /** Watches the open chat's members and the peers of the direct chats in the list. */
  updatePresence() {
    if (!this.socket) return;
    const open = store.openChatId;
    const ids = open && store.chats.has(open) ? [open] : [];
    for (const c of store.sortedChats()) {
      if (ids.length >= 200) break;
      if (c.type === 'direct' && c.chatId !== open && !store.isMe(c.peerUserId)) ids.push(c.chatId);
    }
    this.socket.setPresenceChats(ids);
  }

  typing(chatId, state) {
    this.socket.typing(chatId, state);
  }

  // ---- history, members, names ----

  async loadHistory(chatId) {
    const log = store.log(chatId);
    if (log.loaded || log.loading) return;
    log.loading = true;
    const chat = store.chats.get(chatId);
    // Enough to reach the first unread message, so the "unread" divider can be shown.
    const limit = Math.min(200, Math.max(50, (chat?.unread || 0) + 10));
    try {
      store.addHistory(chatId, await api.messages(chatId, { limit }), { initial: true });
    } catch (e) {
      if (e.code === 'CHAT_NOT_FOUND') {
        store.removeChat(chatId);
        this.closeChat();
      }
      toastError(e, 'Could not load the messages');
    } finally {
      log.loading = false;
    }
  }

  async loadOlder(chatId) {
    const log = store.log(chatId);
    if (!log.loaded || log.loading || !log.hasMore) return;
    const before = log.minSeq;
    if (!isFinite(before) || before <= 1) {
      log.hasMore = false;
      return;
    }
    log.loading = true;
    try {
      store.addHistory(chatId, await api.messages(chatId, { before, limit: 50 }), { initial: false });
    } catch (e) {
      toastError(e, 'Could not load older messages');
    } finally {
      log.loading = false;
    }
  }

  async loadMembers(chatId) {
    try {
      const { members } = await api.members(chatId);
      store.setMembers(chatId, members);
    } catch (e) {
      if (e.code === 'CHAT_NOT_FOUND') store.removeChat(chatId);
    }
  }

  /** A name for someone who is not in a loaded member list (a former member, say). */
  resolveName(userId) {
    if (!userId || store.names.has(userId) || this.nameFetches.has(userId)) return;
    this.nameFetches.add(userId);
    api.user(userId).then((u) => store.setName(userId, u.displayName), () => store.setName(userId, 'Unknown')).finally(() => this.nameFetches.delete(userId));
  }

  // ---- sending ----

  pendingFrom(e) {
    return {
      chatId: e.chatId,
      clientMsgId: e.clientMsgId,
      senderId: store.me.userId,
      kind: e.mediaId ? e.media?.kind || 'file' : 'text',
      text: e.mediaId ? e.caption : e.text,
      replyTo: e.replyTo,
      media: e.media,
      createdAt: e.createdAt || Date.now(),
      state: 'queued',
      entry: e,
    };
  }

  sendText(chatId, text, replyTo) {
    const entry = { clientMsgId: newId(), chatId, text, createdAt: Date.now() };
    if (replyTo) entry.replyTo = replyTo;
    store.addPending(this.pendingFrom(entry));
    this.socket.enqueue(entry);
  }

  /** Uploads a file (showing progress in its bubble), then sends it as a message. */
  sendFile(chatId, file, { asFile = false, caption, replyTo, name } = {}) {
    const kind = asFile ? 'file' : kindOf(file.type || '');
    // A picture sent "as a document" is declared as bytes, so the node keeps it as a file.
    const contentType = kind === 'file'
      ? (file.type && !/^(image|video|audio)\//.test(file.type) ? file.type : 'application/octet-stream')
      : file.type;
    const p = {
      chatId,
      clientMsgId: newId(),
      senderId: store.me.userId,
      kind,
      text: caption || undefined,
      replyTo: replyTo || undefined,
      createdAt: Date.now(),
      state: 'uploading',
      progress: 0,
      localUrl: kind === 'file' ? null : URL.createObjectURL(file),
      localMedia: { kind, fileName: name || file.name || undefined, size: file.size, contentType: file.type },
      file,
      contentType,
    };
    store.addPending(p);
    this.upload(p);
  }

  async upload(p) {
    store.updatePending(p.chatId, p.clientMsgId, { state: 'uploading', progress: 0, error: null });
    const up = upload(p.file, {
      contentType: p.contentType,
      name: p.localMedia.fileName,
      onProgress: (f) => store.updatePending(p.chatId, p.clientMsgId, { progress: f }),
    });
    this.uploads.set(p.clientMsgId, up);
    try {
      const media = await up.promise;
      const entry = { clientMsgId: p.clientMsgId, chatId: p.chatId, mediaId: media.mediaId, media, createdAt: p.createdAt };
      if (p.text) entry.caption = p.text;
      if (p.replyTo) entry.replyTo = p.replyTo;
      store.updatePending(p.chatId, p.clientMsgId, { state: 'queued', media, entry, file: null, progress: 1 });
      this.socket.enqueue(entry);
    } catch (e) {
      if (e.code === 'ABORTED') return;
      store.updatePending(p.chatId, p.clientMsgId, { state: 'failed', error: e.message, code: e.code });
      // Without a connection it goes again by itself once connected (see caughtUp).
      if (e.code !== 'NETWORK') toastError(e, 'The file was not sent');
    } finally {
      this.uploads.delete(p.clientMsgId);
    }
  }

  /** Uploads that failed for want of a connection go again once it is back. */
  retryFailedUploads() {
    for (const log of store.logs.values()) {
      for (const p of log.pending.values()) if (p.state === 'failed' && p.file && p.code === 'NETWORK') this.upload(p);
    }
  }

  retryPending(chatId, clientMsgId) {
    const p = store.log(chatId).pending.get(clientMsgId);
    if (!p || p.state !== 'failed') return;
    if (p.file) this.upload(p);
    else if (p.entry) {
      store.updatePending(chatId, clientMsgId, { state: 'queued', error: null });
      this.socket.retry(p.entry);
    }
  }

  /** Cancels an upload or drops an unsent message. */
  discardPending(chatId, clientMsgId) {
    // A send on the wire may already be stored: deleting its bubble would hide a sent message.
    if (!this.socket.discard(clientMsgId)) {
      toast('This message is being sent and can no longer be deleted.');
      return;
    }
    this.uploads.get(clientMsgId)?.abort();
    store.removePending(chatId, clientMsgId);
  }

  getDraft(chatId) {
    return this.drafts[chatId] || '';
  }

  setDraft(chatId, text) {
    if (text) this.drafts[chatId] = text;
    else delete this.drafts[chatId];
    clearTimeout(this.draftTimer);
    if (this.ended) return;
    this.draftTimer = setTimeout(() => saveJson(this.draftKey, this.drafts), 300);
  }

  // ---- chats and groups ----

  async startDirectChat(phone) {
    const user = await api.findUser(phone);
    const chat = await api.openDirect(user.userId);
    this.socket.seedCursor(chat.chatId, chat.lastSeq);
    return store.upsertChat(chat);
  }

  /** Creates a group from phone numbers; names the ones nobody uses. */
  async createGroup(title, phones, description) {
    const ids = [];
    const missing = [];
    for (const phone of phones) {
      try {
        ids.push((await api.findUser(phone)).userId);
      } catch (e) {
        if (e.code === 'USER_NOT_FOUND') missing.push(phone);
        else throw e;
      }
    }
    if (missing.length) throw new Error(`No one uses Parley with ${missing.join(', ')}.`);
    const chat = await api.createGroup(title, ids, description || undefined);
    this.socket.seedCursor(chat.chatId, chat.lastSeq);
    return store.upsertChat(chat);
  }

  async joinWithInvite(chatId, code) {
    const chat = await api.join(chatId, code);
    this.socket.seedCursor(chat.chatId, chat.lastSeq);
    store.upsertChat(chat);
    this.openChat(chat.chatId);
  }

  async leaveGroup(chatId) {
    await api.leave(chatId);
    if (store.openChatId === chatId) this.closeChat();
    store.removeChat(chatId);
    this.socket.forgetChat(chatId);
  }

  async mute(chatId, durationMs) {
    const until = durationMs == null ? ALWAYS : Date.now() + durationMs;
    await api.mute(chatId, until);
    store.patchChat(chatId, { mutedUntil: until });
  }

  async unmute(chatId) {
    await api.unmute(chatId);
    store.patchChat(chatId, { mutedUntil: undefined });
  }

  // ---- session ----

  /** Signs this device out on the node, then forgets everything kept for it here. */
  async signOut() {
    this.socket.stop(); // so its "signed out" frame is not taken for a sign-out from elsewhere
    await unsubscribeLocally();
    try {
      await api.signOutDevice(store.deviceId);
    } catch (e) {
      if (e.code !== 'UNAUTHENTICATED' && e.code !== 'DEVICE_NOT_FOUND') {
        toastError(e, 'The server could not be told; this browser is signed out anyway');
      }
    }
    this.endSession(null);
  }

  endSession(reason, { keepStorage = false } = {}) {
    if (this.ended) return;
    this.ended = true;
    this.socket?.stop();
    for (const up of this.uploads.values()) up.abort();
    for (const c of this.cleanups) c();
    // Nothing of this session may run after it: debounced saves, presence, group refreshes.
    clearTimeout(this.draftTimer);
    clearTimeout(this.presenceTimer);
    for (const t of this.refreshTimers.values()) clearTimeout(t);
    this.refreshTimers.clear();
    setUnauthenticatedHandler(() => {});
    setToken(null);
    if (!keepStorage) {
      // The device is gone: its push subscription must not keep this user's notifications coming.
      unsubscribeLocally();
      clearSession(this.session.userId);
    }
    this.onSignedOut(reason);
  }
}
