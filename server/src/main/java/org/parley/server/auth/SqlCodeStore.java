package org.parley.server.auth;

import java.util.Optional;
import org.parley.server.store.Database;
import org.parley.server.store.Sql;

public final class SqlCodeStore implements CodeStore {
    private final Database db;

    public SqlCodeStore(Database db) {
        this.db = db;
    }

    @Override
    public void put(String phone, String codeHash, long expiresAt) {
        db.write(c -> Sql.update(c, "INSERT INTO auth_codes (phone, code_hash, expires_at, attempts) VALUES (?, ?, ?, 0)"
                + " ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0",
                phone, codeHash, expiresAt));
    }

    @Override
    public Optional<PendingCode> get(String phone) {
        return db.read(c -> Sql.one(c, "SELECT phone, code_hash, expires_at, attempts FROM auth_codes WHERE phone = ?",
                rs -> new PendingCode(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4)), phone));
    }

    @Override
    public Optional<PendingCode> takeAttempt(String phone, int maxAttempts, long now) {
        return db.write(c -> Sql.one(c, "UPDATE auth_codes SET attempts = attempts + 1"
                + " WHERE phone = ? AND attempts < ? AND expires_at > ? RETURNING phone, code_hash, expires_at, attempts",
                rs -> new PendingCode(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4)), phone, maxAttempts, now));
    }

    @Override
    public boolean consume(String phone, String codeHash) {
        return db.write(c -> Sql.update(c, "DELETE FROM auth_codes WHERE phone = ? AND code_hash = ?", phone, codeHash)) == 1;
    }

    @Override
    public void delete(String phone) {
        db.write(c -> Sql.update(c, "DELETE FROM auth_codes WHERE phone = ?", phone));
    }
}
