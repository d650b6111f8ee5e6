package org.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where media bytes live, by key (the content's SHA-256 in hex). Implementations: the local
 * filesystem (the default) and, for scale-out, S3-compatible object storage.
 */
public interface Blobs {
    /** Stores {@code file} under {@code key}; a reader sees all of it or nothing. Keeping an existing key is not an error. Consumes the file. */
    void put(String key, Path file) throws IOException;

    boolean exists(String key) throws IOException;

    long size(String key) throws IOException;

    /** The blob as a local file, for zero-copy sending; null where the store is remote. */
    Path localFile(String key);

    /** {@code length} bytes from {@code offset}. */
    InputStream open(String key, long offset, long length) throws IOException;

    void delete(String key) throws IOException;

    /** Keys are SHA-256 hex digests: nothing else reaches a path or an object name. */
    static String checkKey(String key) {
        if (key == null || !key.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a blob key: " + key);
        return key;
    }
}
