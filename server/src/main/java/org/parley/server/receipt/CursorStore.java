package org.parley.server.receipt;

import java.util.List;
import java.util.Map;

/**
 * Delivered and read cursors: per user, per chat, never moving back. Each move also leaves
 * a mark (up to which seq, when) so a message's receipt times can be told later.
 */
public interface CursorStore {

    enum Kind {
        delivered, read
    }

    record Cursor(String chatId, String userId, long deliveredSeq, long deliveredAt, long readSeq, long readAt) {}

    /**
     * A request to move a cursor to {@code upToSeq}; a read also counts as delivered. A move
     * that is not {@code announced} changes the cursor but leaves no mark and tells no one
     * (a sender's read of its own message when it had already read everything before it).
     */
    record Move(String chatId, String userId, Kind kind, long upToSeq, long at, boolean announced) {
        public Move(String chatId, String userId, Kind kind, long upToSeq, long at) {
            this(chatId, userId, kind, upToSeq, at, true);
        }

        Move furthest(Move other) {
            Move far = other.upToSeq() > upToSeq ? other : this;
            boolean announce = announced || other.announced();
            return far.announced() == announce ? far : new Move(far.chatId(), far.userId(), far.kind(), far.upToSeq(), far.at(), announce);
        }
    }

    /** A mark: {@code userId}'s {@code kind} cursor reached {@code upToSeq} at {@code at}. */
    record Mark(String chatId, String userId, Kind kind, long upToSeq, long at, long fromSeq) {
        /** A mark read back from the store, where the cursor's previous position is not kept. */
        public Mark(String chatId, String userId, Kind kind, long upToSeq, long at) {
            this(chatId, userId, kind, upToSeq, at, -1);
        }
    }

    /**
     * Applies the moves in one durable transaction and returns the marks that took effect,
     * each with the cursor's previous position as {@code fromSeq} (a move to a seq at or
     * below the cursor changes nothing and returns nothing).
     */
    List<Mark> advance(List<Move> moves);

    /** The user's cursors by chat id. */
    Map<String, Cursor> ofUser(String userId);

    /** The user's cursor in one chat, if it ever moved. */
    java.util.Optional<Cursor> of(String chatId, String userId);

    /** Every member's cursor in the chat. */
    List<Cursor> ofChat(String chatId);

    /**
     * Marks of the chat needed to time messages with seqs in [fromSeq, toSeq]: all marks in
     * that range plus, per user and kind, the first mark above it.
     */
    List<Mark> marks(String chatId, long fromSeq, long toSeq);
}
