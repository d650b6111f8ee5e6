package org.parley.server.auth;

import java.util.Optional;

/** Pending one-time sign-in codes, one per phone, kept as hashes. */
public interface CodeStore {

    record PendingCode(String phone, String codeHash, long expiresAt, int attempts) {}

    /** Replaces any pending code for the phone (with a fresh attempt count). */
    void put(String phone, String codeHash, long expiresAt);

    Optional<PendingCode> get(String phone);

    /**
     * Takes one try, atomically: counts it and returns the code when one is pending, unexpired
     * at {@code now} and with fewer than {@code maxAttempts} tries taken. Concurrent guesses
     * cannot get more tries than that.
     */
    Optional<PendingCode> takeAttempt(String phone, int maxAttempts, long now);

    /** Uses the code up: true for exactly one caller, even when two present it at once. */
    boolean consume(String phone, String codeHash);

    void delete(String phone);
}
