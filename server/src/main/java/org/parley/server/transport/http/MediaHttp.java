package org.parley.server.transport.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Media;
import org.parley.protocol.WireJson;
import org.parley.server.auth.AuthService;
import org.parley.server.auth.Principal;
import org.parley.server.media.MediaService;
import org.parley.server.media.MediaTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media routes, which stream instead of reading a JSON body: the upload goes to disk as
 * it arrives (never whole in memory), the download is sent from the file (zero-copy) with
 * Range, ETag and long cache headers. Installed before the JSON body handler.
 */
public final class MediaHttp {
    private static final Logger access = LoggerFactory.getLogger("parley.access");
    /** Its routes, as the docs test reads them. */
    public static final List<String> ROUTES = List.of("POST /v1/media", "GET /v1/media/{mediaId}", "GET /v1/media/{mediaId}/content");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");
    /** How long a refused upload's remaining bytes are read and dropped before the connection closes. */
    private static final long LINGER_MS = 2_000;

    private final AuthService auth;
    private final MediaService media;
    private final ExecutorService blocking;
    private final BooleanSupplier shuttingDown;

    public MediaHttp(AuthService auth, MediaService media, ExecutorService blocking, BooleanSupplier shuttingDown) {
        this.auth = auth;
        this.media = media;
        this.blocking = blocking;
        this.shuttingDown = shuttingDown;
    }

    public void install(Router router) {
        router.post("/v1/media").handler(this::upload);
        router.get("/v1/media/:mediaId/content").handler(this::content);
        router.get("/v1/media/:mediaId").handler(this::locate);
    }

    // ---- upload ----

