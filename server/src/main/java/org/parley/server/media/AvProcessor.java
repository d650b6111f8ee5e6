package org.parley.server.media;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.WireJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Videos and voice notes, through ffprobe and ffmpeg in their own processes, each with a time
 * limit (a file ffmpeg chokes on fails, it does not hang a request): duration and size are
 * read; a video that is not H.264/AAC in MP4, or is larger than 720p, is transcoded to one
 * that is (with the moov atom first, so playback starts before the download ends); a poster
 * frame becomes the video's thumbnail. At most {@code concurrency} jobs run at once and at
 * most {@code queue} wait; beyond that uploads are refused with MEDIA_BUSY.
 */
public final class AvProcessor {
    private static final Logger log = LoggerFactory.getLogger(AvProcessor.class);

    /** What ffprobe found. */
    public record Probe(String container, String videoCodec, String audioCodec, Integer width, Integer height, Long durationMs) {}

    /** A processed video: the file to keep, what it is, and its poster frame (a JPEG) if one could be taken. */
    public record Video(Path file, String contentType, int width, int height, Long durationMs, Path poster) {}

    static final int MAX_WIDTH = 1280, MAX_HEIGHT = 720;
    private final boolean available;
    private final Semaphore running;
    private final AtomicInteger waiting = new AtomicInteger();
    private final int queue;
    private final long timeoutSeconds;
    private final java.util.Set<Process> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public AvProcessor(int concurrency, int queue, long timeoutSeconds) {
        this.available = works("ffprobe") && works("ffmpeg");
        if (!available) log.warn("ffmpeg/ffprobe not found: videos and voice notes are kept as uploaded, without duration or poster");
        this.running = new Semaphore(concurrency);
        this.queue = queue;
        this.timeoutSeconds = timeoutSeconds;
    }

    public boolean available() {
        return available;
    }

    private static boolean works(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code job} when a slot is free; refuses at once when the queue is full. */
    private <T> T inTurn(IoJob<T> job) throws IOException {
        if (waiting.incrementAndGet() > queue) {
            waiting.decrementAndGet();
            throw new ApiException(ErrorCode.MEDIA_BUSY, "too many videos and voice notes are being processed; retry in a moment");
        }
        running.acquireUninterruptibly();
        waiting.decrementAndGet();
        try {
            return job.run();
        } finally {
            running.release();
        }
    }

    @FunctionalInterface
    private interface IoJob<T> {
        T run() throws IOException;
    }

    public Probe probe(Path file) throws IOException {
        return inTurn(() -> probeNow(file));
    }

    private Probe probeNow(Path file) throws IOException {
        String out = run(List.of("ffprobe", "-v", "error", "-protocol_whitelist", "file", "-print_format", "json", "-show_format",
                "-show_streams", file.toString()));
        JsonNode root = WireJson.mapper().readTree(out);
        String video = null, audio = null;
        Integer w = null, h = null;
        for (JsonNode s : root.path("streams")) {
            String type = s.path("codec_type").asText();
            if (type.equals("video") && video == null && !s.path("disposition").path("attached_pic").asBoolean()) {
                video = s.path("codec_name").asText();
                w = s.path("width").asInt();
                h = s.path("height").asInt();
                int rotation = Math.abs(rotation(s)) % 180;
                if (rotation == 90) { // phones record sideways and say so
                    int t = w;
                    w = h;
                    h = t;
                }
            } else if (type.equals("audio") && audio == null) {
                audio = s.path("codec_name").asText();
            }
        }
        double seconds = root.path("format").path("duration").asDouble(-1);
        return new Probe(root.path("format").path("format_name").asText(), video, audio, w, h,
                seconds < 0 ? null : Math.round(seconds * 1000));
    }

    private static int rotation(JsonNode stream) {
        if (stream.path("tags").has("rotate")) return stream.path("tags").path("rotate").asInt();
        for (JsonNode side : stream.path("side_data_list")) if (side.has("rotation")) return side.path("rotation").asInt();
        return 0;
    }

