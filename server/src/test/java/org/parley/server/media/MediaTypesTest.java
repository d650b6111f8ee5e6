package org.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MediaTypesTest {
    @TempDir
    Path dir;

    @Test
    void theKindComesFromTheDeclaredTypeAndItsParametersAreIgnored() {
        assertThat(MediaTypes.kindOf("image/JPEG")).isEqualTo("image");
        assertThat(MediaTypes.kindOf("video/mp4; codecs=avc1")).isEqualTo("video");
        assertThat(MediaTypes.kindOf("audio/ogg; codecs=opus")).isEqualTo("voice");
        assertThat(MediaTypes.kindOf("application/pdf")).isEqualTo("file");
    }

    @Test
    void theBytesDecideNotTheNameOrTheClaim() throws Exception {
        MediaTypes types = new MediaTypes();
        Path png = dir.resolve("x.bin");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
        assertThat(types.detect(png, "photo.jpg")).isEqualTo("image/png");
        assertThat(MediaTypes.refusal("image", "image/png")).isNull();
        Path exe = dir.resolve("photo.jpg");
        byte[] mz = new byte[512];
        mz[0] = 'M';
        mz[1] = 'Z';
        Files.write(exe, mz);
        String found = types.detect(exe, "photo.jpg");
        assertThat(MediaTypes.refusal("image", found)).as(found).contains("programs");
        assertThat(MediaTypes.refusal("file", found)).as("not as a file either").contains("programs");
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello", StandardCharsets.UTF_8);
        assertThat(MediaTypes.refusal("image", types.detect(text, "notes.png"))).contains("declared an image");
        assertThat(MediaTypes.refusal("file", types.detect(text, "notes.txt"))).isNull();
        assertThat(MediaTypes.refusal("voice", "application/ogg")).isNull();
        assertThat(MediaTypes.refusal("video", "image/gif")).contains("declared a video");
    }

    @Test
    void fileNamesLoseFoldersAndControlCharacters() {
        assertThat(MediaService.cleanFileName("../../etc/passwd")).isEqualTo("passwd");
        assertThat(MediaService.cleanFileName("C:\\Users\\ana\\cv.pdf")).isEqualTo("cv.pdf");
        assertThat(MediaService.cleanFileName("a\u0000b\"c.txt")).isEqualTo("abc.txt");
        assertThat(MediaService.cleanFileName("..")).isNull();
        assertThat(MediaService.cleanFileName("x".repeat(300))).hasSize(255);
    }

    @Test
    void signedUrlsBindMediaUserAndExpiry() {
        UrlSigner signer = new UrlSigner("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        String sig = signer.sign("m1", "u1", 1000);
        assertThat(signer.verify("m1", "u1", 1000, sig)).isTrue();
        assertThat(signer.verify("m2", "u1", 1000, sig)).isFalse();
        assertThat(signer.verify("m1", "u2", 1000, sig)).isFalse();
        assertThat(signer.verify("m1", "u1", 1001, sig)).isFalse();
        assertThat(signer.verify("m1", "u1", 1000, null)).isFalse();
        assertThatThrownBy(() -> new UrlSigner(new byte[8])).hasMessageContaining("32 bytes");
    }

    @Test
    void blobsAreStoredOnceByKeyAndOnlyHexKeysReachAPath() throws Exception {
        FsBlobs blobs = new FsBlobs(dir.resolve("blobs"));
        String key = "ab".repeat(32);
        Path upload = Files.writeString(dir.resolve("u1.part"), "0123456789");
        blobs.put(key, upload);
        assertThat(upload).doesNotExist();
        assertThat(blobs.size(key)).isEqualTo(10);
        assertThat(new String(blobs.open(key, 3, 4).readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("3456");
        Path again = Files.writeString(dir.resolve("u2.part"), "0123456789");
        blobs.put(key, again);
        assertThat(again).as("the second copy is dropped").doesNotExist();
        assertThatThrownBy(() -> blobs.exists("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        blobs.delete(key);
        assertThat(blobs.exists(key)).isFalse();
    }
}
