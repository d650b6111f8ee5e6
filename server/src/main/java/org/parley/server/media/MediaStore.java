package org.parley.server.media;

import java.util.Optional;
import org.parley.protocol.Model.Media;

/** Media rows: who uploaded what, and what it is. */
public interface MediaStore {
    record Stored(String ownerId, Media media) {}

    /** Adds the row; in the same transaction the blobs it names stop being candidates for deletion. */
    void insert(String ownerId, Media media);

    /** Media created before {@code createdBefore}, or before {@code unattachedBefore} and in no message; at most {@code limit}. */
    java.util.List<String> expired(long createdBefore, long unattachedBefore, int limit);

    /** Deletes the rows; the blobs no remaining row names become candidates for deletion, since {@code now}. */
    void forget(java.util.List<String> mediaIds, long now);

    /**
     * {@link #forget} for rows picked as expired: one created after {@code createdBefore} goes
     * only if, at the moment of deletion, no message carries it (one may have been sent since).
     */
    void forgetUnattached(java.util.List<String> mediaIds, long now, long createdBefore);

    /** Notes that a device downloaded the media whole (once; later ones change nothing). */
    void downloaded(String mediaId, String deviceId, long at);

    /** Media sent in a chat whose every recipient device (the members' other than the uploader's) has downloaded it whole. */
    java.util.List<String> downloadedByAll(int limit);

    /** Candidate blobs that became candidates before {@code before}; at most {@code limit}. */
    java.util.List<String> candidates(long before, int limit);

    /**
     * Deletes a candidate blob with {@code delete}, in one transaction with a check that no row
     * names it; an upload of the same content waits for it (or makes it skip), never loses its blob.
     */
    boolean release(String sha256, BlobDeleter delete);

    @FunctionalInterface
    interface BlobDeleter {
        void delete(String sha256) throws java.io.IOException;
    }

    Optional<Stored> find(String mediaId);

    /** Whether a message carrying the media is in the history {@code userId} sees in a chat they belong to. */
    boolean sharedWith(String mediaId, String userId);
}
