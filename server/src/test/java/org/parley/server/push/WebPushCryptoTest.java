package org.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class WebPushCryptoTest {
    private static final Base64.Decoder B64 = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** RFC 8291 section 5 (the values are repeated in its Appendix A). */
    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    private static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    private static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    private static final String AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    private static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    private static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    private static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    private static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A"
            + "_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    @Test
    void encryptsTheRfc8291ExampleByteForByte() {
        KeyPair sender = VapidKeys.fromScalar(new BigInteger(1, B64.decode(AS_PRIVATE)));
        assertThat(WebPushCrypto.encodePoint((ECPublicKey) sender.getPublic())).as("sender public key derived from its private key")
                .isEqualTo(B64.decode(AS_PUBLIC));

        byte[] body = WebPushCrypto.encrypt(PLAINTEXT.getBytes(StandardCharsets.UTF_8), WebPushCrypto.decodePoint(B64.decode(UA_PUBLIC)),
                B64.decode(AUTH), sender, B64.decode(SALT));

        assertThat(body).isEqualTo(B64.decode(BODY));
    }

    @Test
    void decryptsTheRfc8291Example() throws Exception {
        KeyPair receiver = VapidKeys.fromScalar(new BigInteger(1, B64.decode(UA_PRIVATE)));

        byte[] plaintext = WebPushCrypto.decrypt(B64.decode(BODY), (ECPrivateKey) receiver.getPrivate(),
                WebPushCrypto.decodePoint(B64.decode(UA_PUBLIC)), B64.decode(AUTH));

        assertThat(new String(plaintext, StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
    }

    @Test
    void whatIsEncryptedForASubscriberDecryptsWithItsKeys() throws Exception {
        KeyPair browser = WebPushCrypto.newKeyPair();
        byte[] auth = randomBytes(16);
        for (int size : new int[] {0, 1, 100, 3800, WebPushCrypto.MAX_PLAINTEXT_BYTES}) {
            byte[] plaintext = randomBytes(size);
            byte[] body = WebPushCrypto.encrypt(plaintext, (ECPublicKey) browser.getPublic(), auth);

            assertThat(body.length).as("fits one 4096-byte record plus header").isLessThanOrEqualTo(86 + WebPushCrypto.RECORD_SIZE);
            assertThat(WebPushCrypto.decrypt(body, (ECPrivateKey) browser.getPrivate(), (ECPublicKey) browser.getPublic(), auth))
                    .isEqualTo(plaintext);
        }
    }

    @Test
    void eachMessageHasItsOwnSaltAndSenderKey() {
        KeyPair browser = WebPushCrypto.newKeyPair();
        byte[] auth = randomBytes(16);
        byte[] plaintext = "same words".getBytes(StandardCharsets.UTF_8);

        byte[] first = WebPushCrypto.encrypt(plaintext, (ECPublicKey) browser.getPublic(), auth);
        byte[] second = WebPushCrypto.encrypt(plaintext, (ECPublicKey) browser.getPublic(), auth);

        assertThat(Arrays.copyOf(first, 16)).isNotEqualTo(Arrays.copyOf(second, 16));
        assertThat(Arrays.copyOfRange(first, 21, 86)).isNotEqualTo(Arrays.copyOfRange(second, 21, 86));
    }

    @Test
    void anAlteredBodyOrAnotherAuthSecretDoesNotDecrypt() {
        KeyPair browser = WebPushCrypto.newKeyPair();
        byte[] auth = randomBytes(16);
        byte[] body = WebPushCrypto.encrypt("hello".getBytes(StandardCharsets.UTF_8), (ECPublicKey) browser.getPublic(), auth);
        ECPrivateKey priv = (ECPrivateKey) browser.getPrivate();
        ECPublicKey pub = (ECPublicKey) browser.getPublic();

        byte[] altered = body.clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> WebPushCrypto.decrypt(altered, priv, pub, auth)).isInstanceOf(AEADBadTagException.class);
        assertThatThrownBy(() -> WebPushCrypto.decrypt(body, priv, pub, randomBytes(16))).isInstanceOf(AEADBadTagException.class);
        KeyPair stranger = WebPushCrypto.newKeyPair();
        assertThatThrownBy(() -> WebPushCrypto.decrypt(body, (ECPrivateKey) stranger.getPrivate(), (ECPublicKey) stranger.getPublic(), auth))
                .isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void refusesAPayloadThatDoesNotFitOneRecord() {
        KeyPair browser = WebPushCrypto.newKeyPair();
        assertThatThrownBy(() -> WebPushCrypto.encrypt(new byte[WebPushCrypto.MAX_PLAINTEXT_BYTES + 1], (ECPublicKey) browser.getPublic(),
                randomBytes(16))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds");
    }

    @Test
    void subscriberKeysMustBeUncompressedPointsOnTheCurve() {
        byte[] point = B64.decode(UA_PUBLIC);
        assertThat(WebPushCrypto.encodePoint(WebPushCrypto.decodePoint(point))).isEqualTo(point);

        byte[] offCurve = point.clone();
        offCurve[64] ^= 1;
        assertThatThrownBy(() -> WebPushCrypto.decodePoint(offCurve)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curve");
        byte[] compressed = Arrays.copyOf(point, 33);
        compressed[0] = 0x02;
        assertThatThrownBy(() -> WebPushCrypto.decodePoint(compressed)).isInstanceOf(IllegalArgumentException.class);
        byte[] wrongPrefix = point.clone();
        wrongPrefix[0] = 0x05;
        assertThatThrownBy(() -> WebPushCrypto.decodePoint(wrongPrefix)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pointsWithShortCoordinatesKeepTheirLength() {
        // About one key in 128 has a coordinate below 2^248; BigInteger drops its leading zero byte.
        for (int i = 0; i < 600; i++) {
            KeyPair k = WebPushCrypto.newKeyPair();
            byte[] encoded = WebPushCrypto.encodePoint((ECPublicKey) k.getPublic());
            assertThat(encoded).hasSize(65);
            assertThat(WebPushCrypto.decodePoint(encoded).getW()).isEqualTo(((ECPublicKey) k.getPublic()).getW());
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
