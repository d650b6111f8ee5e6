package org.parley.server.push;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Web Push message encryption (RFC 8291: the aes128gcm content coding of RFC 8188 keyed by
 * ECDH with the subscriber's P-256 key and its auth secret), and the raw P-256 point format
 * those keys travel in, which the JDK neither reads nor writes.
 *
 * <p>A message is always one record: push services accept at most 4,096 bytes of body, so a
 * second record could never be sent.
 */
public final class WebPushCrypto {
    /** The record size written in the header; also the most a single record may hold. */
    public static final int RECORD_SIZE = 4096;
    /** An uncompressed P-256 point: 0x04 || X || Y. */
    public static final int POINT_BYTES = 65;
    public static final int AUTH_SECRET_BYTES = 16;
    private static final int SALT_BYTES = 16;
    private static final int TAG_BYTES = 16;
    private static final int COORDINATE_BYTES = 32;
    private static final int HEADER_BYTES = SALT_BYTES + 4 + 1 + POINT_BYTES;
    /** The largest plaintext a single record carries: the record less its delimiter and the GCM tag. */
    public static final int MAX_PLAINTEXT_BYTES = RECORD_SIZE - 1 - TAG_BYTES;
    private static final byte LAST_RECORD_DELIMITER = 2;

    private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0\1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0\1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FIRST_BLOCK = {1};

    static final ECParameterSpec P256 = namedCurve("secp256r1");
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebPushCrypto() {}

    /** The body of a push message to the subscriber with public key {@code uaPublic} and {@code authSecret}. */
    public static byte[] encrypt(byte[] plaintext, ECPublicKey uaPublic, byte[] authSecret) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return encrypt(plaintext, uaPublic, authSecret, newKeyPair(), salt);
    }

    /** With the sender's ephemeral key pair and the salt given, so a published test vector can be reproduced. */
    static byte[] encrypt(byte[] plaintext, ECPublicKey uaPublic, byte[] authSecret, KeyPair asKeys, byte[] salt) {
        if (plaintext.length > MAX_PLAINTEXT_BYTES)
            throw new IllegalArgumentException("push payload of " + plaintext.length + " bytes exceeds " + MAX_PLAINTEXT_BYTES);
        requireLength("auth secret", authSecret, AUTH_SECRET_BYTES);
        requireLength("salt", salt, SALT_BYTES);
        byte[] asPublic = encodePoint((ECPublicKey) asKeys.getPublic());
        try {
            ContentKeys keys = derive(ecdh(asKeys.getPrivate(), uaPublic), authSecret, encodePoint(uaPublic), asPublic, salt);
            byte[] record = Arrays.copyOf(plaintext, plaintext.length + 1);
            record[plaintext.length] = LAST_RECORD_DELIMITER;
            byte[] ciphertext = keys.cipher(Cipher.ENCRYPT_MODE).doFinal(record);
            return ByteBuffer.allocate(HEADER_BYTES + ciphertext.length).put(salt).putInt(RECORD_SIZE).put((byte) POINT_BYTES)
                    .put(asPublic).put(ciphertext).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a push message: " + e.getMessage(), e);
        }
    }

    /**
     * What the subscriber reads from {@code body}; the receiving half, for tests and stand-in
     * push services.
     *
     * @throws GeneralSecurityException if the body is malformed, is not for this subscriber, or was altered
     */
    public static byte[] decrypt(byte[] body, ECPrivateKey uaPrivate, ECPublicKey uaPublic, byte[] authSecret)
            throws GeneralSecurityException {
        if (body.length < HEADER_BYTES + TAG_BYTES + 1) throw new GeneralSecurityException("body of " + body.length + " bytes is too short");
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[SALT_BYTES];
        in.get(salt);
        long recordSize = Integer.toUnsignedLong(in.getInt());
        int idLength = in.get() & 0xff;
        if (idLength != POINT_BYTES) throw new GeneralSecurityException("key id of " + idLength + " bytes is not a P-256 point");
        byte[] asPublic = new byte[POINT_BYTES];
        in.get(asPublic);
        byte[] ciphertext = new byte[in.remaining()];
        in.get(ciphertext);
        if (ciphertext.length > recordSize) throw new GeneralSecurityException("more than one record (record size " + recordSize + ")");
        ECPublicKey sender;
        try {
            sender = decodePoint(asPublic);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("sender key: " + e.getMessage(), e);
        }
        ContentKeys keys = derive(ecdh(uaPrivate, sender), authSecret, encodePoint(uaPublic), asPublic, salt);
        byte[] record = keys.cipher(Cipher.DECRYPT_MODE).doFinal(ciphertext);
        int end = record.length - 1;
        while (end >= 0 && record[end] == 0) end--; // padding
        if (end < 0 || record[end] != LAST_RECORD_DELIMITER) throw new GeneralSecurityException("record does not end with the last-record delimiter");
        return Arrays.copyOf(record, end);
    }

    /** A fresh P-256 key pair, as a browser makes for a subscription and we make per message. */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /** The uncompressed point, as browsers give p256dh and take applicationServerKey. */
    public static byte[] encodePoint(ECPublicKey key) {
        byte[] out = new byte[POINT_BYTES];
        out[0] = 0x04;
        putUnsigned(key.getW().getAffineX(), out, 1);
        putUnsigned(key.getW().getAffineY(), out, 1 + COORDINATE_BYTES);
        return out;
    }

    /**
     * Reads an uncompressed point. Checks it lies on the curve itself rather than trusting the
     * provider to: ECDH with an off-curve point chosen by an attacker leaks bits of our key.
     */
    public static ECPublicKey decodePoint(byte[] point) {
        if (point.length != POINT_BYTES || point[0] != 0x04)
            throw new IllegalArgumentException("not an uncompressed P-256 point (" + point.length + " bytes)");
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + COORDINATE_BYTES));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 1 + COORDINATE_BYTES, POINT_BYTES));
        BigInteger p = ((ECFieldFp) P256.getCurve().getField()).getP();
        BigInteger rhs = x.pow(3).add(P256.getCurve().getA().multiply(x)).add(P256.getCurve().getB()).mod(p);
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0 || !y.multiply(y).mod(p).equals(rhs))
            throw new IllegalArgumentException("point is not on the P-256 curve");
        return publicKey(new ECPoint(x, y));
    }

    static ECPublicKey publicKey(ECPoint w) {
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key: " + e.getMessage(), e);
        }
    }

    /** CEK and nonce of RFC 8291 section 3.4; each HKDF expansion is a single HMAC block, truncated. */
    private static ContentKeys derive(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic, byte[] salt)
            throws GeneralSecurityException {
        byte[] prkKey = hmac(authSecret, ecdhSecret);
        byte[] ikm = hmac(prkKey, KEY_INFO, uaPublic, asPublic, FIRST_BLOCK);
        byte[] prk = hmac(salt, ikm);
        return new ContentKeys(Arrays.copyOf(hmac(prk, CEK_INFO), 16), Arrays.copyOf(hmac(prk, NONCE_INFO), 12));
    }

    private record ContentKeys(byte[] cek, byte[] nonce) {
        Cipher cipher(int mode) throws GeneralSecurityException {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            return c;
        }
    }

    private static byte[] ecdh(PrivateKey own, PublicKey peer) throws GeneralSecurityException {
        KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
        agreement.init(own);
        agreement.doPhase(peer, true);
        return agreement.generateSecret();
    }

    private static byte[] hmac(byte[] key, byte[]... parts) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        for (byte[] part : parts) mac.update(part);
        return mac.doFinal();
    }

    private static void requireLength(String what, byte[] value, int length) {
        if (value.length != length) throw new IllegalArgumentException(what + " is " + value.length + " bytes, not " + length);
    }

    /** Writes a coordinate as exactly 32 big-endian bytes (BigInteger may add a sign byte or drop leading zeros). */
    static void putUnsigned(BigInteger v, byte[] out, int offset) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, COORDINATE_BYTES);
        System.arraycopy(b, b.length - n, out, offset + COORDINATE_BYTES - n, n);
    }

    private static ECParameterSpec namedCurve(String name) {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(name));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
