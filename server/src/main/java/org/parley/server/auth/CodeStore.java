package org.parley.server.auth;

import java.util.Optional;

/** Pending one-time sign-in codes, one per phone, kept as hashes. */
public interface CodeStore {

    record PendingCode(String phone, String codeHash, long expiresAt, int attempts) {}

    /** Replaces any pending code for the phone. */
    void put(String phone, String codeHash, long expiresAt);

    Optional<PendingCode> get(String phone);

    /** Counts one wrong try and returns the new count. */
    int countFailure(String phone);

    void delete(String phone);
}
