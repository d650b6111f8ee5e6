package org.parley.server.receipt;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlCursorStore implements CursorStore {
    private static final String COLUMNS = "chat_id, user_id, delivered_seq, delivered_at, read_seq, read_at";
    private final Database db;

    public SqlCursorStore(Database db) {
        this.db = db;
    }

    private static Cursor cursor(ResultSet rs) throws SQLException {
        return new Cursor(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
    }

    private static Mark mark(ResultSet rs) throws SQLException {
        return new Mark(rs.getString(1), rs.getString(2), Kind.valueOf(rs.getString(3)), rs.getLong(4), rs.getLong(5));
    }

    private record Key(String chatId, String userId, Kind kind) {}

    @Override
    public List<Mark> advance(List<Move> moves) {
        // Coalesce: only the furthest move per cursor matters; a read implies delivered.
        Map<Key, Move> furthest = new LinkedHashMap<>();
        for (Move m : moves) {
            furthest.merge(new Key(m.chatId(), m.userId(), m.kind()), m, Move::furthest);
            if (m.kind() == Kind.read) {
                Move asDelivered = new Move(m.chatId(), m.userId(), Kind.delivered, m.upToSeq(), m.at(), m.announced());
                furthest.merge(new Key(m.chatId(), m.userId(), Kind.delivered), asDelivered, Move::furthest);
            }
        }
        // A quiet read (with the delivered it implies, quiet too) needs no mark and no answer:
        // all of them go in one statement, each cursor's two positions at once.
        List<Move> quietReads = new ArrayList<>();
        for (Move m : furthest.values()) {
            if (m.kind() == Kind.read && !m.announced() && !furthest.get(new Key(m.chatId(), m.userId(), Kind.delivered)).announced()) {
                quietReads.add(m);
            }
        }
        for (Move r : quietReads) {
            furthest.remove(new Key(r.chatId(), r.userId(), Kind.read));
            furthest.remove(new Key(r.chatId(), r.userId(), Kind.delivered));
        }
        List<Move> ordered = new ArrayList<>(furthest.values());
        ordered.sort(java.util.Comparator.comparing(Move::chatId).thenComparing(Move::userId).thenComparing(Move::kind));
        quietReads.sort(java.util.Comparator.comparing(Move::chatId).thenComparing(Move::userId));
        return db.write(c -> {
            // One node writes a chat's cursors from one writer thread. Two nodes could lock two
            // cursors in opposite orders (one quietly, one not); PostgreSQL then fails one batch,
            // which GroupCommit commits again one move at a time.
            moveQuietly(c, quietReads);
            List<Mark> marks = new ArrayList<>();
            for (Move m : ordered) {
                long from = m.announced() ? position(c, m) : -1;
                if (apply(c, m) && m.announced()) {
                    Sql.update(c, "INSERT INTO cursor_marks (chat_id, user_id, kind, up_to_seq, at) VALUES (?, ?, ?, ?, ?)"
                            + " ON CONFLICT (chat_id, user_id, kind, up_to_seq) DO NOTHING",
                            m.chatId(), m.userId(), m.kind().name(), m.upToSeq(), m.at());
                    marks.add(new Mark(m.chatId(), m.userId(), m.kind(), m.upToSeq(), m.at(), from));
                }
            }
            return marks;
        });
    }

    /** Where the cursor is now (0 when it has never moved). */
    private static long position(Connection c, Move m) throws SQLException {
        String seq = m.kind() == Kind.read ? "read_seq" : "delivered_seq";
        return Sql.one(c, "SELECT " + seq + " FROM cursors WHERE chat_id = ? AND user_id = ?", rs -> rs.getLong(1), m.chatId(), m.userId())
                .orElse(0L);
    }

    private static final int QUIET_CHUNK = 400;

    /** Moves read and delivered of each quiet read in one statement; neither goes back. */
    private static void moveQuietly(Connection c, List<Move> reads) throws SQLException {
        for (int from = 0; from < reads.size(); from += QUIET_CHUNK) {
            List<Move> chunk = reads.subList(from, Math.min(reads.size(), from + QUIET_CHUNK));
            Object[] args = new Object[chunk.size() * 6];
            for (int i = 0; i < chunk.size(); i++) {
                Move r = chunk.get(i);
                args[6 * i] = r.chatId();
                args[6 * i + 1] = r.userId();
                args[6 * i + 2] = r.upToSeq(); // a read is a delivery too
                args[6 * i + 3] = r.at();
                args[6 * i + 4] = r.upToSeq();
                args[6 * i + 5] = r.at();
            }
            Sql.update(c, "INSERT INTO cursors (" + COLUMNS + ") VALUES " + Sql.rows(chunk.size(), 6)
                    + " ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                    + " delivered_seq = CASE WHEN cursors.delivered_seq < excluded.delivered_seq THEN excluded.delivered_seq ELSE cursors.delivered_seq END,"
                    + " delivered_at = CASE WHEN cursors.delivered_seq < excluded.delivered_seq THEN excluded.delivered_at ELSE cursors.delivered_at END,"
                    + " read_seq = CASE WHEN cursors.read_seq < excluded.read_seq THEN excluded.read_seq ELSE cursors.read_seq END,"
                    + " read_at = CASE WHEN cursors.read_seq < excluded.read_seq THEN excluded.read_at ELSE cursors.read_at END"
                    + " WHERE cursors.delivered_seq < excluded.delivered_seq OR cursors.read_seq < excluded.read_seq", args);
        }
    }

    private static boolean apply(Connection c, Move m) throws SQLException {
        String seq = m.kind() == Kind.read ? "read_seq" : "delivered_seq";
        String at = m.kind() == Kind.read ? "read_at" : "delivered_at";
        long dSeq = m.kind() == Kind.delivered ? m.upToSeq() : 0;
        long rSeq = m.kind() == Kind.read ? m.upToSeq() : 0;
        return Sql.update(c, "INSERT INTO cursors (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (chat_id, user_id) DO UPDATE SET " + seq + " = excluded." + seq + ", " + at + " = excluded." + at
                + " WHERE cursors." + seq + " < excluded." + seq,
                m.chatId(), m.userId(), dSeq, m.at(), rSeq, m.at()) == 1 && m.upToSeq() > 0;
    }

    @Override
    public Map<String, Cursor> ofUser(String userId) {
        Map<String, Cursor> out = new LinkedHashMap<>();
        for (Cursor cursor : db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM cursors WHERE user_id = ?", SqlCursorStore::cursor, userId))) {
            out.put(cursor.chatId(), cursor);
        }
        return out;
    }

    @Override
    public java.util.Optional<Cursor> of(String chatId, String userId) {
        return db.read(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM cursors WHERE chat_id = ? AND user_id = ?", SqlCursorStore::cursor,
                chatId, userId));
    }

    @Override
    public List<Cursor> ofChat(String chatId) {
        return db.read(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM cursors WHERE chat_id = ?", SqlCursorStore::cursor, chatId));
    }

    @Override
    public List<Mark> marks(String chatId, long fromSeq, long toSeq) {
        return db.read(c -> {
            List<Mark> out = Sql.list(c, "SELECT chat_id, user_id, kind, up_to_seq, at FROM cursor_marks"
                    + " WHERE chat_id = ? AND up_to_seq >= ? AND up_to_seq <= ? ORDER BY up_to_seq", SqlCursorStore::mark,
                    chatId, fromSeq, toSeq);
            // Cursors only move forward, so the lowest mark above the range is also the earliest.
            out.addAll(Sql.list(c, "SELECT chat_id, user_id, kind, MIN(up_to_seq), MIN(at) FROM cursor_marks"
                    + " WHERE chat_id = ? AND up_to_seq > ? GROUP BY chat_id, user_id, kind", SqlCursorStore::mark, chatId, toSeq));
            return out;
        });
    }
}
