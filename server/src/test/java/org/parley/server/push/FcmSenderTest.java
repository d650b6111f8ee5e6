package org.parley.server.push;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FcmSenderTest {
    @TempDir
    Path dir;

    @Test
    void aServiceAccountFileIsRead() throws Exception {
        Path file = write(accountJson(rsaPem(), "\"token_uri\": \"https://oauth2.googleapis.com/token\""));

        FcmSender.ServiceAccount account = FcmSender.ServiceAccount.read(file);

        assertThat(account.projectId()).isEqualTo("parley-test");
        assertThat(account.clientEmail()).isEqualTo("push@parley-test.iam.gserviceaccount.com");
        assertThat(account.tokenUri()).hasToString("https://oauth2.googleapis.com/token");
        assertThat(account.privateKey().getAlgorithm()).isEqualTo("RSA");
        assertThat(account.toString()).doesNotContain("PRIVATE").doesNotContain("privateKey");
    }

    @Test
    void aMissingFieldIsNamedWithTheConfigKey() throws Exception {
        Path file = write(accountJson(rsaPem(), "\"unused\": 1"));

        assertThatThrownBy(() -> FcmSender.ServiceAccount.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("push.fcm.serviceAccountFile").hasMessageContaining("token_uri");
    }

    @Test
    void aMissingFileIsNamedWithTheConfigKey() {
        assertThatThrownBy(() -> FcmSender.ServiceAccount.read(dir.resolve("absent.json"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("push.fcm.serviceAccountFile").hasMessageContaining("absent.json");
    }

    @Test
    void aBrokenFileDoesNotEchoTheKey() throws Exception {
        String base64Key = rsaPem().replace("-----BEGIN PRIVATE KEY-----\\n", "").substring(0, 64);
        // an unquoted value: Jackson's own message would quote it
        Path file = write("{\"type\": \"service_account\",\n \"private_key\": " + base64Key + "}");

        assertThatThrownBy(() -> FcmSender.ServiceAccount.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("push.fcm.serviceAccountFile").hasMessageContaining("not JSON (line 2)")
                .hasMessageNotContaining(base64Key.substring(0, 20));
    }

    @Test
    void aKeyThatIsNotPkcs8IsRefused() throws Exception {
        Path file = write(accountJson("-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\n-----END RSA PRIVATE KEY-----\\n",
                "\"token_uri\": \"https://oauth2.googleapis.com/token\""));

        assertThatThrownBy(() -> FcmSender.ServiceAccount.read(file)).hasMessageContaining("push.fcm.serviceAccountFile")
                .hasMessageContaining("PKCS#8");
    }

    @Test
    void theMessageCarriesEveryPlatformsCollapseAndTtl() {
        JsonNode message = FcmSender.message("reg-token",
                new Notification("chat-" + "x".repeat(100), "Alice", "Hi", Map.of("seq", "7", "chatId", "c"), 90 * 24 * 3600)).path("message");

        assertThat(message.path("token").asText()).isEqualTo("reg-token");
        assertThat(message.at("/data/seq").asText()).isEqualTo("7");
        assertThat(message.at("/android/ttl").asText()).isEqualTo(28 * 24 * 3600 + "s");
        assertThat(message.at("/webpush/headers/TTL").asText()).isEqualTo(Integer.toString(28 * 24 * 3600));
        assertThat(message.at("/android/collapse_key").asText()).hasSize(105);
        assertThat(message.at("/apns/headers/apns-collapse-id").asText().getBytes(UTF_8)).hasSize(64);
        assertThat(message.at("/apns/headers/apns-priority").asText()).isEqualTo("10");
    }

    @Test
    void anAccessTokenNeverShowsItsValue() {
        var token = new FcmSender.AccessToken("ya29.secret-bearer", java.time.Instant.EPOCH, true);

        assertThat(token.toString()).doesNotContain("ya29").doesNotContain("secret");
        assertThat(token.wasAccepted()).isFalse();
        token.accepted();
        assertThat(token.wasAccepted()).isTrue();
    }

    private Path write(String json) throws Exception {
        Path file = dir.resolve("service-account.json");
        Files.writeString(file, json);
        return file;
    }

    private static String accountJson(String pemWithEscapedNewlines, String lastField) {
        return """
                {"type": "service_account", "project_id": "parley-test", "private_key": "%s",
                 "client_email": "push@parley-test.iam.gserviceaccount.com", %s}
                """.formatted(pemWithEscapedNewlines, lastField);
    }

    private static String rsaPem() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(UTF_8)).encodeToString(rsa.generateKeyPair().getPrivate().getEncoded());
        String pem = "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
        return pem.replace("\n", "\\n"); // as it sits inside a JSON string
    }
}
