package org.parley.server.push;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.parley.protocol.Model.Message;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

/** The push outbox in the store (push_jobs, push_dead). */
public final class SqlPushQueue implements PushQueue {
    private static final String COLUMNS = "chat_id, seq, device_id, user_id, created_at, attempts";
    private static final long SIBLING_WINDOW_MS = 30_000;
    private final Database db;

    public SqlPushQueue(Database db) {
        this.db = db;
    }

    /**
     * Inside a message append's transaction: a job for every device with a push address of
     * every other member who has not muted the chat. One indexed statement per message; no
     * rows at all when nobody has a push address. Jobs fall due {@code delayMillis} after the
     * message, so a burst in one chat goes out as one notification.
     */
    public static void enqueue(Connection c, List<Message> fresh, long delayMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO push_jobs (chat_id, seq, device_id, user_id, created_at, due_at, attempts)"
                + " SELECT m.chat_id, ?, p.device_id, p.user_id, ?, ?, 0 FROM chat_members m JOIN push_endpoints p ON p.user_id = m.user_id"
                + " WHERE m.chat_id = ? AND m.user_id <> ? AND (m.muted_until IS NULL OR m.muted_until < ?)")) {
            int n = 0;
            for (Message m : fresh) {
                if (m.bySystem()) continue; // membership changes show in the chat; they wake no one
                Sql.bind(ps, m.seq(), m.sentAt(), m.sentAt() + delayMillis, m.chatId(), m.senderId(), m.sentAt());
                ps.addBatch();
                n++;
            }
            if (n > 0) ps.executeBatch();
        }
    }

    private static Job job(java.sql.ResultSet rs) throws SQLException {
        return new Job(rs.getString("chat_id"), rs.getLong("seq"), rs.getString("device_id"), rs.getString("user_id"),
                rs.getLong("created_at"), rs.getInt("attempts"));
    }

    @Override
    public List<Job> claim(long now, int limit, long leaseUntil) {
        // PostgreSQL: nodes claiming at once skip each other's rows instead of waiting on them
        String lock = db.kind().equals("postgres") ? " FOR UPDATE SKIP LOCKED" : "";
        return db.write(c -> {
            List<Job> jobs = new ArrayList<>(Sql.list(c, "SELECT " + COLUMNS + " FROM push_jobs WHERE due_at <= ? ORDER BY due_at LIMIT ?" + lock,
                    SqlPushQueue::job, now, limit));
            // Later messages of the same chat for the same device go in the same notification,
            // however the burst straddles due times. (Jobs another worker leased are due a full
            // lease ahead and stay out.)
            Set<String> pairs = new LinkedHashSet<>();
            Set<String> taken = new HashSet<>();
            for (Job j : jobs) {
                pairs.add(j.deviceId() + '\u0000' + j.chatId());
                taken.add(j.chatId() + '\u0000' + j.seq() + '\u0000' + j.deviceId());
            }
            for (String pair : pairs) {
                String[] dc = pair.split("\u0000", 2);
                for (Job j : Sql.list(c, "SELECT " + COLUMNS + " FROM push_jobs WHERE device_id = ? AND chat_id = ? AND due_at > ? AND due_at <= ?" + lock,
                        SqlPushQueue::job, dc[0], dc[1], now, now + SIBLING_WINDOW_MS)) {
                    if (taken.add(j.chatId() + '\u0000' + j.seq() + '\u0000' + j.deviceId())) jobs.add(j);
                }
            }
            setDue(c, jobs, leaseUntil, false, null);
            return jobs;
        });
    }

    private static void setDue(Connection c, List<Job> jobs, long at, boolean countAttempt, String error) throws SQLException {
        if (jobs.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("UPDATE push_jobs SET due_at = ?, attempts = attempts + ?, last_error = COALESCE(?, last_error)"
                + " WHERE chat_id = ? AND seq = ? AND device_id = ?")) {
            for (Job j : jobs) {
                Sql.bind(ps, at, countAttempt ? 1 : 0, error, j.chatId(), j.seq(), j.deviceId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public void done(List<Job> jobs) {
        if (jobs.isEmpty()) return;
        db.write(c -> {
            delete(c, jobs);
            return null;
        });
    }

    private static void delete(Connection c, List<Job> jobs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM push_jobs WHERE chat_id = ? AND seq = ? AND device_id = ?")) {
            for (Job j : jobs) {
                Sql.bind(ps, j.chatId(), j.seq(), j.deviceId());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public void retry(List<Job> jobs, long at, String error) {
        db.write(c -> {
            setDue(c, jobs, at, true, error == null ? "" : error.substring(0, Math.min(500, error.length())));
            return null;
        });
    }

    @Override
    public void postpone(List<Job> jobs, long at) {
        db.write(c -> {
            setDue(c, jobs, at, false, null);
            return null;
        });
    }

    @Override
    public void bury(List<Job> jobs, long now, String reason) {
        if (jobs.isEmpty()) return;
        String why = reason.substring(0, Math.min(500, reason.length()));
        db.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO push_dead (chat_id, seq, device_id, user_id, created_at, failed_at, attempts,"
                    + " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                for (Job j : jobs) {
                    Sql.bind(ps, j.chatId(), j.seq(), j.deviceId(), j.userId(), j.createdAt(), now, j.attempts() + 1, why);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            delete(c, jobs);
            return null;
        });
    }

    @Override
    public long deadLetters() {
        return db.read(c -> Sql.one(c, "SELECT COUNT(*) FROM push_dead", rs -> rs.getLong(1))).orElse(0L);
    }
}
