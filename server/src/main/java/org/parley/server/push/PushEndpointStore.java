package org.parley.server.push;

import java.util.Optional;

/** Each device's push address. */
public interface PushEndpointStore {

    /** Sets the device's address, replacing any earlier one. */
    void put(PushEndpoint endpoint, long now);

    /** Removes the device's address and its pending jobs; false when it had none. */
    boolean delete(String deviceId);

    Optional<PushEndpoint> of(String deviceId);
}
