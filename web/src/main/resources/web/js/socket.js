// The device's one WebSocket to the node (docs/PROTOCOL.md, "WebSocket" and "Writing a client").
//
// It owns what must survive a dropped connection: the per-chat sync cursors and the outbox of
// sends not yet acknowledged, both persisted in localStorage. On every (re)connect it syncs from
// the cursors until `synced` says more:false, then sends the outbox once, in order, reports
// delivery and read positions and renews the presence subscription. Live traffic is handed to
// the app as events: message, ack, sendFailed, receipt, presence, typing, membership, state,
// caughtUp, signedOut, handshakeFailed.
import { Emitter } from './emitter.js';
import { loadJson, saveJson, userKey } from './session.js';

// Send errors worth trying again later with the same clientMsgId (errors.md).
const RETRYABLE = new Set(['RATE_LIMITED', 'STORE_UNAVAILABLE', 'SHUTTING_DOWN', 'INTERNAL']);
const MAX_IN_FLIGHT = 128; // below the node's 256 per socket, so a burst keeps its order
const BACKOFF_BASE_MS = 300;
const BACKOFF_CAP_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;
const QUIET_BEFORE_PING_MS = 20_000; // browsers answer the node's pings but do not tell pages
const PONG_TIMEOUT_MS = 10_000;
const DELIVERED_DELAY_MS = 50; // coalesce delivered receipts per chat, like the SDK
const GAP_JUMP = 200; // a chat this far behind is not replayed: its history is paged over REST

