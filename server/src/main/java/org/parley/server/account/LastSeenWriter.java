package org.parley.server.account;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.parley.server.store.GroupCommit;

/**
 * Records when devices connect (their {@code lastSeenAt}), many devices per transaction. A
 * reconnect storm of tens of thousands of devices then costs a few commits instead of one
 * sync-to-disk each, which would otherwise queue behind one another on the store's writer and
 * hold up the catch-up of every device. The time is informational (the device list shows it),
 * so a write that waits a few milliseconds for its batch loses nothing a client was promised.
 */
public final class LastSeenWriter implements AutoCloseable {
    private record Touch(String deviceId, long at) {}

    private final GroupCommit<Touch, Void> writer;

    public LastSeenWriter(DeviceStore devices, int maxBatch, GroupCommit.Observer observer) {
        this.writer = new GroupCommit<>("devices", 1, 100_000, maxBatch, (List<Touch> batch) -> {
            Map<String, Long> latest = new HashMap<>();
            for (Touch t : batch) latest.merge(t.deviceId(), t.at(), Math::max);
            devices.touch(latest);
            return java.util.Collections.<Void>nCopies(batch.size(), null);
        }, (in, out) -> {}, observer);
    }

    /** Queues the record; a failure is logged by the writer (the connection goes on either way). */
    public void connected(String deviceId, long at) {
        writer.submit(deviceId, new Touch(deviceId, at));
    }

    /** Commits what is queued, then stops. */
    @Override
    public void close() {
        writer.close();
    }
}
