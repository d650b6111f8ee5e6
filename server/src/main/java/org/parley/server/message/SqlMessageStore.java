package org.parley.server.message;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Model.SystemEvent;
import org.parley.protocol.WireJson;
import org.parley.server.push.SqlPushQueue;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;
import org.parley.server.store.StoreException;

public final class SqlMessageStore implements MessageStore {
    private static final String COLUMNS = "chat_id, seq, msg_id, sender_id, client_msg_id, body, reply_to, sent_at, kind, meta, media_id, media";
    /** The same columns of messages aliased {@code m}. */
    private static final String M_COLUMNS = "m." + COLUMNS.replace(", ", ", m.");
    private static final int IN_CHUNK = 400;
    private final Database db;
    private final long pushDelayMillis;
    /**
     * Whether a batch is inserted before its repeats are looked up: on SQLite, whose one node is
     * the only writer, when no message has an id of the clock (stored before migration 11, which
     * the unique index of ids cannot tell a repeat of; none are written any more). The unique
     * index then finds a repeat as it refuses the insert, and the batch runs again with the
     * look-up, which otherwise took a sixth of the message writer's time (benchmarks.md 33). Not
     * on PostgreSQL: a node of the version before 11 still running in a rolling upgrade may
     * write such ids after this node has looked.
     */
    private final boolean insertFirst;

    /** @param pushDelayMillis how long after a message its push jobs fall due (see {@link SqlPushQueue#enqueue}) */
    public SqlMessageStore(Database db, long pushDelayMillis) {
        this.db = db;
        this.pushDelayMillis = pushDelayMillis;
        this.insertFirst = db.kind().equals("sqlite") && db.read(c -> Sql.list(c, CLOCK_IDS_SQLITE, rs -> 1)).isEmpty();
    }

    /**
     * Whether any message has an id of the clock, asked once at start: through the partial index
     * of such messages, which SQLite's planner would not choose by itself (it scanned the whole
     * index of ids instead, seconds on a large database).
     */
    public static final String CLOCK_IDS_SQLITE = "SELECT 1 FROM messages INDEXED BY messages_by_client_id_before_v11 WHERE "
            + MessageIds.madeFromTheClock("msg_id") + " LIMIT 1";

    /** A row of {@link #COLUMNS} (or {@link #M_COLUMNS}), read by position: history pages read fifty at a time. */
    static Message message(ResultSet rs) throws SQLException {
        String msgId = Sql.text(rs, 3);
        String meta = Sql.text(rs, 10);
        String mediaJson = Sql.text(rs, 12);
        SystemEvent system;
        org.parley.protocol.Model.Media media;
        try {
            system = meta == null ? null : WireJson.mapper().readValue(meta, SystemEvent.class);
            media = mediaJson == null ? null : WireJson.mapper().readValue(mediaJson, org.parley.protocol.Model.Media.class);
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable system event or media in message " + msgId, e);
        }
        String body = Sql.text(rs, 6);
        if (media != null && body.isEmpty()) body = null; // a media message without a caption
        return new Message(msgId, Sql.text(rs, 1), rs.getLong(2), Sql.text(rs, 4), Sql.text(rs, 5), Sql.text(rs, 9), body, system,
                Sql.text(rs, 7), rs.getLong(8), null, null, null, media);
    }

    /** What makes a send one message; its id is {@link MessageIds#of} of it. */
    private record Key(String chatId, String senderId, String clientMsgId) {
        static Key of(NewMessage m) {
            return new Key(m.chatId(), m.senderId(), m.clientMsgId());
        }
    }

    @Override
    public List<Appended> append(List<NewMessage> batch) {
        Map<Key, String> ids = new HashMap<>(); // each distinct send's id, hashed once whatever the retries
        for (NewMessage m : batch) ids.computeIfAbsent(Key.of(m), k -> MessageIds.of(k.chatId(), k.senderId(), k.clientMsgId()));
        for (int attempt = 1; ; attempt++) {
            boolean lookUp = !insertFirst || attempt > 1;
            try {
                return db.write(c -> appendInTransaction(c, batch, ids, lookUp));
            } catch (StoreException e) {
                // The unique index of ids refused an insert: a repeat that was not looked up, or another
                // node committed the same send between our look-up and insert. Run again (the seqs
                // handed out roll back with the rest), and the look-up now finds it.
                if (attempt >= 3 || !(e.getCause() instanceof SQLException sql) || !db.isUniqueViolation(sql)) throw e;
            }
        }
    }

