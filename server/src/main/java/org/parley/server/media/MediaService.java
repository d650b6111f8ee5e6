package org.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Media;
import org.parley.protocol.Model.Thumbnail;
import org.parley.server.app.Ids;
import org.parley.server.auth.Principal;

/**
 * Photos, videos, voice notes and files: checks a finished upload (its real type, its size),
 * stores its bytes once per content, and hands out short-lived signed download URLs.
 */
public final class MediaService {
    /** Upload limits per kind, in bytes. */
    public record Limits(long image, long video, long voice, long file) {
        public long of(String kind) {
            return switch (kind) {
                case MediaTypes.IMAGE -> image;
                case MediaTypes.VIDEO -> video;
                case MediaTypes.VOICE -> voice;
                default -> file;
            };
        }
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MediaService.class);
    /** An upload part untouched this long is a leftover of a crash. */
    static final long STALE_UPLOAD_MILLIS = 6 * 3600_000L;
    private final MediaStore store;
    private final Blobs blobs;
    private final MediaTypes types = new MediaTypes();
    private final ImageProcessor images;
    /** Videos and voice notes: one ffmpeg job per two cores at a time, 16 waiting at most, 10 minutes each at most. */
    private final AvProcessor av = new AvProcessor(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), 16, 600);
    /** Photos are decoded a few at a time, whatever the number of uploads: each can take tens of MiB while it is worked on. */
    private final java.util.concurrent.Semaphore processing = new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()));
    private final UrlSigner signer;
    private final Limits limits;
    private final Path uploads;
    private final int urlTtlSeconds;
    private final Ids ids;
    private final Clock clock;

    public MediaService(MediaStore store, Blobs blobs, UrlSigner signer, Limits limits, Path uploads, int urlTtlSeconds,
            int imageMaxSide, Ids ids, Clock clock) throws IOException {
        this.images = new ImageProcessor(imageMaxSide);
        this.store = store;
        this.blobs = blobs;
        this.signer = signer;
        this.limits = limits;
        this.uploads = Files.createDirectories(uploads);
        // Uploads cut off by a crash are never finished. Only old ones go: on a folder shared
        // by several nodes, the fresh ones may be another node's uploads in progress.
        long cutoff = System.currentTimeMillis() - STALE_UPLOAD_MILLIS;
        try (var stale = Files.newDirectoryStream(uploads, "*.part")) {
            for (Path p : stale) {
                if (Files.getLastModifiedTime(p).toMillis() < cutoff) Files.deleteIfExists(p);
            }
        }
        this.urlTtlSeconds = urlTtlSeconds;
        this.ids = ids;
        this.clock = clock;
    }

    /**
     * The key that signs download URLs: the configured one, or one generated on first start
     * and kept in {@code dir}/url.key (readable by the node's user only).
     */
    public static byte[] urlKey(Path dir, String configured) throws IOException {
        if (configured != null) return configured.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path file = Files.createDirectories(dir).resolve("url.key");
        if (!Files.exists(file)) {
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            Path tmp = Files.createTempFile(dir, "url.key", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX filesystem
            }
            Files.write(tmp, java.util.Base64.getEncoder().encode(key));
            try {
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        return java.util.Base64.getDecoder().decode(Files.readString(file).trim());
    }

    /** Stops what runs outside the JVM (ffmpeg); the node is shutting down. */
    public void close() {
        av.killAll();
    }

    public long limitFor(String kind) {
        return limits.of(kind);
    }

    /** Where uploads are written while they arrive (the same filesystem as the blobs, so storing one is a rename). */
    public Path uploadsDir() {
        return uploads;
    }

    public Blobs blobs() {
        return blobs;
    }

    /** The part of a file name worth keeping: no folders, no control characters, at most 255 characters; null when nothing is left. */
    public static String cleanFileName(String name) {
        if (name == null) return null;
        String last = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        String clean = last.replaceAll("[\\p{Cntrl}\"]", "").strip();
        if (clean.isEmpty() || clean.equals(".") || clean.equals("..")) return null;
        return clean.length() > 255 ? clean.substring(0, 255) : clean;
    }

    /**
     * Checks and keeps a finished upload of {@code size} bytes. The file is consumed (moved
     * into the blob store) or deleted, whatever happens; nothing is kept for a refused upload.
     */
    public Media ingest(Principal p, String declaredType, String fileName, Path upload, long size) {
        Path[] made = {null}; // a processed file standing in for the upload, deleted with it whatever happens
        Path[] thumbFile = {null};
        try {
            String kind = MediaTypes.kindOf(declaredType);
            if (size > limits.of(kind)) throw tooLarge(kind);
            if (size == 0) throw ApiException.invalid("the upload is empty");
            String detected = types.detect(upload, fileName);
            String refusal = MediaTypes.refusal(kind, detected);
            if (refusal != null) throw new ApiException(ErrorCode.MEDIA_TYPE_REJECTED, refusal);
            Path keep = upload;
            Integer width = null, height = null;
            Long durationMs = null;
            Thumbnail thumbnail = null;
            String preview = null;
            if (kind.equals(MediaTypes.VIDEO) && av.available()) {
                AvProcessor.Video v = av.video(upload, uploads);
                keep = v.file();
                made[0] = keep;
                detected = v.contentType();
                width = v.width();
                height = v.height();
                durationMs = v.durationMs();
                if (v.poster() != null) {
                    try {
                        ImageProcessor.Result frame = images.process(v.poster(), "image/jpeg", uploads);
                        Files.deleteIfExists(frame.file());
                        thumbFile[0] = thumbnailFile(frame);
                        thumbnail = thumbnail(frame, thumbFile[0]);
                        preview = frame.preview();
                    } catch (ApiException | IOException e) { // a video without a poster is still a video
                        log.warn("no poster for an uploaded video: {}", e.toString());
                    } finally {
                        Files.deleteIfExists(v.poster());
                    }
                }
            } else if (kind.equals(MediaTypes.VOICE) && av.available()) {
                AvProcessor.Probe probe = av.probe(upload);
                if (probe.audioCodec() == null) throw new ApiException(ErrorCode.MEDIA_UNREADABLE, "the upload has no audio stream");
                durationMs = probe.durationMs();
            } else if (kind.equals(MediaTypes.IMAGE)) {
                ImageProcessor.Result r;
                processing.acquireUninterruptibly();
                try {
                    r = images.process(upload, detected, uploads);
                } finally {
                    processing.release();
                }
                if (r != null) { // re-encoded: metadata gone, upright, at most imageMaxSide
                    keep = r.file();
                    made[0] = keep;
                    width = r.width();
                    height = r.height();
                    preview = r.preview();
                    thumbFile[0] = thumbnailFile(r);
                    thumbnail = thumbnail(r, thumbFile[0]);
                } else {
                    int[] dims = ImageProcessor.size(upload);
                    if (dims != null) {
                        width = dims[0];
                        height = dims[1];
                    }
                }
            }
            String sha256 = sha256(keep);
            Media media = new Media(ids.next(), kind, detected, Files.size(keep), sha256, fileName, width, height, durationMs,
                    thumbnail, preview, clock.millis());
            // The row first, then the bytes: a janitor deleting the same content waits for the
            // row or is told to skip, so the blob this upload writes next is never deleted under it.
            store.insert(p.userId(), media);
            try {
                blobs.put(sha256, keep);
                if (thumbnail != null) blobs.put(thumbnail.sha256(), thumbFile[0]);
            } catch (IOException | RuntimeException e) {
                store.forget(java.util.List.of(media.mediaId()), clock.millis());
                throw e;
            }
            return media;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(upload);
                if (made[0] != null) Files.deleteIfExists(made[0]);
                if (thumbFile[0] != null) Files.deleteIfExists(thumbFile[0]);
            } catch (IOException ignored) {
                // the uploads folder is swept at start-up
            }
        }
    }

    private Path thumbnailFile(ImageProcessor.Result r) throws IOException {
        Path thumb = Files.createTempFile(uploads, "thumb-", ".part");
        Files.write(thumb, r.thumbnailJpeg());
        return thumb;
    }

    private static Thumbnail thumbnail(ImageProcessor.Result r, Path file) throws IOException {
        return new Thumbnail(r.thumbnailWidth(), r.thumbnailHeight(), r.thumbnailJpeg().length, sha256(file));
    }

    /** How long a blob no row names stays before it is deleted (an upload of the same content may be on its way). */
    static final long BLOB_GRACE_MILLIS = 3600_000L;

    /**
     * Retention, run now and then: media older than {@code retention} (undownloaded or not) and
     * uploads in no message after {@code unattached} are forgotten; blobs no row has named for
     * an hour are deleted. Returns how many media rows and blobs went.
     */
    public int[] sweep(java.time.Duration retention, java.time.Duration unattached, boolean afterDownload) throws IOException {
        long now = clock.millis();
        int rows = 0, deleted = 0;
        if (afterDownload) {
            for (java.util.List<String> batch; !(batch = store.downloadedByAll(500)).isEmpty(); ) {
                store.forget(batch, now);
                rows += batch.size();
                if (batch.size() < 500) break;
            }
        }
        for (java.util.List<String> batch; !(batch = store.expired(now - retention.toMillis(), now - unattached.toMillis(), 500)).isEmpty(); ) {
            store.forgetUnattached(batch, now, now - retention.toMillis());
            rows += batch.size();
            if (batch.size() < 500) break;
        }
        for (String sha : store.candidates(now - BLOB_GRACE_MILLIS, 10_000)) {
            if (store.release(sha, blobs::delete)) deleted++;
        }
        if (rows > 0 || deleted > 0) log.info("media retention: {} media forgotten, {} blobs deleted", rows, deleted);
        return new int[] {rows, deleted};
    }

    /**
     * What a download sends: a blob, its type and size, and how the browser should treat it;
     * for the media itself (not a thumbnail) also which media and device, to note a whole download.
     */
    public record Download(String key, String contentType, long size, boolean attachment, String fileName, String mediaId,
            String deviceId) {}

    /** A device received the media's last byte (a whole download, or the range that ends it). */
    public void downloaded(Download d) {
        if (d.mediaId() != null) store.downloaded(d.mediaId(), d.deviceId(), clock.millis());
    }

    public ApiException tooLarge(String kind) {
        return new ApiException(ErrorCode.MEDIA_TOO_LARGE, "a " + kind + " may be at most " + limits.of(kind) + " bytes");
    }

    /**
     * A download URL for {@code mediaId}, valid for media.urlTtlSeconds, for its uploader and
     * for members of a chat whose history (as they see it) has a message carrying it; anyone
     * else is told it does not exist.
     */
    public String signedPath(Principal p, String mediaId, String variant) {
        boolean thumbnail = variant(variant);
        MediaStore.Stored stored = store.find(mediaId).orElseThrow(MediaService::notFound);
        if (!stored.ownerId().equals(p.userId()) && !store.sharedWith(mediaId, p.userId())) throw notFound();
        if (thumbnail && stored.media().thumbnail() == null) throw new ApiException(ErrorCode.MEDIA_NOT_FOUND, "this media has no thumbnail");
        long expires = clock.millis() / 1000 + urlTtlSeconds;
        return "/v1/media/" + mediaId + "/content?" + (thumbnail ? "v=thumbnail&" : "") + "u=" + p.userId() + "&d=" + p.deviceId()
                + "&exp=" + expires + "&sig=" + signer.sign(signed(mediaId, thumbnail), holder(p.userId(), p.deviceId()), expires);
    }

    /** true for the thumbnail, false for the media itself; anything else is refused. */
    private static boolean variant(String variant) {
        if (variant == null) return false;
        if (variant.equals("thumbnail")) return true;
        throw ApiException.invalid("variant must be thumbnail (or absent for the media itself)");
    }

    /** What the signature covers: the media id, and for the thumbnail a suffix, so one URL cannot be turned into the other. */
    private static String signed(String mediaId, boolean thumbnail) {
        return thumbnail ? mediaId + "#thumbnail" : mediaId;
    }

    /** Whom a URL is for, as its signature covers it: the user and the device that asked. */
    public static String holder(String userId, String deviceId) {
        return userId + "/" + deviceId;
    }

    /** What a signed URL names, once its signature and expiry are checked. */
    public Download open(String mediaId, String variant, String userId, String deviceId, String exp, String sig) {
        boolean thumbnail;
        try {
            thumbnail = variant(variant);
        } catch (ApiException e) {
            throw new ApiException(ErrorCode.URL_INVALID, "the media URL is not one this node signed");
        }
        long expires;
        try {
            expires = Long.parseLong(exp == null ? "" : exp);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.URL_INVALID, "the media URL is not one this node signed");
        }
        if (userId == null || deviceId == null || !signer.verify(signed(mediaId, thumbnail), holder(userId, deviceId), expires, sig)) {
            throw new ApiException(ErrorCode.URL_INVALID, "the media URL is not one this node signed");
        }
        if (clock.millis() / 1000 > expires) throw new ApiException(ErrorCode.URL_EXPIRED, "the media URL has expired");
        Media m = store.find(mediaId).orElseThrow(MediaService::notFound).media();
        if (thumbnail) {
            Thumbnail t = m.thumbnail();
            if (t == null) throw notFound();
            return new Download(t.sha256(), "image/jpeg", t.size(), false, null, null, null);
        }
        return new Download(m.sha256(), m.contentType(), m.size(), m.kind().equals(MediaTypes.FILE), m.fileName(), mediaId, deviceId);
    }

    private static ApiException notFound() {
        return new ApiException(ErrorCode.MEDIA_NOT_FOUND, "no such media");
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
