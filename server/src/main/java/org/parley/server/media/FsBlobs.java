package org.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Blobs in a folder, two levels of fan-out by key; written to disk, then renamed into place. */
public final class FsBlobs implements Blobs {
    private final Path root;

    public FsBlobs(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    private Path path(String key) {
        Blobs.checkKey(key);
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    @Override
    public void put(String key, Path file) throws IOException {
        Path target = path(key);
        if (Files.exists(target)) {
            Files.deleteIfExists(file);
            return;
        }
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true); // on disk before it becomes visible under its name
        }
        Files.createDirectories(target.getParent());
        // Uploads are staged on the same filesystem, so this is a rename: all or nothing.
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException ignored) {
            // not every filesystem lets a folder be synced
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.exists(path(key));
    }

    @Override
    public long size(String key) throws IOException {
        return Files.size(path(key));
    }

    @Override
    public Path localFile(String key) {
        return path(key);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        FileChannel c = FileChannel.open(path(key), StandardOpenOption.READ);
        c.position(offset);
        InputStream in = Channels.newInputStream(c);
        return new java.io.FilterInputStream(in) {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) return -1;
                int b = super.read();
                if (b >= 0) left--;
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = super.read(buf, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(path(key));
    }
}
