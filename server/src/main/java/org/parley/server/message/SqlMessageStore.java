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
import org.parley.server.store.Database;
import org.parley.server.store.Sql;
import org.parley.server.store.StoreException;

public final class SqlMessageStore implements MessageStore {
    private static final String COLUMNS = "chat_id, seq, msg_id, sender_id, client_msg_id, body, reply_to, sent_at, kind, meta";
    private static final int IN_CHUNK = 400;
    private final Database db;

    public SqlMessageStore(Database db) {
        this.db = db;
    }

    static Message message(ResultSet rs) throws SQLException {
        String meta = rs.getString("meta");
        SystemEvent system;
        try {
            system = meta == null ? null : WireJson.mapper().readValue(meta, SystemEvent.class);
        } catch (java.io.IOException e) {
            throw new SQLException("unreadable system event in message " + rs.getString("msg_id"), e);
        }
        return new Message(rs.getString("msg_id"), rs.getString("chat_id"), rs.getLong("seq"), rs.getString("sender_id"),
                rs.getString("client_msg_id"), rs.getString("kind"), rs.getString("body"), system, rs.getString("reply_to"),
                rs.getLong("sent_at"), null, null, null);
    }

    private record Key(String chatId, String senderId, String clientMsgId) {
        static Key of(NewMessage m) {
            return new Key(m.chatId(), m.senderId(), m.clientMsgId());
        }
    }

    @Override
    public List<Appended> append(List<NewMessage> batch) {
        for (int attempt = 1; ; attempt++) {
            try {
                return db.write(c -> appendInTransaction(c, batch));
            } catch (StoreException e) {
                // Another node committed the same clientMsgId between our lookup and insert:
                // run again, and the lookup now finds it.
                if (attempt >= 3 || !(e.getCause() instanceof SQLException sql) || !db.isUniqueViolation(sql)) throw e;
            }
        }
    }

    private List<Appended> appendInTransaction(Connection c, List<NewMessage> batch) throws SQLException {
        // Chats in a fixed order: two nodes committing batches that share chats lock their
        // chat_log rows in the same order, so they wait for each other instead of deadlocking.
        Map<String, List<NewMessage>> byChat = new TreeMap<>();
        for (NewMessage m : batch) byChat.computeIfAbsent(m.chatId(), k -> new ArrayList<>()).add(m);

        Map<Key, Message> existing = new HashMap<>();
        for (var entry : byChat.entrySet()) findExisting(c, entry.getKey(), entry.getValue(), existing);

        Map<Key, Appended> results = new HashMap<>();
        List<Message> toInsert = new ArrayList<>();
        for (var entry : byChat.entrySet()) {
            List<NewMessage> fresh = new ArrayList<>();
            for (NewMessage m : entry.getValue()) {
                Key key = Key.of(m);
                if (existing.containsKey(key) || results.containsKey(key)) continue;
                results.put(key, null); // reserved: later copies in this batch are duplicates
                fresh.add(m);
            }
            if (fresh.isEmpty()) continue;
            long last = bumpHead(c, entry.getKey(), fresh.size(), fresh.get(fresh.size() - 1).sentAt());
            long seq = last - fresh.size();
            for (NewMessage m : fresh) {
                Message stored = new Message(m.msgId(), m.chatId(), ++seq, m.senderId(), m.clientMsgId(), m.kind(), m.text(),
                        m.system(), m.replyTo(), m.sentAt(), null, null, null);
                toInsert.add(stored);
                results.put(Key.of(m), new Appended(stored, false));
            }
        }
        insert(c, toInsert);

        List<Appended> out = new ArrayList<>(batch.size());
        Map<Key, Boolean> seen = new HashMap<>();
        for (NewMessage m : batch) {
            Key key = Key.of(m);
            Message prior = existing.get(key);
            if (prior != null) {
                out.add(new Appended(prior, true));
            } else {
                Appended fresh = results.get(key);
                out.add(seen.putIfAbsent(key, true) == null ? fresh : new Appended(fresh.message(), true));
            }
        }
        return out;
    }

    private static void findExisting(Connection c, String chatId, List<NewMessage> batch, Map<Key, Message> into) throws SQLException {
        List<String> ids = batch.stream().map(NewMessage::clientMsgId).distinct().toList();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            Object[] args = new Object[chunk.size() + 1];
            args[0] = chatId;
            for (int i = 0; i < chunk.size(); i++) args[i + 1] = chunk.get(i);
            for (Message m : Sql.list(c, "SELECT " + COLUMNS + " FROM messages WHERE chat_id = ? AND client_msg_id IN ("
                    + Sql.marks(chunk.size()) + ")", SqlMessageStore::message, args)) {
                into.put(new Key(m.chatId(), m.senderId(), m.clientMsgId()), m);
            }
        }
    }

    /** Hands out {@code count} seqs: returns the new last seq of the chat. */
    private static long bumpHead(Connection c, String chatId, int count, long at) throws SQLException {
        try (PreparedStatement ps = Sql.prepare(c, "INSERT INTO chat_log (chat_id, last_seq, last_at) VALUES (?, ?, ?)"
                + " ON CONFLICT (chat_id) DO UPDATE SET last_seq = chat_log.last_seq + excluded.last_seq, last_at = excluded.last_at"
                + " RETURNING last_seq", chatId, count, at);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void insert(Connection c, List<Message> messages) throws SQLException {
        if (messages.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Message m : messages) {
                Sql.bind(ps, m.chatId(), m.seq(), m.msgId(), m.senderId(), m.clientMsgId(), m.text(), m.replyTo(), m.sentAt(), m.kind(),
                        m.system() == null ? null : WireJson.encode(m.system()));
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
    public Map<String, Message> lastMessages(Collection<String> chatIds) {
        List<String> ids = List.copyOf(chatIds);
        Map<String, Message> out = new HashMap<>();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            List<Message> heads = db.read(c -> Sql.list(c, "SELECT m.chat_id, m.seq, m.msg_id, m.sender_id, m.client_msg_id, m.body,"
                    + " m.reply_to, m.sent_at, m.kind, m.meta FROM chat_log l JOIN messages m ON m.chat_id = l.chat_id AND m.seq = l.last_seq"
                    + " WHERE l.chat_id IN (" + Sql.marks(chunk.size()) + ")", SqlMessageStore::message, chunk.toArray()));
            for (Message m : heads) out.put(m.chatId(), m);
        }
        return out;
    }
}
