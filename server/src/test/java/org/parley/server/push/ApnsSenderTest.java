package org.parley.server.push;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.protocol.WireJson;

class ApnsSenderTest {
    @TempDir
    Path dir;

    @Test
    void anAppleP8KeyIsRead() throws Exception {
        Path p8 = writePem("EC", "secp256r1");

        assertThat(ApnsSender.readKey(p8).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    }

    @Test
    void aKeyOnAnotherCurveIsRefusedNamingTheConfigKey() throws Exception {
        Path p8 = writePem("EC", "secp384r1");

        assertThatThrownBy(() -> ApnsSender.readKey(p8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("push.apns.keyFile").hasMessageContaining("P-256");
    }

    @Test
    void anRsaKeyIsRefused() throws Exception {
        Path p8 = writePem("RSA", null);

        assertThatThrownBy(() -> ApnsSender.readKey(p8)).hasMessageContaining("push.apns.keyFile");
    }

    @Test
    void aMissingKeyFileIsNamedWithTheConfigKey() {
        assertThatThrownBy(() -> ApnsSender.readKey(dir.resolve("AuthKey_X.p8"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("push.apns.keyFile").hasMessageContaining("AuthKey_X.p8");
    }

    @Test
    void dataTravelsBesideApsAndCannotReplaceIt() throws Exception {
        JsonNode payload = WireJson.mapper().readTree(ApnsSender.payload(
                new Notification("chat-1", "Alice", "Hi", Map.of("chatId", "chat-1", "aps", "spoofed"), 60)));

        assertThat(payload.at("/aps/alert/body").asText()).isEqualTo("Hi");
        assertThat(payload.get("chatId").asText()).isEqualTo("chat-1");
        assertThat(payload.get("aps").isObject()).isTrue();
    }

    @Test
    void aLongBodyIsCutToFitFourKilobytesEvenWhenItNeedsEscaping() throws Exception {
        String body = "\"quoted\" ✓ ".repeat(1000);

        String payload = ApnsSender.payload(new Notification("chat-1", "Alice", body, Map.of(), 60));

        assertThat(payload.getBytes(UTF_8).length).isLessThanOrEqualTo(ApnsSender.MAX_PAYLOAD_BYTES).isGreaterThan(4000);
        String sent = WireJson.mapper().readTree(payload).at("/aps/alert/body").asText();
        assertThat(sent).endsWith("…");
        assertThat(body).startsWith(sent.substring(0, sent.length() - 1));
    }

    @Test
    void aPayloadTooBigWithoutAnyBodyIsNotSent() {
        var hugeData = Map.of("blob", "x".repeat(5000));

        assertThat(ApnsSender.payload(new Notification("chat-1", "Alice", "Hi", hugeData, 60))).isNull();
    }

    @Test
    void aRefusalOfAnOldProviderTokenDoesNotDropItsSuccessor() throws Exception {
        Path p8 = writePem("EC", "secp256r1");
        var tokens = new ApnsSender.ProviderTokens(ApnsSender.readKey(p8), "ABC123DEFG", "DEF123GHIJ", Clock.systemUTC());
        String first = tokens.current();
        assertThat(tokens.current()).isEqualTo(first);

        tokens.refused(first);
        String second = tokens.current();
        tokens.refused(first); // another send that carried the first token, answered late

        assertThat(second).isNotEqualTo(first);
        assertThat(tokens.current()).isEqualTo(second);
    }

    private Path writePem(String algorithm, String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (curve != null) generator.initialize(new ECGenParameterSpec(curve));
        else generator.initialize(2048);
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
        Path file = dir.resolve("AuthKey_ABC123DEFG.p8");
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n");
        return file;
    }
}
