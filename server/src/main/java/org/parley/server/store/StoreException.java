package org.parley.server.store;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;

/** The store failed or did not answer: the caller gets 503 STORE_UNAVAILABLE, nothing is acknowledged. */
public final class StoreException extends ApiException {
    public StoreException(String message, Throwable cause) {
        super(ErrorCode.STORE_UNAVAILABLE, message, cause);
    }

    /**
     * Whether the store did not answer in time rather than refused this work: no connection
     * free within the pool's wait, a statement cancelled by its timeout (SQLSTATE 57014), a
     * connection broken or timed out (class 08). The same work tried again at once would wait
     * as long again.
     */
    public boolean unanswered() {
        for (Throwable t = getCause(); t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) return true;
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().equals("57014"))) {
                return true;
            }
        }
        return false;
    }
}
