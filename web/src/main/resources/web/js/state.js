// What the page knows, in memory: the chat list, the messages loaded per chat, members,
// names, presence, typing, and other members' receipt cursors. Views listen to its events:
// chats (the list changed), chat (one chat's details), log (a chat's messages), pending (an
// unsent message changed), ticks, typing, presence, members, names, me, connection.
import { Emitter } from './emitter.js';

const RANK = { sent: 1, delivered: 2, read: 3 };
const STATUS = ['pending', 'sent', 'delivered', 'read'];
const TYPING_LAPSE_MS = 8_000; // clear someone's indicator after this long without a renewal
// Live messages kept for a chat that is not on screen: a chat never opened needs only a few (its
// history is fetched when opened), one opened before keeps more (older ones are paged again).
const KEEP_UNOPENED = 50;
const KEEP_CLOSED = 500;

/** The identity of a message across its life: pending bubble, ack, echo, history. */
export const keyOf = (m) => `${m.senderId}:${m.clientMsgId}`;

export const isMuted = (chat) => !!chat?.mutedUntil && chat.mutedUntil > Date.now();

/** The messages of one chat that the page holds, plus its unsent ones. */
class ChatLog {
  constructor() {
    this.bySeq = new Map();
    this.byMsgId = new Map();
    this.byKey = new Map();
    this.pending = new Map(); // clientMsgId -> pending message (ours, not acknowledged yet)
    this.loaded = false; // the newest page has been fetched over REST
    this.loading = false;
    this.hasMore = true; // older history exists on the node
    // Highest seq of ours known delivered / read: every earlier message of ours is at least that.
    this.floor = { delivered: 0, read: 0 };
  }

  get minSeq() {
    let min = Infinity;
    for (const s of this.bySeq.keys()) if (s < min) min = s;
    return min;
  }

  put(m, mine) {
    const old = this.bySeq.get(m.seq);
    if (old) {
      // Keep the best status known and the local copy of media we sent.
      const status = (RANK[m.status] || 0) >= (RANK[old.status] || 0) ? m.status : old.status;
      m = { ...old, ...m, status, localUrl: old.localUrl || m.localUrl };
    }
    this.bySeq.set(m.seq, m);
    this.byMsgId.set(m.msgId, m);
    this.byKey.set(keyOf(m), m);
    if (mine && m.kind !== 'system') {
      if (m.status === 'read') this.floor.read = Math.max(this.floor.read, m.seq);
      if (m.status === 'read' || m.status === 'delivered') this.floor.delivered = Math.max(this.floor.delivered, m.seq);
    }
    return m;
  }

  drop(seq) {
    const m = this.bySeq.get(seq);
    if (!m) return;
    this.bySeq.delete(seq);
    this.byMsgId.delete(m.msgId);
    this.byKey.delete(keyOf(m));
  }

  sorted() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}

class Store extends Emitter {
  constructor() {
    super();
    this.reset({ userId: null });
  }

  reset(session) {
    this.me = { userId: session.userId, displayName: '', about: '', phone: session.phone || '' };
    this.deviceId = session.deviceId;
    this.chats = new Map();
    this.logs = new Map();
    this.members = new Map(); // chatId -> Member[]
    this.names = new Map(); // userId -> displayName
    this.presence = new Map(); // userId -> Presence
    this.typing = new Map(); // chatId -> Map(userId -> {state, timer})
    this.cursors = new Map(); // chatId -> Map(userId -> {delivered, read}), from receipt frames
    this.openChatId = null;
    this.connection = 'connecting';
  }

  isMe(userId) {
    return userId === this.me.userId;
  }

  setMe(me) {
    this.me = me;
    this.names.set(me.userId, me.displayName);
    this.emit('me');
  }

  setConnection(state) {
    this.connection = state;
    if (state === 'offline') {
      // Presence and typing come only over a live socket; stale "online" would mislead.
      // The subscription is renewed after reconnecting, which sends every state afresh.
      this.presence.clear();
      for (const [chatId, map] of this.typing) {
        for (const t of map.values()) clearTimeout(t.timer);
        map.clear();
        this.emit('typing', { chatId });
      }
      this.emit('presence', null);
    }
    this.emit('connection', state);
  }

  // ---- chats ----

  /** The whole list from GET /v1/chats: chats not in it are gone (left, removed, closed). */
  setChats(list) {
    const seen = new Set();
    for (const c of list) {
      this.upsertChat(c, true);
      seen.add(c.chatId);
    }
    for (const id of [...this.chats.keys()]) if (!seen.has(id)) this.chats.delete(id);
    this.emit('chats');
  }

