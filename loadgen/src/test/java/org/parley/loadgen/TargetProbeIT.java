package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code --target URL}: a run against it starts only when a Parley node answers there. */
class TargetProbeIT {
    private static HttpServer health(int status, String body) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health", x -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(status, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.start();
        return server;
    }

    @Test
    void aNodeThatIsUpIsTakenAndAnythingElseIsRefusedAtOnce() throws Exception {
        HttpServer up = health(200, "{\"status\":\"UP\",\"store\":\"sqlite\",\"node\":\"parley\",\"uptimeMs\":5}");
        HttpServer down = health(503, "{\"status\":\"DOWN\",\"store\":\"postgres\",\"node\":\"parley\"}");
        HttpServer other = health(404, "not here");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // nothing listens there once it is closed
        }
        try {
            assertThatCode(() -> NodeUnderTest.probe("http://127.0.0.1:" + up.getAddress().getPort())).doesNotThrowAnyException();
            assertThatCode(() -> NodeUnderTest.probe("http://127.0.0.1:" + up.getAddress().getPort() + "/")).doesNotThrowAnyException();
            assertThatThrownBy(() -> NodeUnderTest.probe("http://127.0.0.1:" + down.getAddress().getPort()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answered 503");
            assertThatThrownBy(() -> NodeUnderTest.probe("http://127.0.0.1:" + other.getAddress().getPort()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a Parley node that is up");
            assertThatThrownBy(() -> NodeUnderTest.probe("http://127.0.0.1:" + closed))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no node answers there");
        } finally {
            up.stop(0);
            down.stop(0);
            other.stop(0);
        }
    }
}
