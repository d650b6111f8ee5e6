package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node serves the browser client at its root, revalidated by ETag, under a strict CSP, without shadowing the API. */
class WebAppIT {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(TestNode node, String path, Map<String, String> headers) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(node.uri() + path));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theClientIsServedWithItsSecurityHeadersAndTheApiIsUntouched() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            var page = get(node, "/", Map.of());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(page.body()).contains("<script type=\"module\"").doesNotContain("<script>");
            String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("script-src 'self'").contains("object-src 'none'").doesNotContain("unsafe-inline");
            assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
            String etag = page.headers().firstValue("ETag").orElseThrow();
            assertThat(get(node, "/", Map.of("If-None-Match", etag)).statusCode()).as("revalidated, not sent again").isEqualTo(304);

            var script = get(node, "/js/main.js", Map.of());
            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
            assertThat(get(node, "/sw.js", Map.of()).statusCode()).as("the service worker, at the root scope").isEqualTo(200);

            var api = get(node, "/v1/chats", Map.of());
            assertThat(api.statusCode()).isEqualTo(401);
            assertThat(api.body()).contains("UNAUTHENTICATED");
            var missing = get(node, "/no-such-file.js", Map.of());
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("NOT_FOUND");
        }
    }

    @Test
    void aClientFolderOnDiskIsServedAndNothingOutsideIt() throws Exception {
        Path dir = Files.createTempDirectory("parley-web");
        Files.writeString(dir.resolve("index.html"), "<!doctype html><title>dev</title>");
        Path secret = dir.getParent().resolve("secret-" + dir.getFileName() + ".txt");
        Files.writeString(secret, "not for the web");
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE, Map.of("web.dir", dir.toString()))) {
            assertThat(get(node, "/", Map.of()).body()).contains("<title>dev</title>");
            Files.writeString(dir.resolve("index.html"), "<!doctype html><title>edited</title>");
            assertThat(get(node, "/", Map.of()).body()).as("read on every request").contains("<title>edited</title>");
            assertThat(get(node, "/../secret-" + dir.getFileName() + ".txt", Map.of()).statusCode()).isEqualTo(404);
            assertThat(get(node, "/%2e%2e/secret-" + dir.getFileName() + ".txt", Map.of()).statusCode()).isEqualTo(404);
        } finally {
            TempDirs.delete(dir);
            Files.deleteIfExists(secret);
        }
    }
}
