package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.parley.protocol.WireJson;
import org.parley.server.media.UrlSigner;

/** Uploads and downloads over real sockets: type sniffing, limits, signed URLs, ranges; the same on both stores. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MediaContract {
    private static final String SECRET = "a-test-secret-of-at-least-32-characters";
    private TestNode node;
    private TestNode.Device ana;
    private TestNode.Device ben;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void start() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("media.maxImageBytes", "200000", "media.urlSecret", SECRET));
        settings.putAll(extraSettings());
        node = TestNode.start(store(), settings);
        ana = node.signUp("Ana");
        ben = node.signUp("Ben");
    }

    abstract TestNode.Store store();

    /** More node settings (a blob store elsewhere). */
    Map<String, String> extraSettings() throws Exception {
        return Map.of();
    }

    @AfterAll
    void stop() {
        node.close();
    }

    private record Answer(int status, JsonNode json, HttpResponse<byte[]> raw) {
        String code() {
            return json == null ? null : json.path("error").path("code").asText(null);
        }
    }

    private Answer upload(TestNode.Device who, String contentType, String name, byte[] body) throws Exception {
        String path = "/v1/media" + (name == null ? "" : "?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.uri() + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + who.token());
        if (contentType != null) b.header("Content-Type", contentType);
        return answer(http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private Answer get(String pathOrUrl, TestNode.Device who, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : node.uri() + pathOrUrl)).GET();
        if (who != null) b.header("Authorization", "Bearer " + who.token());
        headers.forEach(b::header);
        return answer(http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    private static Answer answer(HttpResponse<byte[]> r) throws Exception {
        boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json") && r.body().length > 0;
        return new Answer(r.statusCode(), json ? WireJson.mapper().readTree(r.body()) : null, r);
    }

    static byte[] jpeg(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLUE);
        g.fillOval(w / 4, h / 4, w / 2, h / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        return out.toByteArray();
    }

    /** A JPEG's first bytes, then random ones: sniffed as a JPEG, large and incompressible. */
    static byte[] noise(int size) throws Exception {
        byte[] head = jpeg(16, 16);
        byte[] out = new byte[size];
        new java.util.Random(7).nextBytes(out);
        System.arraycopy(head, 0, out, 0, 64);
        return out;
    }

    /** A Windows program: "MZ", a PE header where the DOS header points, then filler. */
    static byte[] windowsProgram() {
        byte[] exe = new byte[4096];
        exe[0] = 'M';
        exe[1] = 'Z';
        exe[0x3c] = (byte) 0x80; // e_lfanew
        exe[0x80] = 'P';
        exe[0x81] = 'E';
        Arrays.fill(exe, 0x100, exe.length, (byte) 0x90);
        return exe;
    }

    private Path mediaDir() {
        return node.dataDir().resolve("media");
    }

    long blobCount() throws Exception {
        try (Stream<Path> files = Files.walk(mediaDir().resolve("blobs"))) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private long uploadsInProgress() throws Exception {
        try (Stream<Path> files = Files.list(mediaDir().resolve("uploads"))) {
            return files.count();
        }
    }

    private static final String SECRET_PLACE = "GPS-SECRET-PLACE";

    /**
     * A JPEG as a phone writes it: an EXIF block saying "turn 90° clockwise to show"
     * (orientation 6), a description and a GPS position the sender never meant to share.
     */
    static byte[] phonePhoto(int w, int h) throws Exception {
        byte[] plain = jpeg(w, h);
        java.nio.ByteBuffer tiff = java.nio.ByteBuffer.allocate(68 + SECRET_PLACE.length() + 1).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        tiff.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        tiff.putShort((short) 3); // IFD0 at 8: description, orientation, GPS pointer
        tiff.putShort((short) 0x010E).putShort((short) 2).putInt(SECRET_PLACE.length() + 1).putInt(68);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0);
        tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(50);
        tiff.putInt(0);
        tiff.putShort((short) 1); // GPS IFD at 50: latitude reference "N"
        tiff.putShort((short) 0x0001).putShort((short) 2).putInt(2).put((byte) 'N').put((byte) 0).putShort((short) 0);
        tiff.putInt(0);
        tiff.put(SECRET_PLACE.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        byte[] exif = new byte[6 + tiff.capacity()];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.capacity());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 2); // SOI
        out.write(0xFF);
        out.write(0xE1);
        out.write((exif.length + 2) >>> 8);
        out.write((exif.length + 2) & 0xff);
        out.write(exif);
        out.write(plain, 2, plain.length - 2);
        return out.toByteArray();
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    @Test
    void aPhonePhotoLosesItsExifStandsUprightAndIsDownloadedWholeAndByRangeThroughASignedUrl() throws Exception {
        byte[] photo = phonePhoto(640, 480);
        assertThat(contains(photo, SECRET_PLACE)).isTrue();
        long blobsBefore = blobCount();
        Answer up = upload(ana, "image/jpeg", "beach day.jpg", photo);
        assertThat(up.status()).isEqualTo(201);
        JsonNode m = up.json();
        assertThat(m.path("kind").asText()).isEqualTo("image");
        assertThat(m.path("contentType").asText()).isEqualTo("image/jpeg");
        assertThat(m.path("width").asInt()).as("turned upright").isEqualTo(480);
        assertThat(m.path("height").asInt()).isEqualTo(640);
        assertThat(m.path("fileName").asText()).isEqualTo("beach day.jpg");
        assertThat(m.path("preview").asText()).startsWith("data:image/jpeg;base64,");
        assertThat(m.path("thumbnail").path("height").asInt()).isEqualTo(320);
        String id = m.path("mediaId").asText();

        Answer again = upload(ana, "image/jpeg", null, photo);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.json().path("mediaId").asText()).isNotEqualTo(id);
        assertThat(blobCount()).as("the photo and its thumbnail, each stored once").isEqualTo(blobsBefore + 2);

        Answer located = get("/v1/media/" + id, ana, Map.of());
        assertThat(located.status()).isEqualTo(302);
        String url = located.raw().headers().firstValue("Location").orElseThrow();
        assertThat(located.json().path("url").asText()).isEqualTo(url);
        Answer asJson = get("/v1/media/" + id, ana, Map.of("Accept", "application/json"));
        assertThat(asJson.status()).as("a page asking for JSON gets the URL without a redirect").isEqualTo(200);
        assertThat(asJson.raw().headers().firstValue("Location")).isEmpty();
        assertThat(asJson.json().path("url").asText()).startsWith("/v1/media/" + id + "/content?");

        Answer whole = get(url, null, Map.of());
        assertThat(whole.status()).isEqualTo(200);
        byte[] stored = whole.raw().body();
        assertThat(stored.length).isEqualTo(m.path("size").asLong());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(stored))).isEqualTo(m.path("sha256").asText());
        assertThat(contains(stored, "Exif")).as("no EXIF block").isFalse();
        assertThat(contains(stored, SECRET_PLACE)).as("nothing of it").isFalse();
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(stored)).getHeight()).isEqualTo(640);
        assertThat(whole.raw().headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(whole.raw().headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.raw().headers().firstValue("Cache-Control").orElse("")).contains("max-age=31536000");
        assertThat(whole.raw().headers().firstValue("Content-Disposition").orElse("")).startsWith("inline").contains("beach day.jpg");
        String etag = whole.raw().headers().firstValue("ETag").orElseThrow();

        Answer part = get(url, null, Map.of("Range", "bytes=100-199"));
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.raw().body()).isEqualTo(Arrays.copyOfRange(stored, 100, 200));
        assertThat(part.raw().headers().firstValue("Content-Range")).hasValue("bytes 100-199/" + stored.length);

        Answer tail = get(url, null, Map.of("Range", "bytes=-10"));
        assertThat(tail.status()).isEqualTo(206);
        assertThat(tail.raw().body()).isEqualTo(Arrays.copyOfRange(stored, stored.length - 10, stored.length));

        Answer outside = get(url, null, Map.of("Range", "bytes=" + stored.length + "-"));
        assertThat(outside.status()).isEqualTo(416);
        assertThat(outside.code()).isEqualTo("RANGE_NOT_SATISFIABLE");
        assertThat(outside.raw().headers().firstValue("Content-Range")).hasValue("bytes */" + stored.length);
        assertThat(outside.raw().headers().firstValue("Cache-Control")).as("an error is not cached for a year").isEmpty();
        Answer huge = get(url, null, Map.of("Range", "bytes=99999999999999999999-"));
        assertThat(huge.status()).as("a range that does not parse is ignored").isEqualTo(200);

        assertThat(get(url, null, Map.of("If-None-Match", etag)).status()).isEqualTo(304);

        String thumbUrl = get("/v1/media/" + id + "?variant=thumbnail", ana, Map.of()).raw().headers().firstValue("Location").orElseThrow();
        Answer thumb = get(thumbUrl, null, Map.of());
        assertThat(thumb.status()).isEqualTo(200);
        assertThat(thumb.raw().headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(thumb.raw().body())).getHeight()).isEqualTo(320);
        assertThat(get(thumbUrl.replace("v=thumbnail&", ""), null, Map.of()).code()).as("a thumbnail URL is not the photo's")
                .isEqualTo("URL_INVALID");
        assertThat(get("/v1/media/" + id + "?variant=poster", ana, Map.of()).code()).isEqualTo("INVALID_FIELD");
    }

    @Test
    void aProgramPosingAsAPhotoIsRefusedAndNothingIsKept() throws Exception {
        long blobsBefore = blobCount();
        Answer up = upload(ana, "image/jpeg", "holiday.jpg", windowsProgram());
        assertThat(up.status()).isEqualTo(415);
        assertThat(up.code()).isEqualTo("MEDIA_TYPE_REJECTED");
        Answer asFile = upload(ana, "application/octet-stream", "setup.exe", windowsProgram());
        assertThat(asFile.code()).as("not as a file either").isEqualTo("MEDIA_TYPE_REJECTED");
        Answer textAsPhoto = upload(ana, "image/png", "notes.png", "just some text".getBytes(StandardCharsets.UTF_8));
        assertThat(textAsPhoto.code()).isEqualTo("MEDIA_TYPE_REJECTED");
        assertThat(blobCount()).isEqualTo(blobsBefore);
        assertThat(uploadsInProgress()).isZero();
    }

    @Test
    void anUploadOverTheLimitIsRefusedWhetherItsLengthIsDeclaredOrNot() throws Exception {
        long blobsBefore = blobCount();
        byte[] big = noise(400_000); // well over the 200,000-byte limit set for this node
        assertThat(big.length).isGreaterThan(200_000);
        Answer declared = upload(ana, "image/jpeg", null, big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.code()).isEqualTo("MEDIA_TOO_LARGE");
        HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> overHttp11 = http11.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/media"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).header("Authorization", "Bearer " + ana.token())
                .header("Content-Type", "image/jpeg").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(overHttp11.statusCode()).as("HTTP/1.1: answered, then the connection closed").isEqualTo(413);
        assertThat(overHttp11.headers().firstValue("Connection")).hasValue("close");

        // Chunked: no Content-Length, so the node has to count as the bytes arrive.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create(node.uri() + "/v1/media"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)))
                .header("Authorization", "Bearer " + ana.token()).header("Content-Type", "image/jpeg").build();
        int status;
        try {
            status = http.send(chunked, HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (java.io.IOException e) {
            status = 413; // the node may close the connection before the client finishes sending
        }
        assertThat(status).isEqualTo(413);
        awaitNoUploadsInProgress();
        assertThat(blobCount()).isEqualTo(blobsBefore);
    }

    @Test
    void anUploadCutOffHalfWayLeavesNothingBehind() throws Exception {
        long blobsBefore = blobCount();
        byte[] photo = jpeg(300, 300);
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ana.token()
                    + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + photo.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(photo, 0, photo.length / 2);
            out.flush();
            Thread.sleep(300); // the node has started writing the upload
        }
        awaitNoUploadsInProgress();
        assertThat(blobCount()).isEqualTo(blobsBefore);
        assertThat(upload(ana, "image/jpeg", null, photo).status()).as("the node still takes uploads").isEqualTo(201);
    }

    @Test
    void onlyTheUploaderGetsAUrlAndAlteredOrExpiredUrlsAreRefused() throws Exception {
        String id = upload(ana, "image/jpeg", null, jpeg(64, 64)).json().path("mediaId").asText();
        Answer other = get("/v1/media/" + id, ben, Map.of());
        assertThat(other.status()).isEqualTo(404);
        assertThat(other.code()).isEqualTo("MEDIA_NOT_FOUND");
        assertThat(get("/v1/media/" + id, null, Map.of()).code()).isEqualTo("UNAUTHENTICATED");
        assertThat(get("/v1/media/nope", ana, Map.of()).code()).isEqualTo("MEDIA_NOT_FOUND");

        String url = get("/v1/media/" + id, ana, Map.of()).raw().headers().firstValue("Location").orElseThrow();
        Answer asBen = get(url.replace("u=" + ana.userId(), "u=" + ben.userId()), null, Map.of());
        assertThat(asBen.code()).isEqualTo("URL_INVALID");
        assertThat(get(url.replace("d=" + ana.deviceId(), "d=" + ben.deviceId()), null, Map.of()).code()).as("nor another device")
                .isEqualTo("URL_INVALID");
        Answer longer = get(url.replaceAll("exp=(\\d+)", "exp=9999999999"), null, Map.of());
        assertThat(longer.code()).isEqualTo("URL_INVALID");
        long past = System.currentTimeMillis() / 1000 - 5;
        String expired = "/v1/media/" + id + "/content?u=" + ana.userId() + "&d=" + ana.deviceId() + "&exp=" + past + "&sig="
                + new UrlSigner(SECRET.getBytes(StandardCharsets.UTF_8)).sign(id, ana.userId() + "/" + ana.deviceId(), past);
        Answer late = get(expired, null, Map.of());
        assertThat(late.status()).isEqualTo(403);
        assertThat(late.code()).isEqualTo("URL_EXPIRED");
    }

    /** A clip made by ffmpeg from its test pattern and a tone ({@code args} choose codecs and container). */
    static byte[] ffmpeg(String suffix, String... args) throws Exception {
        Path out = Files.createTempFile("parley-it-", suffix);
        try {
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("ffmpeg", "-nostdin", "-y", "-v", "error"));
            cmd.addAll(java.util.List.of(args));
            cmd.add(out.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("ffmpeg: " + log).isZero();
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static byte[] webmClip() throws Exception {
        return ffmpeg(".webm", "-f", "lavfi", "-i", "testsrc=duration=2:size=640x480:rate=25", "-f", "lavfi", "-i",
                "sine=frequency=440:duration=2", "-c:v", "libvpx", "-b:v", "300k", "-c:a", "libvorbis", "-shortest");
    }

    /** An MP4's file-type box and a media-data box of filler: the bytes say video/mp4, but nothing can play them. */
    static byte[] mp4(int size) {
        byte[] out = new byte[size];
        new java.util.Random(3).nextBytes(out);
        byte[] ftyp = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        System.arraycopy(ftyp, 0, out, 0, ftyp.length);
        int mdat = size - ftyp.length;
        byte[] box = {(byte) (mdat >>> 24), (byte) (mdat >>> 16), (byte) (mdat >>> 8), (byte) mdat, 'm', 'd', 'a', 't'};
        System.arraycopy(box, 0, out, ftyp.length, box.length);
        return out;
    }

    private Answer sendMedia(TestNode.Device who, String chatId, String clientMsgId, String mediaId, String caption) throws Exception {
        String body = "{\"clientMsgId\":\"" + clientMsgId + "\",\"mediaId\":\"" + mediaId + "\""
                + (caption == null ? "" : ",\"caption\":\"" + caption + "\"") + "}";
        return answer(http.send(HttpRequest.newBuilder(URI.create(node.uri() + "/v1/chats/" + chatId + "/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + who.token())
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    @Test
    void aPhotoAndAVideoSentInAChatReachTheOtherMemberWhoDownloadsThemAndNoOneElseCan() throws Exception {
        String chat = ana.rest().openDirect(ben.userId()).chatId();
        Recorder benSees = new Recorder();
        try (var benSocket = node.connect(ben, benSees)) {
            byte[] photo = jpeg(320, 200);
            byte[] webm = webmClip();
            String photoId = upload(ana, "image/jpeg", "cat.jpg", photo).json().path("mediaId").asText();
            Answer videoUp = upload(ana, "video/webm", "clip.webm", webm);
            assertThat(videoUp.status()).isEqualTo(201);
            JsonNode v = videoUp.json();
            assertThat(v.path("kind").asText()).isEqualTo("video");
            assertThat(v.path("contentType").asText()).as("transcoded to H.264/AAC MP4").isEqualTo("video/mp4");
            assertThat(v.path("durationMs").asLong()).isBetween(1800L, 2300L);
            assertThat(v.path("width").asInt()).isEqualTo(640);
            assertThat(v.path("height").asInt()).isEqualTo(480);
            assertThat(v.path("thumbnail").path("width").asInt()).as("a poster frame").isEqualTo(320);
            assertThat(v.path("preview").asText()).startsWith("data:image/jpeg;base64,");
            String videoId = v.path("mediaId").asText();

            assertThat(sendMedia(ana, chat, "p1", photoId, "our cat").status()).isEqualTo(201);
            assertThat(sendMedia(ana, chat, "v1", videoId, null).status()).isEqualTo(201);
            Recorder.await("Ben gets both", () -> benSees.in(chat).size() >= 2);
            var photoMsg = benSees.in(chat).get(0);
            assertThat(photoMsg.kind()).isEqualTo("image");
            assertThat(photoMsg.text()).isEqualTo("our cat");
            assertThat(photoMsg.media().mediaId()).isEqualTo(photoId);
            assertThat(photoMsg.media().width()).isEqualTo(320);
            var videoMsg = benSees.in(chat).get(1);
            assertThat(videoMsg.kind()).isEqualTo("video");
            assertThat(videoMsg.text()).isNull();
            assertThat(videoMsg.media().contentType()).isEqualTo("video/mp4");
            assertThat(ana.rest().messages(chat, null, null, null).messages()).as("history carries the media too")
                    .anySatisfy(m -> assertThat(m.media()).isNotNull().extracting(org.parley.protocol.Model.Media::mediaId).isEqualTo(videoId));

            String photoUrl = get("/v1/media/" + photoId, ben, Map.of()).raw().headers().firstValue("Location").orElseThrow();
            assertThat(get(photoUrl, null, Map.of()).raw().body()).hasSize((int) photoMsg.media().size());
            String videoUrl = get("/v1/media/" + videoId, ben, Map.of()).raw().headers().firstValue("Location").orElseThrow();
            byte[] video = get(videoUrl, null, Map.of()).raw().body();
            assertThat(video).hasSize((int) v.path("size").asLong());
            assertThat(new String(video, 4, 4, StandardCharsets.US_ASCII)).as("an MP4").isEqualTo("ftyp");
            Answer seek = get(videoUrl, null, Map.of("Range", "bytes=1000-"));
            assertThat(seek.status()).isEqualTo(206);
            assertThat(seek.raw().body()).isEqualTo(Arrays.copyOfRange(video, 1000, video.length));
            String posterUrl = get("/v1/media/" + videoId + "?variant=thumbnail", ben, Map.of()).raw().headers().firstValue("Location")
                    .orElseThrow();
            assertThat(ImageIO.read(new java.io.ByteArrayInputStream(get(posterUrl, null, Map.of()).raw().body())).getWidth()).isEqualTo(320);
            assertThat(seek.raw().headers().firstValue("Content-Type")).hasValue("video/mp4");

            // A device that was away catches up through a sync, media messages without captions included.
            TestNode.Device bensPhone = node.signIn(ben.phone(), null);
            Recorder phoneSees = new Recorder();
            try (var phone = node.connect(bensPhone, phoneSees)) {
                Recorder.await("the new device syncs both", () -> phoneSees.in(chat).size() >= 2);
                assertThat(phoneSees.in(chat)).extracting(m -> m.media().mediaId()).containsExactly(photoId, videoId);
            }

            TestNode.Device carol = node.signUp("Carol");
            assertThat(get("/v1/media/" + videoId, carol, Map.of()).code()).as("not a member of the chat").isEqualTo("MEDIA_NOT_FOUND");
            String carolsChat = carol.rest().openDirect(ben.userId()).chatId();
            assertThat(sendMedia(carol, carolsChat, "steal", photoId, null).code()).as("only one's own uploads can be sent")
                    .isEqualTo("MEDIA_NOT_FOUND");
        }
    }

    @Test
    void aPlayableMp4IsKeptAsUploadedAVoiceNoteGetsItsDurationAndUnreadableVideoIsRefused() throws Exception {
        byte[] mp4 = ffmpeg(".mp4", "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=25", "-f", "lavfi", "-i",
                "sine=duration=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart");
        Answer kept = upload(ana, "video/mp4", null, mp4);
        assertThat(kept.status()).isEqualTo(201);
        assertThat(kept.json().path("contentType").asText()).isEqualTo("video/mp4");
        assertThat(kept.json().path("width").asInt()).isEqualTo(320);
        String keptUrl = get("/v1/media/" + kept.json().path("mediaId").asText(), ana, Map.of()).raw().headers().firstValue("Location")
                .orElseThrow();
        byte[] stored = get(keptUrl, null, Map.of()).raw().body();
        // x264 signs its settings into the stream: the upload's (preset medium, subme=7) survive a rewrite, a re-encode's would not
        assertThat(contains(mp4, "subme=7")).isTrue();
        assertThat(contains(stored, "subme=7")).as("already H.264/AAC MP4 within 720p: rewritten, not re-encoded").isTrue();
        byte[] fullHd = ffmpeg(".mp4", "-f", "lavfi", "-i", "testsrc=duration=1:size=1920x1080:rate=25", "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p");
        JsonNode scaled = upload(ana, "video/mp4", null, fullHd).json();
        assertThat(scaled.path("width").asInt()).as("brought down to 720p").isEqualTo(1280);
        assertThat(scaled.path("height").asInt()).isEqualTo(720);

        byte[] voice = ffmpeg(".ogg", "-f", "lavfi", "-i", "sine=frequency=300:duration=2", "-c:a", "libopus");
        Answer note = upload(ana, "audio/ogg", "note.ogg", voice);
        assertThat(note.status()).isEqualTo(201);
        assertThat(note.json().path("kind").asText()).isEqualTo("voice");
        assertThat(note.json().path("durationMs").asLong()).isBetween(1800L, 2300L);

        long blobsBefore = blobCount();
        Answer broken = upload(ana, "video/mp4", "broken.mp4", mp4(150_000));
        assertThat(broken.status()).isEqualTo(422);
        assertThat(broken.code()).isEqualTo("MEDIA_UNREADABLE");
        assertThat(blobCount()).isEqualTo(blobsBefore);
        awaitNoUploadsInProgress();
    }

    @Test
    void anUploadWithoutAContentTypeIsRefused() throws Exception {
        Answer up = upload(ana, null, null, new byte[] {1, 2, 3});
        assertThat(up.status()).isEqualTo(400);
        assertThat(up.code()).isEqualTo("INVALID_FIELD");
    }

    private void awaitNoUploadsInProgress() throws Exception {
        long until = System.currentTimeMillis() + 10_000;
        while (uploadsInProgress() > 0 && System.currentTimeMillis() < until) Thread.sleep(50);
        assertThat(uploadsInProgress()).as("the part file is deleted").isZero();
    }

}