export class ParleySocket extends Emitter {
  constructor({ token, userId }) {
    super();
    this.token = token;
    this.userId = userId;
    this.cursorKey = userKey(userId, 'cursors');
    this.outboxKey = userKey(userId, 'outbox');
    this.cursors = loadJson(this.cursorKey, {});
    this.outbox = loadJson(this.outboxKey, []);
    this.ws = null;
    this.state = 'idle'; // connecting | syncing | live | offline | stopped
    this.ready = false; // got `ready` on the current socket
    this.syncing = false; // a sync is outstanding (live messages are held by the node meanwhile)
    this.caughtUp = false; // the current socket got `synced` with more:false: traffic is live
    this.caughtUpOnce = false;
    this.attempt = 0;
    this.frameSeq = 0;
    this.inFlight = new Map(); // clientMsgId -> outbox entry sent on this socket, not yet answered
    this.deliveredQueue = new Map(); // chatId -> highest seq to report
    this.readQueue = new Map(); // chatId -> seq to report once live
    this.readSent = new Map(); // chatId -> highest read sent on this socket
    this.presenceChats = [];
    this.presenceSent = null;
    this.timers = {};
    this.onOnline = () => this.reconnectNow();
    this.onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      if (this.state === 'offline') this.reconnectNow();
      else this.probe();
    };
    this.onPageHide = () => this.saveCursors();
    // Other tabs of the same user share the outbox: see saveOutbox and onStorage.
    this.outboxRemoved = new Set(); // clientMsgIds this tab took out (acked, discarded, failed)
    this.outboxStored = new Set(this.outbox.map((e) => e.clientMsgId)); // as last seen stored
    this.onStorage = (e) => {
      if (e.storageArea === localStorage && e.key === this.outboxKey) this.mergeStoredOutbox(e.newValue);
    };
  }

  start() {
    if (this.state !== 'idle' && this.state !== 'stopped') return;
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('storage', this.onStorage);
    this.timers.heartbeat = setInterval(() => this.heartbeat(), 2_000);
    this.connect();
  }

  stop() {
    this.setState('stopped');
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('storage', this.onStorage);
    for (const t of Object.values(this.timers)) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers = {};
    this.drop(1000, 'signed out');
    this.saveCursors();
  }

  get live() {
    return this.ready && this.caughtUp && !this.syncing && this.ws?.readyState === WebSocket.OPEN;
  }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    this.emit('state', s);
  }

  // ---- connection ----

  connect() {
    if (this.state === 'stopped') return;
    clearTimeout(this.timers.reconnect);
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The only place the token is put in a URL: browsers cannot set headers on a WebSocket.
    const ws = new WebSocket(`${scheme}//${location.host}/v1/ws?access_token=${encodeURIComponent(this.token)}`);
    this.ws = ws;
    this.ready = false;
    this.syncing = false;
    this.caughtUp = false;
    this.inFlight.clear();
    this.readSent.clear();
    this.presenceSent = null;
    this.lastHeard = Date.now();
    this.pingSentAt = null;
    this.setState('connecting');
    this.timers.connect = setTimeout(() => {
      if (this.ws === ws && !this.ready) this.drop(4000, 'connect timeout', true);
    }, CONNECT_TIMEOUT_MS);
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.lastHeard = Date.now();
      this.pingSentAt = null;
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      this.handle(frame);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.closed(e.code);
    };
  }

  /** Abandons the current socket at once (a dead TCP connection may never report its close). */
  drop(code, reason, reconnect = false) {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = ws.onclose = null;
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
    if (reconnect) this.closed(1006);
  }

  closed(code) {
    clearTimeout(this.timers.connect);
    clearTimeout(this.timers.delivered);
    this.timers.delivered = null;
    const hadReady = this.ready;
    clearTimeout(this.timers.stable);
    this.ready = false;
    this.syncing = false;
    this.caughtUp = false;
    this.inFlight.clear();
    if (this.state === 'stopped') return;
    if (code === 4401) {
      this.emit('signedOut');
      return;
    }
    // A handshake refused (401 when the token was revoked) looks like a plain failure to a
    // page; let the app ask the REST API whether the token still works.
    if (!hadReady) this.emit('handshakeFailed');
    this.setState('offline');
    const delay = BACKOFF_BASE_MS / 2 + Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    this.nextAttemptAt = Date.now() + delay;
    this.timers.reconnect = setTimeout(() => this.connect(), delay);
  }

  /** Reconnects without waiting for the backoff (network back, tab visible, "Retry now"). */
  reconnectNow() {
    if (this.state === 'offline') {
      this.attempt = 0;
      this.connect();
    } else if (this.state !== 'stopped') {
      this.probe();
    }
  }

  /** Checks a socket that looks open by asking for a pong. */
  probe() {
    if (this.ws?.readyState === WebSocket.OPEN && this.ready && !this.pingSentAt) this.ping();
  }

  ping() {
    this.pingSentAt = Date.now();
    this.sendFrame({ type: 'ping', id: `p-${++this.frameSeq}` });
  }

  heartbeat() {
    if (!this.ws || !this.ready || this.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (this.pingSentAt && now - this.pingSentAt > PONG_TIMEOUT_MS) {
      this.drop(4000, 'no answer', true);
    } else if (!this.pingSentAt && now - this.lastHeard > QUIET_BEFORE_PING_MS) {
      this.ping();
    }
  }

  sendFrame(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  // ---- frames from the node ----

  handle(f) {
    switch (f.type) {
      case 'ready':
        clearTimeout(this.timers.connect);
        this.ready = true;
        // The backoff is reset only once this socket is caught up (see onSynced): a node that
        // says `ready` and then drops every socket must not be hammered.
        this.maxFrameBytes = f.maxFrameBytes;
        this.setState('syncing');
        this.sync();
        break;
      case 'message':
        this.onMessage(f);
        break;
      case 'synced':
        this.onSynced(f);
        break;
      case 'ack':
        if (f.clientMsgId) this.onAck(f);
        break;
      case 'error':
        this.onError(f);
        break;
      case 'membership':
        // Our history of a group we were added to starts after joinedSeq.
        if (f.change === 'added' && typeof f.joinedSeq === 'number') {
          this.cursors[f.chatId] = Math.max(this.cursors[f.chatId] ?? 0, f.joinedSeq);
          this.saveCursorsSoon();
        } else if (f.change === 'removed' || f.change === 'left') {
          delete this.cursors[f.chatId];
          this.saveCursorsSoon();
        }
        this.emit('membership', f);
        break;
      case 'receipt':
      case 'presence':
      case 'typing':
        this.emit(f.type, f);
        break;
      case 'signedOut':
        this.emit('signedOut');
        break;
      case 'pong':
      default:
        break;
    }
  }

  sync() {
    if (!this.ready || this.syncing) return;
    this.syncing = true;
    this.sendFrame({ type: 'sync', id: `s-${++this.frameSeq}`, cursors: { ...this.cursors } });
  }

  onMessage(m) {
    const cur = this.cursors[m.chatId];
    if (cur != null && m.seq <= cur) return; // already have it
    if (cur != null && m.seq > cur + 1 && this.caughtUp) {
      // A gap in live traffic: drop the socket and reconnect, like the SDK. A fresh socket holds
      // live traffic until its sync (from the cursor) is answered, so nothing is lost or skipped;
      // syncing on this live socket would let live messages interleave with the answer.
      this.drop(4000, 'gap', true);
      return;
    }
    // In a sync answer the node decides where a chat's history starts (a group joined late).
    this.cursors[m.chatId] = m.seq;
    this.saveCursorsSoon();
    if (m.senderId === this.userId) {
      // Our own send whose ack was lost: the message is stored, drop it from the outbox.
      const i = this.outbox.findIndex((e) => e.chatId === m.chatId && e.clientMsgId === m.clientMsgId);
      if (i >= 0) {
        this.takeOut(i);
        this.saveOutbox();
      }
    } else {
      this.queueDelivered(m.chatId, m.seq);
    }
    this.emit('message', { message: m, fromSync: !this.caughtUp });
  }

  onSynced(f) {
    this.syncing = false;
    if (f.more) {
      this.sync();
      return;
    }
    const first = !this.caughtUpOnce;
    this.caughtUpOnce = true;
    this.caughtUp = true;
    // Caught up and still up 30 s later: the connection works end to end, so the next drop
    // starts from a short backoff again. A node that accepts then drops sockets keeps backing off.
    clearTimeout(this.timers.stable);
    const ws = this.ws;
    this.timers.stable = setTimeout(() => {
      if (this.ws === ws && this.caughtUp) this.attempt = 0;
    }, 30_000);
    this.setState('live');
    this.flushDelivered();
    for (const [chatId, seq] of this.readQueue) this.markRead(chatId, seq);
    this.readQueue.clear();
    this.sendPresence();
    this.pump();
    this.emit('caughtUp', { first });
  }

  onAck(f) {
    const sent = this.inFlight.get(f.clientMsgId);
    this.inFlight.delete(f.clientMsgId);
    const i = this.outbox.findIndex((e) => e.chatId === f.chatId && e.clientMsgId === f.clientMsgId);
    // The message is stored even if its entry left the outbox meanwhile (another tab): show it.
    let entry = sent && sent.chatId === f.chatId ? sent : null;
    if (i >= 0) {
      entry = this.takeOut(i);
      this.saveOutbox();
    }
    // Our own sends are not echoed to this socket: the ack is the message's arrival.
    const cur = this.cursors[f.chatId];
    if (cur == null || f.seq === cur + 1) {
      this.cursors[f.chatId] = f.seq;
      this.saveCursorsSoon();
    }
    if (entry) this.emit('ack', { entry, ack: f });
    this.pump();
  }

  onError(f) {
    const id = f.id || '';
    if (id.startsWith('o-')) {
      const clientMsgId = id.slice(2);
      this.inFlight.delete(clientMsgId);
      const entry = this.outbox.find((e) => e.clientMsgId === clientMsgId);
      if (!entry) return;
      if (RETRYABLE.has(f.code)) {
        entry.tries = (entry.tries || 0) + 1;
        entry.retryAt = Date.now() + Math.min(30_000, 500 * 2 ** entry.tries) * (0.5 + Math.random() / 2);
        clearTimeout(this.timers.pump);
        this.timers.pump = setTimeout(() => this.pump(), entry.retryAt - Date.now());
      } else {
        this.takeOut(this.outbox.indexOf(entry));
        this.saveOutbox();
        this.emit('sendFailed', { entry, code: f.code, message: f.message });
      }
    } else if (id.startsWith('s-')) {
      // The sync failed (store busy): the node keeps holding live traffic; try again.
      this.syncing = false;
      clearTimeout(this.timers.sync);
      this.timers.sync = setTimeout(() => this.sync(), 1_000 + Math.random() * 2_000);
    } else if (id.startsWith('sp-')) {
      this.presenceSent = null; // e.g. a chat we just left; the app sends a fresh list
      this.emit('presenceRefused', f);
    } else {
      console.warn('frame refused', f);
    }
  }

  // ---- sending ----

  /** Queues a message: {clientMsgId, chatId, text | mediaId+caption, replyTo, ...}. */
  enqueue(entry) {
    this.outboxRemoved.delete(entry.clientMsgId);
    this.outbox.push(entry);
    this.saveOutbox();
    this.pump();
  }

  /** Takes entry i out of the outbox (the caller saves), remembering it for the merge. */
  takeOut(i) {
    const [e] = this.outbox.splice(i, 1);
    if (e) this.outboxRemoved.add(e.clientMsgId);
    return e;
  }

  /** Drops an unsent entry; refused (false) while its send is on the wire, since it may be stored. */
  discard(clientMsgId) {
    if (this.inFlight.has(clientMsgId)) return false;
    const i = this.outbox.findIndex((e) => e.clientMsgId === clientMsgId);
    if (i >= 0) {
      this.takeOut(i);
      this.saveOutbox();
    }
    return true;
  }

  /** Puts back a send that failed for good (the user pressed "retry"). */
  retry(entry) {
    delete entry.retryAt;
    delete entry.tries;
    this.enqueue(entry);
  }

  /** Sends what the outbox holds, in order, each once per socket, within the window. */
  pump() {
    if (!this.live) return;
    const now = Date.now();
    for (const e of this.outbox) {
      if (this.inFlight.has(e.clientMsgId)) continue;
      if (this.inFlight.size >= MAX_IN_FLIGHT) break;
      if (e.retryAt && e.retryAt > now) {
        // Keep the order behind a send waiting to retry, and come back when it is due.
        clearTimeout(this.timers.pump);
        this.timers.pump = setTimeout(() => this.pump(), Math.max(0, e.retryAt - now) + 10);
        break;
      }
      const frame = { type: 'send', id: `o-${e.clientMsgId}`, chatId: e.chatId, clientMsgId: e.clientMsgId };
      if (e.mediaId) {
        frame.mediaId = e.mediaId;
        if (e.caption) frame.caption = e.caption;
      } else {
        frame.text = e.text;
      }
      if (e.replyTo) frame.replyTo = e.replyTo;
      if (!this.sendFrame(frame)) break;
      this.inFlight.set(e.clientMsgId, e);
    }
  }

  queueDelivered(chatId, seq) {
    if ((this.deliveredQueue.get(chatId) ?? 0) >= seq) return;
    this.deliveredQueue.set(chatId, seq);
    if (this.live && !this.timers.delivered) {
      this.timers.delivered = setTimeout(() => this.flushDelivered(), DELIVERED_DELAY_MS);
    }
  }

  flushDelivered() {
    clearTimeout(this.timers.delivered);
    this.timers.delivered = null;
    if (!this.live) return;
    for (const [chatId, upToSeq] of this.deliveredQueue) this.sendFrame({ type: 'delivered', chatId, upToSeq });
    this.deliveredQueue.clear();
  }

  /** Moves our read cursor (sent now when live, else once caught up). */
  markRead(chatId, upToSeq) {
    if (!upToSeq || (this.readSent.get(chatId) ?? 0) >= upToSeq) return;
    if (!this.live) {
      this.readQueue.set(chatId, Math.max(this.readQueue.get(chatId) ?? 0, upToSeq));
      return;
    }
    this.readSent.set(chatId, upToSeq);
    this.sendFrame({ type: 'read', chatId, upToSeq });
  }

  /** typing | recording | paused; dropped while not live (typing states are not stored). */
  typing(chatId, state) {
    if (this.live) this.sendFrame({ type: 'typing', chatId, state });
  }

  /** The chats on screen whose members' presence we want; renewed after each catch-up. */
  setPresenceChats(chatIds) {
    this.presenceChats = chatIds.slice(0, 200);
    this.sendPresence();
  }

  /** Asks for every watched user's state afresh (our own privacy setting changed, say). */
  resubscribePresence() {
    this.presenceSent = null;
    this.sendPresence();
  }

  sendPresence() {
    if (!this.live) return;
    const key = [...this.presenceChats].sort().join(','); // the order on screen does not matter
    if (key === this.presenceSent) return;
    this.presenceSent = key;
    this.sendFrame({ type: 'subscribePresence', id: `sp-${++this.frameSeq}`, chatIds: this.presenceChats });
  }

  // ---- cursors ----

  /**
   * Starts cursors from the chat list: a chat never seen starts at its last seq, and one far
   * behind jumps there (its history is paged over REST when opened) instead of replaying it all.
   */
  seedCursors(chats) {
    for (const c of chats) {
      const cur = this.cursors[c.chatId];
      if (cur == null || c.lastSeq - cur > GAP_JUMP) this.cursors[c.chatId] = Math.max(cur ?? 0, c.lastSeq);
    }
    this.saveCursors();
  }

  /** A chat opened or created over REST: start from what that answer showed, unless we know more. */
  seedCursor(chatId, lastSeq) {
    if (this.cursors[chatId] == null) {
      this.cursors[chatId] = lastSeq;
      this.saveCursorsSoon();
    }
  }

  forgetChat(chatId) {
    delete this.cursors[chatId];
    this.saveCursorsSoon();
  }

  saveCursorsSoon() {
    if (this.timers.saveCursors) return;
    this.timers.saveCursors = setTimeout(() => {
      this.timers.saveCursors = null;
      this.saveCursors();
    }, 300);
  }

  saveCursors() {
    saveJson(this.cursorKey, this.cursors);
  }

  /**
   * Saves the outbox merged with what another tab may have stored since: entries it added are
   * kept (and adopted here), entries this tab took out stay out.
   */
  saveOutbox() {
    const stored = loadJson(this.outboxKey, []);
    if (Array.isArray(stored)) {
      const ours = new Set(this.outbox.map((e) => e.clientMsgId));
      for (const e of stored) {
        if (!e?.clientMsgId || ours.has(e.clientMsgId) || this.outboxRemoved.has(e.clientMsgId)) continue;
        this.outbox.push(e);
        ours.add(e.clientMsgId);
        this.emit('outboxAdded', e);
      }
    }
    for (const e of this.outbox) this.outboxRemoved.delete(e.clientMsgId);
    if (this.outboxRemoved.size > 1000) this.outboxRemoved = new Set([...this.outboxRemoved].slice(-500));
    this.outboxStored = new Set(this.outbox.map((e) => e.clientMsgId));
    saveJson(this.outboxKey, this.outbox);
  }

  /** Another tab saved the outbox: take its new entries, drop the ones it took out. */
  mergeStoredOutbox(raw) {
    let theirs;
    try {
      theirs = raw == null ? [] : JSON.parse(raw);
    } catch {
      return;
    }
    if (!Array.isArray(theirs)) return;
    const theirIds = new Set(theirs.map((e) => e?.clientMsgId));
    let changed = false;
    for (let i = this.outbox.length - 1; i >= 0; i--) {
      const e = this.outbox[i];
      // Stored before and gone now: the other tab got its ack or discarded it. One on our own
      // wire stays until its answer comes (the node knows the clientMsgId: no duplicate).
      if (theirIds.has(e.clientMsgId) || !this.outboxStored.has(e.clientMsgId) || this.inFlight.has(e.clientMsgId)) continue;
      this.takeOut(i);
      changed = true;
      this.emit('outboxRemoved', e);
    }
    const ours = new Set(this.outbox.map((e) => e.clientMsgId));
    for (const e of theirs) {
      if (!e?.clientMsgId || ours.has(e.clientMsgId) || this.outboxRemoved.has(e.clientMsgId)) continue;
      this.outbox.push(e);
      ours.add(e.clientMsgId);
      changed = true;
      this.emit('outboxAdded', e);
    }
    this.outboxStored = theirIds;
    if (changed) this.pump();
  }
}
