package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retention on a node whose clock the test moves: unattached uploads, expiry, blobs shared by several uploads. */
abstract class MediaRetentionContract {
    abstract TestNode.Store store();

    /** System time plus an offset the test moves forward. */
    static final class MovableClock extends Clock {
        final AtomicLong offset = new AtomicLong();

        void advance(Duration d) {
            offset.addAndGet(d.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public long millis() {
            return System.currentTimeMillis() + offset.get();
        }
    }

    private final MovableClock clock = new MovableClock();
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private TestNode node;

    @AfterEach
    void stop() {
        if (node != null) node.close();
    }

    private String upload(TestNode.Device who, byte[] photo) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/media"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(photo)).header("Authorization", "Bearer " + who.token())
                .header("Content-Type", "image/jpeg").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(201);
        return org.parley.protocol.WireJson.mapper().readTree(r.body()).path("mediaId").asText();
    }

    private void send(TestNode.Device who, String chat, String mediaId) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/chats/" + chat + "/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"clientMsgId\":\"c-" + mediaId + "\",\"mediaId\":\"" + mediaId + "\"}"))
                .header("Authorization", "Bearer " + who.token()).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(201);
    }

    /** The status a fresh download of the media ends with: 200, or 404 once it is gone. */
    private int fetch(TestNode.Device who, String mediaId) throws Exception {
        return fetch(who, mediaId, null);
    }

    private int fetch(TestNode.Device who, String mediaId, String range) throws Exception {
        HttpResponse<String> located = http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/media/" + mediaId))
                .header("Authorization", "Bearer " + who.token()).build(), HttpResponse.BodyHandlers.ofString());
        if (located.statusCode() != 302) return located.statusCode();
        HttpRequest.Builder content = HttpRequest.newBuilder(URI.create(node.uri() + located.headers().firstValue("Location").orElseThrow()));
        if (range != null) content.header("Range", range);
        return http.send(content.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private long blobs() throws Exception {
        try (Stream<Path> files = Files.walk(node.dataDir().resolve("media").resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static void await(String what, BooleanSupplier condition) {
        Recorder.await(what, Duration.ofSeconds(15), condition);
    }

    private static boolean quietly(java.util.concurrent.Callable<Boolean> check) {
        try {
            return check.call();
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void unattachedUploadsGoAfterADayEverythingAfterTheRetentionAndSharedBytesStayWhileNamed() throws Exception {
        node = TestNode.start(store(), Map.of("media.sweepIntervalSeconds", "1", "media.retentionDays", "30",
                "media.unattachedHours", "24"), clock);
        TestNode.Device ana = node.signUp("Ana");
        TestNode.Device ben = node.signUp("Ben");
        String chat = ana.rest().openDirect(ben.userId()).chatId();

        String lonely = upload(ana, MediaContract.jpeg(300, 200)); // never sent
        byte[] shared = MediaContract.jpeg(200, 300);
        String draft = upload(ana, shared); // never sent, same bytes as the one sent
        String sent = upload(ana, shared);
        send(ana, chat, sent);
        String kept = upload(ana, MediaContract.jpeg(100, 100));
        send(ana, chat, kept);
        long before = blobs(); // three photos and their thumbnails

        clock.advance(Duration.ofHours(25));
        await("the unattached uploads are forgotten", () -> quietly(() -> fetch(ana, lonely) == 404 && fetch(ana, draft) == 404));
        assertThat(fetch(ben, sent)).as("a sent photo stays").isEqualTo(200);
        assertThat(blobs()).as("blobs wait an hour before they go").isEqualTo(before);

        clock.advance(Duration.ofHours(2));
        await("the lonely photo's blobs go", () -> quietly(() -> blobs() == before - 2));
        assertThat(fetch(ben, sent)).as("the draft's bytes are the sent photo's: still there").isEqualTo(200);

        clock.advance(Duration.ofDays(30));
        await("after the retention, sent media go too", () -> quietly(() -> fetch(ben, sent) == 404 && fetch(ben, kept) == 404));
        clock.advance(Duration.ofHours(2));
        await("and their blobs", () -> quietly(() -> blobs() == 0));
        assertThat(ana.rest().messages(chat, null, null, null).messages()).as("the messages stay, naming what they carried").hasSize(2);

        String fresh = upload(ana, shared);
        assertThat(fetch(ana, fresh)).as("the same content uploaded again is stored again").isEqualTo(200);
    }

    @Test
    void withDeleteAfterDownloadMediaGoOnceEveryRecipientDeviceHasThemWhole() throws Exception {
        node = TestNode.start(store(), Map.of("media.sweepIntervalSeconds", "1", "media.deleteAfterDownload", "true"), clock);
        TestNode.Device ana = node.signUp("Ana");
        TestNode.Device ben = node.signUp("Ben");
        TestNode.Device bensTablet = node.signIn(ben.phone(), null);
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        String photo = upload(ana, MediaContract.jpeg(400, 300));
        send(ana, chat, photo);

        assertThat(fetch(ana, photo)).as("the uploader's own downloads do not count").isEqualTo(200);
        assertThat(fetch(ben, photo, "bytes=0-99")).as("nor the start of one").isEqualTo(206);
        assertThat(fetch(ben, photo)).isEqualTo(200);
        Thread.sleep(2500); // two sweeps
        assertThat(fetch(bensTablet, photo)).as("Ben's tablet has not got it yet: it stays").isEqualTo(200);
        await("once the tablet has it too, it goes", () -> quietly(() -> fetch(ana, photo) == 404));
    }
}
