package org.parley.server.media;

import java.util.Optional;
import org.parley.protocol.Model.Media;

/** Media rows: who uploaded what, and what it is. */
public interface MediaStore {
    record Stored(String ownerId, Media media) {}

    void insert(String ownerId, Media media);

    Optional<Stored> find(String mediaId);

    /** Whether a message carrying the media is in the history {@code userId} sees in a chat they belong to. */
    boolean sharedWith(String mediaId, String userId);
}
