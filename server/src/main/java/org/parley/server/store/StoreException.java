package org.parley.server.store;

import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;

/** The store failed or did not answer: the caller gets 503 STORE_UNAVAILABLE, nothing is acknowledged. */
public final class StoreException extends ApiException {
    public StoreException(String message, Throwable cause) {
        super(ErrorCode.STORE_UNAVAILABLE, message, cause);
    }
}