    private List<Appended> appendInTransaction(Connection c, List<NewMessage> batch, Map<Key, String> ids, boolean lookUp) throws SQLException {
        // Chats in a fixed order: two nodes committing batches that share chats lock their
        // chat_log rows in the same order, so they wait for each other instead of deadlocking.
        Map<String, List<NewMessage>> byChat = new TreeMap<>();
        for (NewMessage m : batch) byChat.computeIfAbsent(m.chatId(), k -> new ArrayList<>()).add(m);

        Map<Key, Message> existing = lookUp ? findExisting(c, ids) : Map.of();

        // Which messages are new, per chat, in batch order; then one statement numbers them all.
        Map<Key, Appended> results = new HashMap<>();
        Map<String, List<NewMessage>> fresh = new TreeMap<>();
        for (var entry : byChat.entrySet()) {
            for (NewMessage m : entry.getValue()) {
                Key key = Key.of(m);
                if (existing.containsKey(key) || results.containsKey(key)) continue;
                results.put(key, null); // reserved: later copies in this batch are duplicates
                fresh.computeIfAbsent(entry.getKey(), k -> new ArrayList<>()).add(m);
            }
        }
        Map<String, Long> heads = bumpHeads(c, fresh);
        List<Message> toInsert = new ArrayList<>();
        for (var entry : fresh.entrySet()) {
            List<NewMessage> mine = entry.getValue();
            long seq = heads.get(entry.getKey()) - mine.size();
            for (NewMessage m : mine) {
                Key key = Key.of(m);
                Message stored = new Message(ids.get(key), m.chatId(), ++seq, m.senderId(), m.clientMsgId(), m.kind(), m.text(),
                        m.system(), m.replyTo(), m.sentAt(), null, null, null, m.media());
                toInsert.add(stored);
                results.put(key, new Appended(stored, false));
            }
        }
        insert(c, toInsert);
        SqlPushQueue.enqueue(c, toInsert, pushDelayMillis); // the outbox: in the same transaction as the messages

        List<Appended> out = new ArrayList<>(batch.size());
        Map<Key, Boolean> seen = new HashMap<>();
        for (NewMessage m : batch) {
            Key key = Key.of(m);
            Message prior = existing.get(key);
            if (prior != null) {
                out.add(new Appended(prior, true));
            } else {
                Appended first = results.get(key);
                out.add(seen.putIfAbsent(key, true) == null ? first : new Appended(first.message(), true));
            }
        }
        return out;
    }

    /**
     * The look-up of {@link #findExisting} for {@code rows} sends, each bound as (chat_id,
     * msg_id, client_msg_id, sender_id): by id in messages_by_msg_id, and by client id in the
     * partial index of the messages stored before migration 11, whose ids came from the clock.
     * A join with the keys, not a row-value IN, which SQLite answers with a table scan.
     */
    public static String existingSql(int rows) {
        return "WITH k (chat_id, msg_id, client_msg_id, sender_id) AS (VALUES " + Sql.rows(rows, 4) + ")"
                + " SELECT " + M_COLUMNS + " FROM k JOIN messages m ON m.chat_id = k.chat_id AND m.msg_id = k.msg_id"
                + " UNION ALL SELECT " + M_COLUMNS + " FROM k JOIN messages m ON m.chat_id = k.chat_id AND m.client_msg_id = k.client_msg_id"
                + " AND m.sender_id = k.sender_id AND " + MessageIds.madeFromTheClock("m.msg_id");
    }

    /** The sends of the batch that are stored already, in one statement per {@link #IN_CHUNK} of them. */
    private static Map<Key, Message> findExisting(Connection c, Map<Key, String> ids) throws SQLException {
        List<Map.Entry<Key, String>> keys = List.copyOf(ids.entrySet());
        Map<Key, Message> into = new HashMap<>();
        for (int from = 0; from < keys.size(); from += IN_CHUNK) {
            List<Map.Entry<Key, String>> chunk = keys.subList(from, Math.min(keys.size(), from + IN_CHUNK));
            Object[] args = new Object[chunk.size() * 4];
            for (int i = 0; i < chunk.size(); i++) {
                args[4 * i] = chunk.get(i).getKey().chatId();
                args[4 * i + 1] = chunk.get(i).getValue();
                args[4 * i + 2] = chunk.get(i).getKey().clientMsgId();
                args[4 * i + 3] = chunk.get(i).getKey().senderId();
            }
            for (Message m : Sql.list(c, existingSql(chunk.size()), SqlMessageStore::message, args)) {
                into.put(new Key(m.chatId(), m.senderId(), m.clientMsgId()), m);
            }
        }
        return into;
    }

