package org.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.apache.tika.Tika;

/**
 * What an upload is: its kind from the declared Content-Type, its real type from its bytes
 * (Apache Tika's magic numbers), and whether the two agree. Programs and scripts are refused
 * whatever they claim to be.
 */
public final class MediaTypes {
    public static final String IMAGE = "image", VIDEO = "video", VOICE = "voice", FILE = "file";

    private static final Set<String> IMAGES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif");
    private static final Set<String> VIDEOS = Set.of("video/mp4", "video/quicktime", "video/webm", "video/3gpp", "video/x-matroska",
            "video/x-m4v");
    private static final Set<String> VOICE_TYPES = Set.of("audio/ogg", "audio/opus", "audio/vorbis", "application/ogg", "audio/aac",
            "audio/x-aac", "audio/mp4", "audio/x-m4a", "audio/mpeg", "audio/webm", "audio/wav", "audio/vnd.wave", "audio/x-wav",
            "video/mp4", "video/webm", "audio/amr");
    private static final Set<String> FORBIDDEN = Set.of("application/x-msdownload", "application/x-dosexec", "application/x-ms-installer",
            "application/x-msi", "application/x-executable", "application/x-elf", "application/x-sharedlib", "application/x-object",
            "application/x-mach-o-executable", "application/x-mach-o", "application/x-sh", "application/x-bat",
            "application/x-msdos-program", "application/vnd.microsoft.portable-executable", "application/x-ms-shortcut",
            "application/x-coredump");

    private final Tika tika = new Tika();

    /** image, video, voice or file, from the declared Content-Type (its parameters ignored). */
    public static String kindOf(String declared) {
        String t = base(declared);
        if (t.startsWith("image/")) return IMAGE;
        if (t.startsWith("video/")) return VIDEO;
        if (t.startsWith("audio/")) return VOICE;
        return FILE;
    }

    static String base(String contentType) {
        if (contentType == null) return "";
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    /** The type found in the file's bytes (the file name only breaks ties where the bytes say nothing specific). */
    public String detect(Path file, String fileName) throws IOException {
        // TikaInputStream (not a plain stream) lets Tika look past the first bytes: an MP4 is
        // only told from a QuickTime file by its brand further in.
        try (InputStream in = org.apache.tika.io.TikaInputStream.get(file)) {
            return base(tika.detect(in, fileName));
        }
    }

    /** Null when {@code detected} may be stored as {@code kind}; otherwise why not. */
    public static String refusal(String kind, String detected) {
        if (FORBIDDEN.contains(detected) || detected.contains("executable")) return "programs and scripts are not accepted (found " + detected + ")";
        return switch (kind) {
            case IMAGE -> IMAGES.contains(detected) ? null : "declared an image, but the bytes are " + detected;
            case VIDEO -> VIDEOS.contains(detected) ? null : "declared a video, but the bytes are " + detected;
            case VOICE -> VOICE_TYPES.contains(detected) ? null : "declared audio, but the bytes are " + detected;
            default -> null;
        };
    }
}