    private void upload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        req.pause();
        String requestId = HttpApi.requestId(ctx);
        if (shuttingDown.getAsBoolean()) {
            failAndClose(ctx, requestId, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
            return;
        }
        String declared = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (declared == null || declared.isBlank() || !declared.contains("/")) {
            failAndClose(ctx, requestId, ApiException.invalid("Content-Type must name the upload's type, e.g. image/jpeg"));
            return;
        }
        String kind = MediaTypes.kindOf(declared);
        long limit = media.limitFor(kind);
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declaredLength;
            try {
                declaredLength = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                declaredLength = -1;
            }
            if (declaredLength > limit) {
                failAndClose(ctx, requestId, media.tooLarge(kind));
                return;
            }
        }
        String fileName = MediaService.cleanFileName(req.getParam("name"));
        String token = HttpApi.bearer(req.getHeader(HttpHeaders.AUTHORIZATION));
        Context context = Vertx.currentContext();
        long start = System.nanoTime();
        boolean[] gone = {false};
        req.exceptionHandler(e -> gone[0] = true); // the client left while we authenticate
        execute(ctx, requestId, () -> {
            Principal p = auth.authenticate(token);
            Path part = Files.createTempFile(media.uploadsDir(), "upload-", ".part");
            context.runOnContext(v -> {
                if (gone[0]) {
                    blocking.execute(() -> discard(part));
                    return;
                }
                receive(ctx, requestId, p, part, declared, fileName, kind, limit, start);
            });
        });
    }

    /** Streams the body to {@code part}, counting; over the limit or cut off, the part is deleted and nothing is kept. */
    private void receive(RoutingContext ctx, String requestId, Principal p, Path part, String declared, String fileName, String kind,
            long limit, long start) {
        HttpServerRequest req = ctx.request();
        ctx.vertx().fileSystem().open(part.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true)).onFailure(e -> {
            discard(part);
            failAndClose(ctx, requestId, HttpApi.toApi(e, requestId));
        }).onSuccess(file -> {
            long[] size = {0};
            boolean[] over = {false};
            file.exceptionHandler(e -> { // a write failed (disk full...): nothing of it is kept
                if (over[0]) return;
                over[0] = true;
                abandon(file, part);
                failAndClose(ctx, requestId, HttpApi.toApi(new java.io.UncheckedIOException(new IOException("cannot store the upload: "
                        + e.getMessage(), e)), requestId));
            });
            req.handler(buf -> {
                if (over[0]) return;
                size[0] += buf.length();
                if (size[0] > limit) {
                    over[0] = true;
                    abandon(file, part);
                    failAndClose(ctx, requestId, media.tooLarge(kind));
                    return;
                }
                file.write(buf);
                if (file.writeQueueFull()) {
                    req.pause();
                    file.drainHandler(v -> req.resume());
                }
            });
            req.exceptionHandler(e -> { // the client went away half-way
                over[0] = true;
                abandon(file, part);
            });
            req.endHandler(v -> {
                if (over[0]) return;
                file.close().onComplete(closed -> execute(ctx, requestId, () -> {
                    if (closed.failed() || Files.size(part) != size[0]) { // not all of it reached the disk
                        Files.deleteIfExists(part);
                        throw new IOException("the upload could not be stored whole: "
                                + (closed.failed() ? closed.cause().getMessage() : "short file"));
                    }
                    Media m = media.ingest(p, declared, fileName, part, size[0]);
                    ctx.vertx().runOnContext(x -> {
                        respondJson(ctx, requestId, 201, m);
                        access.info("POST /v1/media 201 {}ms {} bytes", (System.nanoTime() - start) / 1_000_000, size[0]);
                    });
                }));
            });
            req.resume();
        });
    }

    private void abandon(AsyncFile file, Path part) {
        file.close().onComplete(v -> blocking.execute(() -> discard(part)));
    }

    private static void discard(Path part) {
        try {
            Files.deleteIfExists(part);
        } catch (IOException ignored) {
            // swept at the next start
        }
    }

    // ---- download ----

    /**
     * GET /v1/media/{id}: a redirect to a short-lived signed URL (also given in the body, for
     * clients that do not follow redirects); with {@code Accept: application/json}, 200 and the URL.
     */
    private void locate(RoutingContext ctx) {
        String requestId = HttpApi.requestId(ctx);
        String token = HttpApi.bearer(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
        String mediaId = ctx.pathParam("mediaId");
        execute(ctx, requestId, () -> {
            Principal p = auth.authenticate(token);
            String url = media.signedPath(p, mediaId, ctx.request().getParam("variant"));
            // A page that wants the URL for an <img> or <video> asks for JSON: fetch() cannot read a redirect's target.
            String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
            boolean json = accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("application/json");
            ctx.vertx().runOnContext(v -> {
                ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
                if (!json) ctx.response().putHeader(HttpHeaders.LOCATION, url);
                respondJson(ctx, requestId, json ? 200 : 302, Map.of("url", url));
            });
        });
    }

    /** GET /v1/media/{id}/content?u=&exp=&sig=: the bytes, whole or by range. */
    private void content(RoutingContext ctx) {
        String requestId = HttpApi.requestId(ctx);
        HttpServerRequest req = ctx.request();
        String mediaId = ctx.pathParam("mediaId");
        execute(ctx, requestId, () -> {
            MediaService.Download d = media.open(mediaId, req.getParam("v"), req.getParam("u"), req.getParam("d"), req.getParam("exp"),
                    req.getParam("sig"));
            Path file = media.blobs().localFile(d.key()); // null for a remote store
            if (file == null ? !media.blobs().exists(d.key()) : !Files.exists(file)) {
                throw new ApiException(ErrorCode.MEDIA_NOT_FOUND, "the media's bytes are gone");
            }
            ctx.vertx().runOnContext(v -> send(ctx, requestId, d, file));
        });
    }

    private void send(RoutingContext ctx, String requestId, MediaService.Download m, Path file) {
        HttpServerRequest req = ctx.request();
        HttpServerResponse res = ctx.response();
        String etag = "\"" + m.key() + "\"";
        res.putHeader(HttpHeaders.ETAG, etag)
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
                .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=31536000, immutable")
                .putHeader(HttpHeaders.CONTENT_TYPE, m.contentType())
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Disposition", disposition(m))
                .putHeader("X-Request-Id", requestId);
        String ifNoneMatch = req.getHeader(HttpHeaders.IF_NONE_MATCH);
        if (ifNoneMatch != null && (ifNoneMatch.contains(etag) || ifNoneMatch.trim().equals("*"))) {
            res.setStatusCode(304).end();
            return;
        }
        long size = m.size();
        String range = req.getHeader("Range");
        Matcher r = range == null || range.contains(",") ? null : RANGE.matcher(range.trim());
        if (r != null && r.matches() && !(r.group(1).isEmpty() && r.group(2).isEmpty())) {
            long from, to;
            if (r.group(1).isEmpty()) { // the last N bytes
                long n = Math.min(Long.parseLong(r.group(2)), size);
                from = size - n;
                to = size - 1;
            } else {
                from = Long.parseLong(r.group(1));
                to = r.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(r.group(2)), size - 1);
            }
            if (from >= size || from > to) {
                res.headers().remove(HttpHeaders.CACHE_CONTROL).remove(HttpHeaders.ETAG).remove("Content-Disposition");
                res.putHeader("Content-Range", "bytes */" + size);
                HttpApi.fail(ctx, requestId, new ApiException(ErrorCode.RANGE_NOT_SATISFIABLE,
                        "the media has " + size + " bytes; " + range + " is outside them"));
                return;
            }
            res.setStatusCode(206).putHeader("Content-Range", "bytes " + from + "-" + to + "/" + size);
            body(ctx, m, file, from, to - from + 1);
            return;
        }
        res.setStatusCode(200);
        noteWhenSent(res, m);
        body(ctx, m, file, 0, size);
    }

    /** Once the last byte has gone out, the device counts as having the media (for media.deleteAfterDownload). */
    private void noteWhenSent(HttpServerResponse res, MediaService.Download m) {
        if (m.mediaId() == null) return;
        res.bodyEndHandler(v -> { // the last byte handed to the connection; a cut-off download never gets here
            try {
                blocking.execute(() -> {
                    try {
                        media.downloaded(m);
                    } catch (RuntimeException e) {
                        LoggerFactory.getLogger(MediaHttp.class).warn("could not note a download of {}: {}", m.mediaId(), e.toString());
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // shutting down: the device may download it again
            }
        });
    }

    /** From the local file with zero copy, or streamed from a remote store a chunk at a time, waiting for each to be written. */
    private void body(RoutingContext ctx, MediaService.Download m, Path file, long offset, long length) {
        HttpServerResponse res = ctx.response();
        if (file != null) {
            res.sendFile(file.toString(), offset, length);
            return;
        }
        res.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
        Context context = Vertx.currentContext();
        blocking.execute(() -> {
            try (var in = media.blobs().open(m.key(), offset, length)) {
                byte[] chunk = new byte[64 * 1024];
                for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                    var buf = io.vertx.core.buffer.Buffer.buffer(java.util.Arrays.copyOf(chunk, n));
                    var written = new java.util.concurrent.CompletableFuture<Void>();
                    context.runOnContext(v -> res.write(buf).onComplete(r -> written.complete(null)));
                    written.join(); // the client's pace, not the store's
                    if (res.closed()) return;
                }
                context.runOnContext(v -> res.end());
            } catch (IOException | RuntimeException e) {
                LoggerFactory.getLogger(MediaHttp.class).warn("streaming media {} failed: {}", m.key(), e.toString());
                context.runOnContext(v -> res.reset());
            }
        });
    }

    /** inline for what a chat shows (photo, video, voice), attachment for files; the name in RFC 6266 / 5987 form. */
    static String disposition(MediaService.Download m) {
        String type = m.attachment() ? "attachment" : "inline";
        if (m.fileName() == null) return type;
        String ascii = m.fileName().replaceAll("[^\\x20-\\x7e]|[\\\\\"]", "_");
        return type + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + URLEncoder.encode(m.fileName(), StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ---- shared ----

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    /** Runs {@code work} on a virtual thread; a failure becomes the error answer. */
    private void execute(RoutingContext ctx, String requestId, Work work) {
        Context context = Vertx.currentContext();
        try {
            blocking.execute(() -> {
                try {
                    work.run();
                } catch (Exception e) {
                    ApiException api = HttpApi.toApi(e, requestId);
                    context.runOnContext(v -> failAndClose(ctx, requestId, api));
                }
            });
        } catch (RejectedExecutionException e) {
            failAndClose(ctx, requestId, new ApiException(ErrorCode.SHUTTING_DOWN, "the node is shutting down"));
        }
    }

    private static void respondJson(RoutingContext ctx, String requestId, int status, Object body) {
        HttpServerResponse res = ctx.response();
        if (res.ended() || res.closed()) return;
        res.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader("X-Request-Id", requestId)
                .end(WireJson.encode(body));
    }

    /**
     * An error answer. If an HTTP/1.1 request body was not read to its end, the rest is read
     * and dropped for a moment after the answer, then the connection is closed: closing at
     * once, with unread bytes, would reset the connection and could destroy the answer before
     * the client reads it. HTTP/2 resets just the stream, with NO_ERROR after the complete
     * answer, which asks the client to stop sending (RFC 9113, 8.1).
     */
    private static void failAndClose(RoutingContext ctx, String requestId, ApiException e) {
        HttpServerRequest req = ctx.request();
        boolean unread = !req.isEnded();
        boolean http2 = req.version() == io.vertx.core.http.HttpVersion.HTTP_2;
        if (unread && !http2) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close")
                    .endHandler(v -> ctx.vertx().setTimer(LINGER_MS, t -> req.connection().close()));
            req.handler(dropped -> {});
            req.resume();
        }
        HttpApi.fail(ctx, requestId, e);
        if (unread && http2) ctx.response().reset(0);
    }
}
