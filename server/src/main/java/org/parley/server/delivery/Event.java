package org.parley.server.delivery;

import java.util.List;
import org.parley.protocol.Frames;
import org.parley.protocol.Frames.Receipt;
import org.parley.protocol.Model.Message;

/** What nodes tell each other so every device of every recipient hears it. */
public sealed interface Event {

    /**
     * A new durable message for the chat's members. {@code originSocketId} is the socket that
     * sent it and already has its ack (null for a REST send): only that socket is skipped.
     */
    record NewMessage(List<String> memberIds, Message message, String originSocketId) implements Event {}

    /** A member's cursor moved. */
    record CursorMoved(List<String> memberIds, Receipt receipt) implements Event {}

    /**
     * A group's members changed: every node forgets its cached members of the chat, and the
     * sockets of {@code recipients} get the membership frame.
     */
    record MembershipChanged(String chatId, List<String> recipients, Frames.Membership frame) implements Event {}

    /** A device was signed out: close its sockets and forget its token. */
    record DeviceSignedOut(String userId, String deviceId) implements Event {}

    /**
     * A user came online, went offline, or changed who may see it ({@code settingsChanged}):
     * sockets watching the user get a presence frame, as each may see it. {@code version}
     * orders changes of one user (see Presence.State).
     */
    record PresenceChanged(String userId, boolean online, Long lastSeen, long version, boolean settingsChanged) implements Event {}

    /** A member is typing, recording or stopped in a chat: the other members' sockets hear it; nothing is stored. */
    record Typing(String chatId, String userId, String state, List<String> memberIds) implements Event {}
}