    /**
     * Hands out seqs to every chat of the batch in one statement (chats in sorted order, so
     * concurrent writers lock them in the same order): returns each chat's new last seq.
     */
    private static Map<String, Long> bumpHeads(Connection c, Map<String, List<NewMessage>> fresh) throws SQLException {
        Map<String, Long> heads = new HashMap<>();
        List<String> chats = List.copyOf(fresh.keySet());
        for (int from = 0; from < chats.size(); from += IN_CHUNK) {
            List<String> chunk = chats.subList(from, Math.min(chats.size(), from + IN_CHUNK));
            Object[] args = new Object[chunk.size() * 3];
            for (int i = 0; i < chunk.size(); i++) {
                List<NewMessage> mine = fresh.get(chunk.get(i));
                args[3 * i] = chunk.get(i);
                args[3 * i + 1] = mine.size();
                args[3 * i + 2] = mine.get(mine.size() - 1).sentAt();
            }
            try (PreparedStatement ps = Sql.prepare(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES " + Sql.rows(chunk.size(), 3)
                    + " ON CONFLICT (chat_id) DO UPDATE SET last_seq = chat_log.last_seq + excluded.last_seq, last_at = excluded.last_at"
                    + " RETURNING chat_id, last_seq", args);
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) heads.put(rs.getString(1), rs.getLong(2));
            }
        }
        return heads;
    }

    private static void insert(Connection c, List<Message> messages) throws SQLException {
        if (messages.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Message m : messages) {
                Sql.bind(ps, m.chatId(), m.seq(), m.msgId(), m.senderId(), m.clientMsgId(), m.text() == null ? "" : m.text(), m.replyTo(),
                        m.sentAt(), m.kind(),
                        m.system() == null ? null : WireJson.encode(m.system()), m.media() == null ? null : m.media().mediaId(),
                        m.media() == null ? null : WireJson.encode(m.media()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<Message> after(String chatId, long afterSeq, int limit) {
        return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM messages WHERE chat_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                SqlMessageStore::message, chatId, afterSeq, limit));
    }

    @Override
    public List<Message> before(String chatId, long beforeSeq, long floorSeq, int limit) {
        List<Message> newestFirst = db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM messages"
                + " WHERE chat_id = ? AND seq < ? AND seq > ? ORDER BY seq DESC LIMIT ?",
                SqlMessageStore::message, chatId, beforeSeq, floorSeq, limit));
        List<Message> ascending = new ArrayList<>(newestFirst);
        java.util.Collections.reverse(ascending);
        return ascending;
    }

    @Override
    public Optional<Message> byId(String chatId, String msgId) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM messages WHERE chat_id = ? AND msg_id = ?",
                SqlMessageStore::message, chatId, msgId));
    }

    @Override
    public java.util.Set<String> senders(String chatId, long fromSeq, long toSeq) {
        return new java.util.HashSet<>(db.read(c -> Sql.list(c, "SELECT DISTINCT sender_id FROM messages WHERE chat_id = ? AND seq > ? AND seq <= ?",
                rs -> rs.getString(1), chatId, fromSeq, toSeq)));
    }

    @Override
    public List<Head> headsOf(String userId) {
        // Scalar subqueries rather than joins: PostgreSQL may plan this statement anew on every sync
        // (with users' chat counts skewed, its generic plan looks dearer than a custom one), and a
        // three-table join cost it 160 µs of planning each time, this 40 µs (benchmarks.md 29).
        List<Head> heads = db.read(c -> Sql.list(c, "SELECT m.chat_id, (SELECT l.last_seq FROM chat_log l WHERE l.chat_id = m.chat_id),"
                + " m.joined_seq FROM chat_members m"
                + " WHERE m.user_id = ? AND (SELECT c.closed_at FROM chats c WHERE c.chat_id = m.chat_id) IS NULL",
                rs -> {
                    long last = rs.getLong(2);
                    return rs.wasNull() ? null : new Head(rs.getString(1), last, rs.getLong(3)); // null: no message yet
                }, userId));
        heads.removeIf(java.util.Objects::isNull);
        return heads;
    }

    @Override
    public Map<String, Message> lastMessages(Collection<String> chatIds) {
        List<String> ids = List.copyOf(chatIds);
        Map<String, Message> out = new HashMap<>();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            List<Message> heads = db.read(c -> Sql.list(c, "SELECT " + M_COLUMNS
                    + " FROM chat_log l JOIN messages m ON m.chat_id = l.chat_id AND m.seq = l.last_seq"
                    + " WHERE l.chat_id IN (" + Sql.marks(chunk.size()) + ")", SqlMessageStore::message, chunk.toArray()));
            for (Message m : heads) out.put(m.chatId(), m);
        }
        return out;
    }
}
