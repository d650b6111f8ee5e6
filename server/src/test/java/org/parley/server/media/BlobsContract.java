package org.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every blob store must do; run against the filesystem and against S3. */
abstract class BlobsContract {
    @TempDir
    Path dir;

    abstract Blobs blobs() throws Exception;

    private Path upload(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }

    private static String keyOf(byte[] content) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content));
    }

    @Test
    void aStoredBlobIsReadWholeAndByRangeAndTheUploadIsConsumed() throws Exception {
        Blobs blobs = blobs();
        byte[] content = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        String key = keyOf(content);
        assertThat(blobs.exists(key)).isFalse();
        Path part = upload("a.part", content);
        blobs.put(key, part);
        assertThat(part).doesNotExist();
        assertThat(blobs.exists(key)).isTrue();
        assertThat(blobs.size(key)).isEqualTo(20);
        try (var in = blobs.open(key, 0, 20)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        try (var in = blobs.open(key, 10, 5)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("abcde");
        }
    }

    @Test
    void theSameContentTwiceIsKeptOnceAndDeleteRemovesIt() throws Exception {
        Blobs blobs = blobs();
        byte[] content = "same bytes".getBytes(StandardCharsets.US_ASCII);
        String key = keyOf(content);
        blobs.put(key, upload("1.part", content));
        Path second = upload("2.part", content);
        blobs.put(key, second);
        assertThat(second).as("the second copy is dropped").doesNotExist();
        assertThat(blobs.size(key)).isEqualTo(content.length);
        blobs.delete(key);
        assertThat(blobs.exists(key)).isFalse();
        blobs.delete(key); // deleting what is gone is not an error
    }

    @Test
    void onlyHexDigestsAreKeys() throws Exception {
        Blobs blobs = blobs();
        assertThatThrownBy(() -> blobs.exists("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> blobs.put("AB".repeat(32), upload("x.part", new byte[1]))).isInstanceOf(IllegalArgumentException.class);
    }
}
