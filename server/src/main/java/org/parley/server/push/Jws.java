package org.parley.server.push;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** Compact JWS (RFC 7515) signing for the providers' tokens: VAPID and APNs (ES256), Google OAuth (RS256). */
final class Jws {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private Jws() {}

    /** {@code header}'s "alg" must be ES256 or RS256 and match {@code key}. */
    static String sign(ObjectNode header, ObjectNode claims, PrivateKey key) throws GeneralSecurityException {
        String signingInput = BASE64URL.encodeToString(header.toString().getBytes(UTF_8)) + "."
                + BASE64URL.encodeToString(claims.toString().getBytes(UTF_8));
        Signature signature = Signature.getInstance(switch (header.path("alg").asText()) {
            case "ES256" -> "SHA256withECDSAinP1363Format"; // JWS wants the raw r||s pair (RFC 7518 §3.4), not DER
            case "RS256" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported JWS alg " + header.path("alg").asText());
        });
        signature.initSign(key);
        signature.update(signingInput.getBytes(US_ASCII));
        return signingInput + "." + BASE64URL.encodeToString(signature.sign());
    }
}
