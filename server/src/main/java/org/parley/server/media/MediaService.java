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
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Media;
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

    /** An upload part untouched this long is a leftover of a crash. */
    static final long STALE_UPLOAD_MILLIS = 6 * 3600_000L;
    private final MediaStore store;
    private final Blobs blobs;
    private final MediaTypes types = new MediaTypes();
    private final UrlSigner signer;
    private final Limits limits;
    private final Path uploads;
    private final int urlTtlSeconds;
    private final Ids ids;
    private final Clock clock;

    public MediaService(MediaStore store, Blobs blobs, UrlSigner signer, Limits limits, Path uploads, int urlTtlSeconds, Ids ids,
            Clock clock) throws IOException {
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
        try {
            String kind = MediaTypes.kindOf(declaredType);
            if (size > limits.of(kind)) throw tooLarge(kind);
            if (size == 0) throw ApiException.invalid("the upload is empty");
            String detected = types.detect(upload, fileName);
            String refusal = MediaTypes.refusal(kind, detected);
            if (refusal != null) throw new ApiException(ErrorCode.MEDIA_TYPE_REJECTED, refusal);
            String sha256 = sha256(upload);
            int[] dims = kind.equals(MediaTypes.IMAGE) ? imageSize(upload) : null;
            Media media = new Media(ids.next(), kind, detected, size, sha256, fileName, dims == null ? null : dims[0],
                    dims == null ? null : dims[1], null, clock.millis());
            blobs.put(sha256, upload);
            store.insert(p.userId(), media);
            return media;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(upload);
            } catch (IOException ignored) {
                // the uploads folder is swept at start-up
            }
        }
    }

    public ApiException tooLarge(String kind) {
        return new ApiException(ErrorCode.MEDIA_TOO_LARGE, "a " + kind + " may be at most " + limits.of(kind) + " bytes");
    }

    /**
     * A download URL for {@code mediaId}, valid for media.urlTtlSeconds, for its uploader and
     * for members of a chat whose history (as they see it) has a message carrying it; anyone
     * else is told it does not exist.
     */
    public String signedPath(Principal p, String mediaId) {
        MediaStore.Stored stored = store.find(mediaId).orElseThrow(MediaService::notFound);
        if (!stored.ownerId().equals(p.userId()) && !store.sharedWith(mediaId, p.userId())) throw notFound();
        long expires = clock.millis() / 1000 + urlTtlSeconds;
        return "/v1/media/" + mediaId + "/content?u=" + p.userId() + "&exp=" + expires + "&sig=" + signer.sign(mediaId, p.userId(), expires);
    }

    /** The media a signed URL names, once its signature and expiry are checked. */
    public MediaStore.Stored open(String mediaId, String userId, String exp, String sig) {
        long expires;
        try {
            expires = Long.parseLong(exp == null ? "" : exp);
        } catch (NumberFormatException e) {
            throw new ApiException(ErrorCode.URL_INVALID, "the media URL is not one this node signed");
        }
        if (userId == null || !signer.verify(mediaId, userId, expires, sig)) {
            throw new ApiException(ErrorCode.URL_INVALID, "the media URL is not one this node signed");
        }
        if (clock.millis() / 1000 > expires) throw new ApiException(ErrorCode.URL_EXPIRED, "the media URL has expired");
        return store.find(mediaId).orElseThrow(MediaService::notFound);
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

    /** Width and height from the image's header, or null where Java cannot read the format (WebP, HEIC). */
    static int[] imageSize(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) return null;
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } catch (IOException | RuntimeException e) {
                throw new ApiException(ErrorCode.MEDIA_TYPE_REJECTED, "the image cannot be read: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }
}
