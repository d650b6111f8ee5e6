package org.parley.server.transport.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The browser client (module {@code web}): its files served at the site root with strong
 * ETags and {@code Cache-Control: no-cache} (browsers revalidate, and a new release is seen at
 * once), under a strict Content-Security-Policy: scripts and styles only from this origin,
 * nothing inline. By default the files are read once from the classpath; with
 * {@code web.dir} they are read from that folder on every request (working on the client).
 */
public final class WebApp {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:;"
            + " connect-src 'self' ws: wss:; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none';"
            + " frame-ancestors 'none'; form-action 'self'";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "json", "application/json", "webmanifest", "application/manifest+json", "svg",
            "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "woff2", "font/woff2");

    private record Asset(Buffer bytes, String etag, String type) {}

    private final Map<String, Asset> bundled;
    private final Path dir;

    private WebApp(Map<String, Asset> bundled, Path dir) {
        this.bundled = bundled;
        this.dir = dir;
    }

    /** The client bundled in the jar, or, when {@code dir} is given, the files of that folder. */
    public static WebApp create(Path dir) {
        return dir != null ? new WebApp(Map.of(), dir.toAbsolutePath().normalize()) : new WebApp(loadBundled(), null);
    }

    public void install(Router router) {
        router.route(HttpMethod.GET, "/*").handler(this::serve);
        router.route(HttpMethod.HEAD, "/*").handler(this::serve);
    }

    private void serve(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (path.equals("/")) path = "/index.html";
        Asset asset = dir != null ? fromDisk(path) : bundled.get(path);
        if (asset == null) {
            ctx.next(); // the API's routes and its 404
            return;
        }
        var response = ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, asset.type())
                .putHeader(HttpHeaders.ETAG, asset.etag())
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin");
        if (asset.etag().equals(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
            response.setStatusCode(304).end();
        } else if (ctx.request().method() == HttpMethod.HEAD) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(asset.bytes().length())).end();
        } else {
            response.end(asset.bytes());
        }
    }

    /** A file under {@link #dir}, never outside it; null when there is none. */
    private Asset fromDisk(String path) {
        Path file = dir.resolve(path.substring(1)).normalize();
        if (!file.startsWith(dir) || !Files.isRegularFile(file)) return null;
        try {
            return asset(file.getFileName().toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<String, Asset> loadBundled() {
        URL index = WebApp.class.getClassLoader().getResource("web/index.html");
        if (index == null) return Map.of(); // a node built without the client answers the API only
        String folder = index.toString().substring(0, index.toString().length() - "index.html".length());
        try {
            if (folder.startsWith("jar:")) { // jar:file:/…/parley-web.jar!/web/
                int bang = folder.indexOf("!/");
                URI jar = new URI(folder.substring(0, bang));
                try (FileSystem fs = FileSystems.newFileSystem(jar, Map.of())) {
                    return walk(fs.getPath(folder.substring(bang + 1)));
                }
            }
            return walk(Path.of(new URI(folder)));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read the web client from the classpath: " + e.getMessage(), e);
        }
    }

    private static Map<String, Asset> walk(Path root) throws IOException {
        Map<String, Asset> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(f -> {
                String path = "/" + root.relativize(f).toString().replace('\\', '/');
                try {
                    out.put(path, asset(f.getFileName().toString(), Files.readAllBytes(f)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return Map.copyOf(out);
    }

    private static Asset asset(String name, byte[] bytes) {
        int dot = name.lastIndexOf('.');
        String type = TYPES.getOrDefault(dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT), "application/octet-stream");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new Asset(Buffer.buffer(bytes), "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"", type);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
