package org.parley.server.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Frames;
import org.parley.server.app.Config;

/** The protocol is documented beside the code: a route, frame, error code or config key missing from the docs fails the build. */
class RouteDocsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final List<String> NON_API_ROUTES = List.of("GET /health", "GET /metrics", "GET /v1/ws");

    private static List<String> routesInCode() {
        List<String> out = new ArrayList<>(NON_API_ROUTES);
        HttpApi api = new HttpApi(null, null, null, null, null, null, null, null, null, null, () -> false, 1024);
        for (HttpApi.Route r : api.routes()) out.add(r.method().name() + " " + r.path().replaceAll(":(\\w+)", "{$1}"));
        out.addAll(MediaHttp.ROUTES);
        return out;
    }

    @Test
    void everyRouteIsInProtocolMdAndNothingElse() throws Exception {
        String protocol = Files.readString(DOCS.resolve("PROTOCOL.md"));
        List<String> code = routesInCode();
        for (String route : code) assertThat(protocol).as("PROTOCOL.md documents " + route).contains("### `" + route + "`");
        Matcher m = Pattern.compile("^### `((?:GET|POST|PUT|PATCH|DELETE) [^`]+)`", Pattern.MULTILINE).matcher(protocol);
        while (m.find()) assertThat(code).as("documented route exists in code").contains(m.group(1));
    }

    @Test
    void everyApiRouteIsInOpenApi() throws Exception {
        String openapi = Files.readString(DOCS.resolve("openapi.yaml"));
        for (String route : routesInCode()) {
            if (route.equals("GET /v1/ws") || route.equals("GET /metrics") || route.equals("GET /health")) continue;
            String[] parts = route.split(" ");
            int at = openapi.indexOf("\n  " + parts[1] + ":");
            assertThat(at).as("openapi.yaml has path " + parts[1]).isGreaterThan(0);
            int next = openapi.indexOf("\n  /", at + 1);
            String block = openapi.substring(at, next < 0 ? openapi.length() : next);
            assertThat(block).as("openapi.yaml has " + route).contains("\n    " + parts[0].toLowerCase(Locale.ROOT) + ":");
        }
    }

    @Test
    void everyFrameTypeIsInProtocolMd() throws Exception {
        String protocol = Files.readString(DOCS.resolve("PROTOCOL.md"));
        List<String> types = new ArrayList<>();
        for (Class<?> root : List.of(Frames.ClientFrame.class, Frames.ServerFrame.class)) {
            for (JsonSubTypes.Type t : root.getAnnotation(JsonSubTypes.class).value()) {
                JsonTypeName name = t.value().getAnnotation(JsonTypeName.class);
                types.add(!t.name().isEmpty() ? t.name() : name.value());
            }
        }
        assertThat(types).contains("send", "message", "ack");
        for (String type : types) assertThat(protocol).as("PROTOCOL.md shows frame " + type).contains("\"type\":\"" + type + "\"");
    }

    @Test
    void everyErrorCodeIsInErrorsMd() throws Exception {
        String errors = Files.readString(DOCS.resolve("errors.md"));
        for (ErrorCode code : ErrorCode.values()) assertThat(errors).as("errors.md lists " + code).contains("`" + code.name() + "`");
    }

    @Test
    void everyConfigKeyIsInOperationsMd() throws Exception {
        String operations = Files.readString(DOCS.resolve("operations.md"));
        for (String key : Config.keyNames()) {
            assertThat(operations).as("operations.md lists " + key).contains("`" + key + "`").contains(Config.envName(key));
        }
    }
}
