package org.parley.server.push;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import org.parley.protocol.Model.Message;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

/** The push outbox in the store (push_jobs, push_dead). */
public final class SqlPushQueue implements PushQueue {
    private static final String COLUMNS = "chat_id, device_id, user_id, seq, pending, created_at, attempts";
    private final Database db;

    public SqlPushQueue(Database db) {
        this.db = db;
    }

    /**
     * Inside a message append's transaction: for every device with a push address of every
     * other member who has not muted the chat, a job falling due {@code delayMillis} after
     * the message, or, when the device already has one for the chat, that job now announces
     * this message too (its due time stays: a busy chat cannot put its push off for ever, and
     * a retry keeps its Retry-After). One indexed statement per message; no rows at all when
     * nobody has a push address.
     */
    public static void enqueue(Connection c, List<Message> fresh, long delayMillis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO push_jobs (chat_id, device_id, user_id, seq, pending, created_at, due_at,"
                + " leased_until, attempts) SELECT m.chat_id, p.device_id, p.user_id, ?, 1, ?, ?, 0, 0"
                + " FROM chat_members m JOIN push_endpoints p ON p.user_id = m.user_id"
                + " WHERE m.chat_id = ? AND m.user_id <> ? AND (m.muted_until IS NULL OR m.muted_until < ?)"
                + " ON CONFLICT (chat_id, device_id) DO UPDATE SET seq = excluded.seq, pending = push_jobs.pending + 1")) {
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
        return new Job(rs.getString("chat_id"), rs.getString("device_id"), rs.getString("user_id"), rs.getLong("seq"), rs.getInt("pending"),
                rs.getLong("created_at"), rs.getInt("attempts"));
    }

    @Override
    public List<Job> claim(long now, int limit, long leaseUntil) {
        // PostgreSQL: nodes claiming at once skip each other's rows instead of waiting on them
        String lock = db.kind().equals("postgres") ? " FOR UPDATE SKIP LOCKED" : "";
        return db.write(c -> {
            List<Job> jobs = Sql.list(c, "SELECT " + COLUMNS + " FROM push_jobs WHERE due_at <= ? AND leased_until < ? ORDER BY due_at LIMIT ?"
                    + lock, SqlPushQueue::job, now, now, limit);
            try (PreparedStatement ps = c.prepareStatement("UPDATE push_jobs SET leased_until = ? WHERE chat_id = ? AND device_id = ?")) {
                for (Job j : jobs) {
                    Sql.bind(ps, leaseUntil, j.chatId(), j.deviceId());
                    ps.addBatch();
                }
                if (!jobs.isEmpty()) ps.executeBatch();
            }
            return jobs;
        });
    }

    @Override
    public void settle(List<Settlement> settlements) {
        if (settlements.isEmpty()) return;
        db.write(c -> {
            for (Settlement s : settlements) {
                Job j = s.job();
                switch (s) {
                    case Settlement.Done d -> finish(c, j, d.nextDueAt());
                    case Settlement.Retry r -> Sql.update(c, "UPDATE push_jobs SET due_at = ?, attempts = attempts + 1, last_error = ?, leased_until = 0"
                            + " WHERE chat_id = ? AND device_id = ?", r.at(), cut(r.error()), j.chatId(), j.deviceId());
                    case Settlement.Postpone p -> Sql.update(c, "UPDATE push_jobs SET due_at = ?, leased_until = 0 WHERE chat_id = ? AND device_id = ?",
                            p.at(), j.chatId(), j.deviceId());
                    case Settlement.Bury b -> {
                        Sql.update(c, "INSERT INTO push_dead (chat_id, seq, device_id, user_id, created_at, failed_at, attempts, reason)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", j.chatId(), j.seq(), j.deviceId(), j.userId(),
                                j.createdAt(), b.at(), j.attempts() + 1, cut(b.reason()));
                        finish(c, j, b.at());
                    }
                }
            }
            return null;
        });
    }

    /** Removes the job, unless messages came after it was taken: then they stay due, as a fresh job. */
    private static void finish(Connection c, Job j, long nextDueAt) throws SQLException {
        if (Sql.update(c, "DELETE FROM push_jobs WHERE chat_id = ? AND device_id = ? AND seq = ?", j.chatId(), j.deviceId(), j.seq()) > 0) return;
        Sql.update(c, "UPDATE push_jobs SET pending = CASE WHEN pending > ? THEN pending - ? ELSE 1 END, created_at = ?, due_at = ?,"
                + " leased_until = 0, attempts = 0, last_error = NULL WHERE chat_id = ? AND device_id = ?", j.pending(), j.pending(), nextDueAt,
                nextDueAt, j.chatId(), j.deviceId());
    }

    private static String cut(String s) {
        return s == null ? "" : s.substring(0, Math.min(500, s.length()));
    }

    @Override
    public long deadLetters() {
        return db.read(c -> Sql.one(c, "SELECT COUNT(*) FROM push_dead", rs -> rs.getLong(1))).orElse(0L);
    }
}
