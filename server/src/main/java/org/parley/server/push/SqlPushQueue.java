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

    /** Messages per statement (four parameters each, well under both databases' limits). */
    private static final int CHUNK = 400;

    /**
     * Inside a message append's transaction: for every device with a push address of every
     * other member who has not muted the chat, a job falling due {@code delayMillis} after
     * the message, or, when the device already has one for the chat, that job now announces
     * this message too (its due time stays: a busy chat cannot put its push off for ever, and
     * a retry keeps its Retry-After). One statement for the batch, each device's job counted
     * once per message it is told of (grouped, so that no row is upserted twice in one
     * statement, which PostgreSQL refuses); no rows at all when nobody has a push address.
     */
    public static void enqueue(Connection c, List<Message> fresh, long delayMillis) throws SQLException {
        List<Message> told = fresh.stream().filter(m -> !m.bySystem()).toList(); // membership changes show in the chat; they wake no one
        for (int from = 0; from < told.size(); from += CHUNK) {
            List<Message> chunk = told.subList(from, Math.min(told.size(), from + CHUNK));
            Object[] args = new Object[chunk.size() * 4 + 1];
            for (int i = 0; i < chunk.size(); i++) {
                Message m = chunk.get(i);
                args[4 * i] = m.chatId();
                args[4 * i + 1] = m.senderId();
                args[4 * i + 2] = m.seq();
                args[4 * i + 3] = m.sentAt();
            }
            args[args.length - 1] = delayMillis;
            Sql.update(c, "WITH v (chat_id, sender_id, seq, sent_at) AS (VALUES " + Sql.rows(chunk.size(), 4) + ")"
                    + " INSERT INTO push_jobs (chat_id, device_id, user_id, seq, pending, created_at, due_at, leased_until, attempts)"
                    + " SELECT m.chat_id, p.device_id, p.user_id, MAX(v.seq), COUNT(*), MIN(v.sent_at), MIN(v.sent_at) + ?, 0, 0"
                    + " FROM v JOIN chat_members m ON m.chat_id = v.chat_id JOIN push_endpoints p ON p.user_id = m.user_id"
                    + " WHERE m.user_id <> v.sender_id AND (m.muted_until IS NULL OR m.muted_until < v.sent_at)"
                    + " GROUP BY m.chat_id, p.device_id, p.user_id"
                    + " ON CONFLICT (chat_id, device_id) DO UPDATE SET seq = excluded.seq, pending = push_jobs.pending + excluded.pending",
                    args);
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