    /**
     * Checks, transcodes when needed (otherwise copies the streams into a new MP4 without
     * re-encoding, which drops the metadata, a phone's location included, and puts the index
     * first) and takes a poster frame; {@code workDir} holds what it writes, every file *.part.
     */
    public Video video(Path input, Path workDir) throws IOException {
        return inTurn(() -> {
            Probe p = probeNow(input);
            if (p.videoCodec() == null) throw new ApiException(ErrorCode.MEDIA_UNREADABLE, "the upload has no video stream");
            // H.264 with AAC (or no sound) needs no re-encoding, whatever the container: copying
            // the streams into MP4 is enough (a phone's QuickTime .mov usually is just that).
            boolean fits = p.width() <= MAX_WIDTH && p.height() <= MAX_HEIGHT || p.width() <= MAX_HEIGHT && p.height() <= MAX_WIDTH;
            boolean plays = p.videoCodec().equals("h264") && (p.audioCodec() == null || p.audioCodec().equals("aac"));
            Path keep = Files.createTempFile(workDir, "video-", ".part");
            Probe kept = p;
            if (plays && fits) {
                try {
                    run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-protocol_whitelist", "file", "-i", input.toString(),
                            "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4",
                            keep.toString()));
                } catch (ApiException e) { // streams MP4 cannot carry as they are: transcode instead
                    plays = false;
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(keep);
                    throw e;
                }
            }
            if (!plays || !fits) {
                boolean landscape = p.width() >= p.height();
                int boxW = landscape ? MAX_WIDTH : MAX_HEIGHT, boxH = landscape ? MAX_HEIGHT : MAX_WIDTH;
                String box = "w='min(" + boxW + ",iw)':h='min(" + boxH + ",ih)'"; // fit the box, never enlarge
                List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-protocol_whitelist", "file",
                        "-i", input.toString(),
                        "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
                        "-vf", "scale=" + box + ":force_original_aspect_ratio=decrease:force_divisible_by=2",
                        "-c:a", "aac", "-b:a", "128k", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", keep.toString()));
                try {
                    run(cmd);
                    kept = probeNow(keep);
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(keep);
                    throw e;
                }
            }
            Path poster = Files.createTempFile(workDir, "poster-", ".part");
            long at = kept.durationMs() == null ? 0 : Math.min(1000, kept.durationMs() / 2);
            try {
                run(List.of("ffmpeg", "-nostdin", "-y", "-v", "error", "-protocol_whitelist", "file", "-ss",
                        String.format(java.util.Locale.ROOT, "%.3f", at / 1000.0), "-i", keep.toString(), "-frames:v", "1", "-q:v", "3", "-c:v", "mjpeg", "-f", "image2", poster.toString()));
                if (Files.size(poster) == 0) {
                    Files.deleteIfExists(poster);
                    poster = null;
                }
            } catch (ApiException e) { // a video whose frame cannot be taken is still a video
                Files.deleteIfExists(poster);
                poster = null;
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(poster);
                Files.deleteIfExists(keep);
                throw e;
            }
            return new Video(keep, "video/mp4", kept.width(), kept.height(), kept.durationMs(), poster);
        });
    }

    /** Kills the tools still running (the node is stopping; their uploads fail). */
    public void killAll() {
        for (Process p : live) p.destroyForcibly();
    }

    /** Runs a tool, returns its standard output; a failure or a timeout is MEDIA_UNREADABLE. */
    private String run(List<String> cmd) throws IOException {
        Path err = Files.createTempFile("parley-ff", ".err");
        Process[] process = {null};
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            process[0] = p;
            live.add(p);
            p.getOutputStream().close();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (var in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the process died; its exit value says so
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new ApiException(ErrorCode.MEDIA_UNREADABLE, cmd.get(0) + " took longer than " + timeoutSeconds + " s on this file");
            }
            reader.join(10_000);
            if (p.exitValue() != 0) {
                String why = Files.readString(err).strip();
                if (why.length() > 300) why = why.substring(0, 300);
                throw new ApiException(ErrorCode.MEDIA_UNREADABLE, cmd.get(0) + " cannot read the file" + (why.isEmpty() ? "" : ": " + why));
            }
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (process[0] != null) {
                live.remove(process[0]);
                if (process[0].isAlive()) process[0].destroyForcibly(); // never outlives its request
            }
            Files.deleteIfExists(err);
        }
    }
}
