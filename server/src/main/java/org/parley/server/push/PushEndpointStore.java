package org.parley.server.push;

import java.util.Optional;

/** Each device's push address. */
public interface PushEndpointStore {

    /** Sets the device's address, replacing any earlier one; nothing for a signed-out device. */
    void put(PushEndpoint endpoint, long now);

    /** Removes the device's address and its pending jobs; false when it had none. */
    boolean delete(String deviceId);

    /**
     * Removes the address if it is still {@code sent} (the provider said it is gone), with its
     * jobs; a newer registration of the device stays.
     */
    boolean deleteIf(PushEndpoint sent);

    Optional<PushEndpoint> of(String deviceId);
}
