package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VapidKeysTest {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    @TempDir
    Path dataDir;

    @Test
    void aNewKeyIsKeptOwnerOnlyAndReusedOnTheNextStart() throws Exception {
        VapidKeys first = VapidKeys.loadOrCreate(dataDir, null);
        VapidKeys second = VapidKeys.loadOrCreate(dataDir, null);

        assertThat(second.publicKey()).isEqualTo(first.publicKey());
        assertThat(second.privateKey().getS()).isEqualTo(first.privateKey().getS());
        Path file = dataDir.resolve(VapidKeys.FILE_NAME);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(dataDir)) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void theDataDirectoryIsMadeWhenMissing() {
        VapidKeys keys = VapidKeys.loadOrCreate(dataDir.resolve("not/yet"), null);
        assertThat(Files.exists(dataDir.resolve("not/yet").resolve(VapidKeys.FILE_NAME))).isTrue();
        assertThat(keys.publicKey()).isNotEmpty();
    }

    @Test
    void thePublicKeyIsTheUncompressedPointBrowsersTake() {
        VapidKeys keys = VapidKeys.loadOrCreate(dataDir, null);
        byte[] point = Base64.getUrlDecoder().decode(keys.publicKey());

        assertThat(keys.publicKey()).hasSize(87).doesNotContain("=", "+", "/");
        assertThat(point).hasSize(65);
        assertThat(point[0]).isEqualTo((byte) 0x04);
        assertThat(WebPushCrypto.decodePoint(point).getW()).isEqualTo(keys.ecPublicKey().getW());
    }

    @Test
    void aConfiguredRawKeyGivesTheSamePublicKeyTheJdkMadeWithIt() throws Exception {
        for (int i = 0; i < 20; i++) {
            KeyPair jdk = p256Pair();
            String raw = B64.encodeToString(unsigned32(((ECPrivateKey) jdk.getPrivate()).getS()));

            VapidKeys keys = VapidKeys.loadOrCreate(dataDir, raw);

            assertThat(keys.ecPublicKey().getW()).isEqualTo(((ECPublicKey) jdk.getPublic()).getW());
            assertThat(keys.publicKey()).isEqualTo(B64.encodeToString(WebPushCrypto.encodePoint((ECPublicKey) jdk.getPublic())));
        }
        assertThat(Files.exists(dataDir.resolve(VapidKeys.FILE_NAME))).as("a configured key writes no file").isFalse();
    }

    @Test
    void aConfiguredPkcs8KeyIsAcceptedToo() throws Exception {
        KeyPair jdk = p256Pair();
        VapidKeys keys = VapidKeys.loadOrCreate(dataDir, B64.encodeToString(jdk.getPrivate().getEncoded()));
        assertThat(keys.ecPublicKey().getW()).isEqualTo(((ECPublicKey) jdk.getPublic()).getW());
    }

    @Test
    void theKeyPairSignsWhatItsPublicKeyVerifies() throws Exception {
        VapidKeys keys = VapidKeys.loadOrCreate(dataDir, B64.encodeToString(unsigned32(((ECPrivateKey) p256Pair().getPrivate()).getS())));
        byte[] data = "header.claims".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(keys.privateKey());
        signer.update(data);
        byte[] signature = signer.sign();

        Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(WebPushCrypto.decodePoint(Base64.getUrlDecoder().decode(keys.publicKey())));
        verifier.update(data);
        assertThat(verifier.verify(signature)).isTrue();
    }

    @Test
    void theStoredPrivateKeyCanBeGivenToOtherNodesThroughConfig() throws Exception {
        VapidKeys generated = VapidKeys.loadOrCreate(dataDir, null);
        String stored = Files.readAllLines(dataDir.resolve(VapidKeys.FILE_NAME)).stream().filter(l -> l.startsWith("privateKey="))
                .findFirst().orElseThrow().substring("privateKey=".length());

        assertThat(VapidKeys.loadOrCreate(dataDir.resolve("other-node"), stored).publicKey()).isEqualTo(generated.publicKey());
    }

    @Test
    void aConfiguredKeyWinsOverAGeneratedFile() throws Exception {
        VapidKeys generated = VapidKeys.loadOrCreate(dataDir, null);
        KeyPair jdk = p256Pair();

        VapidKeys configured = VapidKeys.loadOrCreate(dataDir, B64.encodeToString(unsigned32(((ECPrivateKey) jdk.getPrivate()).getS())));

        assertThat(configured.ecPublicKey().getW()).isEqualTo(((ECPublicKey) jdk.getPublic()).getW());
        assertThat(VapidKeys.loadOrCreate(dataDir, null).publicKey()).as("the file is left alone").isEqualTo(generated.publicKey());
    }

    @Test
    void edgeScalarsGiveKnownPoints() {
        ECPoint g = WebPushCrypto.P256.getGenerator();
        BigInteger n = WebPushCrypto.P256.getOrder();
        BigInteger p = ((ECFieldFp) WebPushCrypto.P256.getCurve().getField()).getP();

        assertThat(VapidKeys.multiplyGenerator(BigInteger.ONE)).isEqualTo(g);
        assertThat(VapidKeys.multiplyGenerator(n.subtract(BigInteger.ONE))).as("-G")
                .isEqualTo(new ECPoint(g.getAffineX(), p.subtract(g.getAffineY())));
    }

    @Test
    void anUnusableConfiguredKeyIsRefusedNamingTheConfigKey() throws Exception {
        byte[] n = unsigned32(WebPushCrypto.P256.getOrder());
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        String[] bad = {
            "not base64 at all!",
            "",
            B64.encodeToString(new byte[31]),
            B64.encodeToString(new byte[32]), // zero
            B64.encodeToString(n), // the group order itself
            B64.encodeToString(p384.generateKeyPair().getPrivate().getEncoded()),
        };
        for (String value : bad) {
            assertThatThrownBy(() -> VapidKeys.loadOrCreate(dataDir, value)).as(value)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("push.webPush.vapidPrivateKey");
        }
        assertThat(Files.exists(dataDir.resolve(VapidKeys.FILE_NAME))).isFalse();
    }

    @Test
    void aDamagedKeyFileIsReportedNotReplaced() throws Exception {
        Path file = dataDir.resolve(VapidKeys.FILE_NAME);
        Files.writeString(file, "privateKey=garbage\n");

        assertThatThrownBy(() -> VapidKeys.loadOrCreate(dataDir, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("damaged");
        assertThat(Files.readString(file)).isEqualTo("privateKey=garbage\n");
    }

    @Test
    void theKeyNeverAppearsInItsStringForm() {
        VapidKeys keys = VapidKeys.loadOrCreate(dataDir, null);
        String raw = B64.encodeToString(unsigned32(keys.privateKey().getS()));
        assertThat(keys.toString()).contains(keys.publicKey()).doesNotContain(raw);
    }

    private static KeyPair p256Pair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static byte[] unsigned32(BigInteger v) {
        byte[] out = new byte[32];
        WebPushCrypto.putUnsigned(v, out, 0);
        return out;
    }
}
