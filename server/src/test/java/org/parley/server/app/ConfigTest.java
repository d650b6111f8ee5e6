package org.parley.server.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreTheEmbeddedSetup() {
        Config c = Config.load(null, Map.of(), Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.store()).isEqualTo("sqlite");
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.devCodes()).as("dev codes on for the embedded run").isTrue();
        assertThat(c.writerShards()).isEqualTo(1);
        assertThat(c.pgTimeoutSeconds()).as("no call waits on PostgreSQL for ever").isEqualTo(30);
        assertThat(Config.load(null, Map.of("PARLEY_PG_TIMEOUTSECONDS", "0"), Map.of()).pgTimeoutSeconds()).isZero();
        assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("pg.timeoutSeconds", "-1")))
                .hasMessageContaining("'pg.timeoutSeconds' must be an integer in 0..3600");
        assertThat(Config.load(null, Map.of(), Map.of("store", "postgres")).devCodes()).as("off with postgres").isFalse();
    }

    @Test
    void fileThenEnvironmentThenFlags() throws Exception {
        Path file = dir.resolve("parley.yaml");
        Files.writeString(file, """
                port: 9000
                auth:
                  devCodes: false
                  codeTtlSeconds: 120
                ws:
                  pingIntervalSeconds: 10
                """);
        Config fromFile = Config.load(file, Map.of(), Map.of());
        assertThat(fromFile.port()).isEqualTo(9000);
        assertThat(fromFile.devCodes()).isFalse();
        assertThat(fromFile.codeTtlSeconds()).isEqualTo(120);
        assertThat(fromFile.wsPingIntervalSeconds()).isEqualTo(10);

        Config env = Config.load(file, Map.of("PARLEY_PORT", "9100", "PARLEY_AUTH_DEVCODES", "true", "PARLEY_DATA_DIR", "/tmp/x",
                "HOME", "/root"), Map.of());
        assertThat(env.port()).isEqualTo(9100);
        assertThat(env.devCodes()).isTrue();
        assertThat(env.dataDir()).isEqualTo(Path.of("/tmp/x"));

        Config flags = Config.load(file, Map.of("PARLEY_PORT", "9100"), Map.of("port", "9200"));
        assertThat(flags.port()).isEqualTo(9200);
    }

    @Test
    void everyKeyHasAnEnvironmentName() {
        assertThat(Config.envName("auth.devCodes")).isEqualTo("PARLEY_AUTH_DEVCODES");
        assertThat(Config.envName("data.dir")).isEqualTo("PARLEY_DATA_DIR");
        assertThat(Config.envName("port")).isEqualTo("PARLEY_PORT");
    }

    @Test
    void unknownOrInvalidSettingsNameTheKey() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "auth:\n  devCode: true\n");
        assertThatThrownBy(() -> Config.load(file, Map.of(), Map.of())).isInstanceOf(Config.Invalid.class).hasMessageContaining("'auth.devCode'");
        assertThatThrownBy(() -> Config.load(null, Map.of("PARLEY_PROT", "1"), Map.of())).hasMessageContaining("PARLEY_PROT");
        assertThatThrownBy(() -> Config.load(null, Map.of("PARLEY_PORT", "eighty"), Map.of())).hasMessageContaining("'port'").hasMessageContaining("eighty");
        assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("port", "70000"))).hasMessageContaining("'port'");
        assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("store", "mongo"))).hasMessageContaining("'store'");
        assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("auth.devCodes", "yes"))).hasMessageContaining("'auth.devCodes'");
        Path notYaml = dir.resolve("broken.yaml");
        Files.writeString(notYaml, "port: [1, 2\n");
        assertThatThrownBy(() -> Config.load(notYaml, Map.of(), Map.of())).isInstanceOf(Config.Invalid.class);
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- port\n");
        assertThatThrownBy(() -> Config.load(list, Map.of(), Map.of())).hasMessageContaining("mapping");
    }
}