  upsertChat(c, quiet = false) {
    const old = this.chats.get(c.chatId);
    let chat = { ...c };
    if (old && old.lastSeq > c.lastSeq) {
      // The socket already told us of newer messages than this REST answer knew.
      Object.assign(chat, { lastMessage: old.lastMessage, lastSeq: old.lastSeq, lastActivityAt: old.lastActivityAt, unread: old.unread });
    }
    if (old && old.readSeq > chat.readSeq) {
      chat.readSeq = old.readSeq;
      chat.unread = Math.min(chat.unread, Math.max(0, chat.lastSeq - chat.readSeq));
    }
    if (chat.type === 'direct' && chat.peerUserId && !this.isMe(chat.peerUserId)) this.names.set(chat.peerUserId, chat.title);
    this.chats.set(chat.chatId, chat);
    if (!quiet) {
      this.emit('chats');
      this.emit('chat', chat.chatId);
    }
    return chat;
  }

  patchChat(chatId, patch) {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    Object.assign(chat, patch);
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete chat[k];
    this.emit('chats');
    this.emit('chat', chatId);
  }

  removeChat(chatId) {
    if (!this.chats.delete(chatId)) return;
    this.logs.delete(chatId);
    this.members.delete(chatId);
    this.emit('chats');
    this.emit('chat', chatId);
  }

  sortedChats() {
    return [...this.chats.values()].sort((a, b) => b.lastActivityAt - a.lastActivityAt || (a.chatId < b.chatId ? -1 : 1));
  }

  log(chatId) {
    let log = this.logs.get(chatId);
    if (!log) this.logs.set(chatId, (log = new ChatLog()));
    return log;
  }

  // ---- messages ----

  /** A message from the socket (live or a sync answer), or our own acknowledged send. */
  applyMessage(m) {
    const mine = this.isMe(m.senderId);
    const log = this.log(m.chatId);
    if (mine) {
      const p = log.pending.get(m.clientMsgId);
      if (p) {
        log.pending.delete(m.clientMsgId);
        if (p.localUrl) m = { ...m, localUrl: p.localUrl };
      }
    }
    log.put(m, mine);
    const chat = this.chats.get(m.chatId);
    if (chat && m.seq > chat.lastSeq) {
      const { status, deliveredAt, readAt, localUrl, ...last } = m;
      chat.lastSeq = m.seq;
      chat.lastMessage = last;
      chat.lastActivityAt = Math.max(chat.lastActivityAt, m.sentAt);
      if (mine) {
        // Sending moves our own read cursor to the message.
        chat.readSeq = m.seq;
        chat.unread = 0;
      } else if (m.seq > chat.readSeq) {
        chat.unread += 1;
      }
      if (m.kind === 'system') this.applySystem(chat, m.system);
      this.emit('chats');
      this.emit('chat', chat.chatId);
    }
    this.clearTyping(m.chatId, m.senderId);
    this.prune(m.chatId, log);
    this.emit('log', { chatId: m.chatId, added: [m], mine });
  }

  /** Drops the oldest messages of a chat not on screen beyond what it is worth keeping. */
  prune(chatId, log) {
    if (chatId === this.openChatId) return;
    const keep = log.loaded ? KEEP_CLOSED : KEEP_UNOPENED;
    const extra = log.bySeq.size - keep;
    if (extra <= 0 || (log.loaded && extra < 100)) return; // loaded logs: prune in chunks
    const seqs = [...log.bySeq.keys()].sort((a, b) => a - b);
    for (let i = 0; i < extra; i++) log.drop(seqs[i]);
    if (log.loaded) log.hasMore = true; // scrolling up fetches them again
  }

  /** Group changes we can apply at once; the app refetches the chat for the rest. */
  applySystem(chat, sys) {
    if (!sys) return;
    if (sys.event === 'title' && sys.title) chat.title = sys.title;
    if (sys.event === 'description') chat.description = sys.description ?? '';
    if (sys.event === 'settings') {
      if (typeof sys.onlyAdminsSend === 'boolean') chat.onlyAdminsSend = sys.onlyAdminsSend;
      if (typeof sys.onlyAdminsEdit === 'boolean') chat.onlyAdminsEdit = sys.onlyAdminsEdit;
    }
  }

  /** A page of history from GET /v1/chats/{id}/messages. */
  addHistory(chatId, page, { initial }) {
    const log = this.log(chatId);
    if (initial && page.messages.length) {
      // Keep the loaded part contiguous: drop anything older than the newest page that live
      // traffic put here; scrolling up fetches it again in order.
      const first = page.messages[0].seq;
      for (const seq of [...log.bySeq.keys()]) if (seq < first) log.drop(seq);
    }
    for (const m of page.messages) log.put(m, this.isMe(m.senderId));
    log.loaded = true;
    log.hasMore = page.hasMore;
    this.emit('log', { chatId, older: !initial, initial });
    this.emit('ticks', { chatId });
  }

  addPending(p) {
    this.log(p.chatId).pending.set(p.clientMsgId, p);
    this.emit('log', { chatId: p.chatId, added: [p], mine: true });
  }

  updatePending(chatId, clientMsgId, patch) {
    const p = this.logs.get(chatId)?.pending.get(clientMsgId);
    if (!p) return null;
    Object.assign(p, patch);
    this.emit('pending', { chatId, clientMsgId });
    return p;
  }

