package org.parley.server.media;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Short-lived download URLs: HMAC-SHA256 over media id, user and expiry. */
public final class UrlSigner {
    private final SecretKeySpec key;

    public UrlSigner(byte[] secret) {
        if (secret.length < 32) throw new IllegalArgumentException("the media URL secret must be at least 32 bytes");
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    public String sign(String mediaId, String userId, long expiresAtSeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] sig = mac.doFinal((mediaId + "\n" + userId + "\n" + expiresAtSeconds).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of a presented signature with the right one. */
    public boolean verify(String mediaId, String userId, long expiresAtSeconds, String signature) {
        if (signature == null) return false;
        return MessageDigest.isEqual(sign(mediaId, userId, expiresAtSeconds).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }
}
