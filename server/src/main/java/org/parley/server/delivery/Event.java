package org.parley.server.delivery;

import java.util.List;
import org.parley.protocol.Frames.Receipt;
import org.parley.protocol.Model.Message;

/** What nodes tell each other so every device of every recipient hears it. */
public sealed interface Event {

    /** A new durable message for the chat's members; {@code originDeviceId} already has its ack. */
    record NewMessage(List<String> memberIds, Message message, String originDeviceId) implements Event {}

    /** A member's cursor moved. */
    record CursorMoved(List<String> memberIds, Receipt receipt) implements Event {}

    /** A device was signed out: close its sockets and forget its token. */
    record DeviceSignedOut(String userId, String deviceId) implements Event {}
}