  removePending(chatId, clientMsgId) {
    const log = this.logs.get(chatId);
    const p = log?.pending.get(clientMsgId);
    if (!p) return;
    log.pending.delete(clientMsgId);
    if (p.localUrl) URL.revokeObjectURL(p.localUrl);
    this.emit('log', { chatId });
  }

  /** Our send was stored: the pending bubble becomes the message. */
  applyAck(entry, ack) {
    this.applyMessage({
      type: 'message',
      msgId: ack.msgId,
      chatId: ack.chatId,
      seq: ack.seq,
      senderId: this.me.userId,
      clientMsgId: entry.clientMsgId,
      kind: entry.mediaId ? entry.media?.kind || entry.kind : 'text',
      text: entry.mediaId ? entry.caption : entry.text,
      replyTo: entry.replyTo,
      sentAt: ack.sentAt,
      status: 'sent',
      media: entry.media,
    });
  }

  findMessage(chatId, msgId) {
    return this.logs.get(chatId)?.byMsgId.get(msgId) || null;
  }

  // ---- receipts and ticks ----

  applyReceipt(r) {
    const chat = this.chats.get(r.chatId);
    if (this.isMe(r.userId)) {
      // Our read cursor moved (on another device): clear the unread count there too.
      if (r.kind === 'read' && chat && r.upToSeq > chat.readSeq) {
        chat.readSeq = r.upToSeq;
        chat.unread = Math.min(chat.unread, Math.max(0, chat.lastSeq - chat.readSeq));
        this.emit('chats');
      }
      return;
    }
    let map = this.cursors.get(r.chatId);
    if (!map) this.cursors.set(r.chatId, (map = new Map()));
    const c = map.get(r.userId) || { delivered: 0, read: 0 };
    c.delivered = Math.max(c.delivered, r.upToSeq);
    if (r.kind === 'read') c.read = Math.max(c.read, r.upToSeq);
    map.set(r.userId, c);
    this.emit('ticks', { chatId: r.chatId });
  }

  /** The members whose cursors decide the ticks of our message m (PROTOCOL.md, Message). */
  concerned(m) {
    const chat = this.chats.get(m.chatId);
    if (!chat) return null;
    if (chat.type === 'direct') return this.isMe(chat.peerUserId) ? [] : [chat.peerUserId];
    const members = this.members.get(m.chatId);
    if (!members) return null;
    return members.filter((x) => !this.isMe(x.userId) && x.joinedAt <= m.sentAt).map((x) => x.userId);
  }

  /** pending | failed | sent | delivered | read for one of our messages; null for others'. */
  statusOf(m, pending) {
    if (!this.isMe(m.senderId) || m.kind === 'system') return null;
    if (pending) return m.state === 'failed' ? 'failed' : 'pending';
    let rank = RANK[m.status] || 1;
    const log = this.logs.get(m.chatId);
    if (log) {
      if (log.floor.read >= m.seq) rank = 3;
      else if (log.floor.delivered >= m.seq) rank = Math.max(rank, 2);
    }
    if (rank < 3) {
      const others = this.concerned(m);
      if (others && others.length === 0) rank = 3;
      else if (others) {
        const cursors = this.cursors.get(m.chatId);
        const at = (u) => cursors?.get(u) || { delivered: 0, read: 0 };
        if (others.every((u) => at(u).read >= m.seq)) rank = 3;
        else if (others.every((u) => at(u).delivered >= m.seq)) rank = Math.max(rank, 2);
      }
    }
    return STATUS[rank];
  }

  // ---- members, names, presence, typing ----

  setMembers(chatId, members) {
    this.members.set(chatId, members);
    for (const m of members) this.names.set(m.userId, m.displayName);
    this.emit('members', { chatId });
    this.emit('names');
    this.emit('ticks', { chatId });
  }

  nameOf(userId) {
    if (this.isMe(userId)) return 'You';
    return this.names.get(userId) || null;
  }

  setName(userId, name) {
    if (this.names.get(userId) === name) return;
    this.names.set(userId, name);
    this.emit('names');
  }

  setPresence(p) {
    this.presence.set(p.userId, p);
    this.emit('presence', p.userId);
  }

  setTyping(t) {
    let map = this.typing.get(t.chatId);
    if (!map) this.typing.set(t.chatId, (map = new Map()));
    clearTimeout(map.get(t.userId)?.timer);
    if (t.state === 'paused') map.delete(t.userId);
    else map.set(t.userId, { state: t.state, timer: setTimeout(() => this.clearTyping(t.chatId, t.userId), TYPING_LAPSE_MS) });
    this.emit('typing', { chatId: t.chatId });
  }

  clearTyping(chatId, userId) {
    const map = this.typing.get(chatId);
    const t = map?.get(userId);
    if (!t) return;
    clearTimeout(t.timer);
    map.delete(userId);
    this.emit('typing', { chatId });
  }

  typingIn(chatId) {
    return [...(this.typing.get(chatId) || new Map())].map(([userId, t]) => ({ userId, state: t.state }));
  }
}

export const store = new Store();
