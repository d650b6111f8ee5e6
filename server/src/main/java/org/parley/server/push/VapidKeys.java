package org.parley.server.push;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's VAPID key pair (RFC 8292), which signs every Web Push request. Browsers bind each
 * subscription to its public key (the applicationServerKey), so the key must outlive restarts
 * and be the same on every node of a cluster: replacing it silently breaks every subscription.
 * It comes from {@value #CONFIG_KEY} when set, else from {@value #FILE_NAME} in the data
 * directory, made on first start.
 */
public final class VapidKeys {
    public static final String CONFIG_KEY = "push.webPush.vapidPrivateKey";
    public static final String FILE_NAME = "vapid.key";
    private static final Logger log = LoggerFactory.getLogger(VapidKeys.class);
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final ECPrivateKey privateKey;
    private final ECPublicKey publicKey;
    private final String publicKeyText;

    private VapidKeys(KeyPair pair) {
        this.privateKey = (ECPrivateKey) pair.getPrivate();
        this.publicKey = (ECPublicKey) pair.getPublic();
        this.publicKeyText = BASE64URL.encodeToString(WebPushCrypto.encodePoint(publicKey));
    }

    /**
     * @param configuredPrivateKey the value of {@value #CONFIG_KEY}, or null when unset: base64url
     *     of the 32-byte private scalar (as web-push libraries print it) or of its PKCS#8 DER
     * @throws IllegalArgumentException if the configured key is not a P-256 private key
     * @throws IllegalStateException if the key file exists but cannot be read as one
     */
    public static VapidKeys loadOrCreate(Path dataDir, String configuredPrivateKey) {
        Path file = dataDir.resolve(FILE_NAME);
        if (configuredPrivateKey == null) return Files.exists(file) ? read(file) : create(file);
        VapidKeys configured;
        try {
            configured = new VapidKeys(parsePrivateKey(configuredPrivateKey));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CONFIG_KEY + " is not a usable VAPID key (" + e.getMessage()
                    + "): give the base64url of the 32-byte P-256 private key, as web-push libraries print it, or of its PKCS#8 DER", e);
        }
        if (Files.exists(file)) warnIfReplaced(file, configured);
        return configured;
    }

    /** Switching to a configured key after running on a generated one orphans the subscriptions made meanwhile. */
    private static void warnIfReplaced(Path file, VapidKeys configured) {
        try {
            String stored = read(file).publicKey();
            if (!stored.equals(configured.publicKey()))
                log.warn("{} overrides the different VAPID key in {}: browsers subscribed with that key get no pushes until they subscribe again",
                        CONFIG_KEY, file);
        } catch (IllegalStateException e) {
            // a damaged file no longer matters: the configured key is used
        }
    }

    /** Base64url (no padding) of the uncompressed public point: what browsers take as applicationServerKey. */
    public String publicKey() {
        return publicKeyText;
    }

    public ECPrivateKey privateKey() {
        return privateKey;
    }

    public ECPublicKey ecPublicKey() {
        return publicKey;
    }

    @Override
    public String toString() {
        return "VapidKeys[publicKey=" + publicKeyText + "]"; // never the private half
    }

    static KeyPair parsePrivateKey(String text) {
        byte[] der;
        try {
            // Standard base64 too: keys pasted from openssl output are a common slip.
            der = Base64.getUrlDecoder().decode(text.strip().replace('+', '-').replace('/', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64url");
        }
        if (der.length == 32) return fromScalar(new BigInteger(1, der));
        try {
            if (!(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der)) instanceof ECPrivateKey key) || !isP256(key.getParams()))
                throw new IllegalArgumentException("not a P-256 key");
            return fromScalar(key.getS());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(der.length + " bytes, neither a raw private key nor PKCS#8");
        }
    }

    /** The key pair of a private scalar d; the JDK cannot derive the public point d·G, so we do. */
    static KeyPair fromScalar(BigInteger d) {
        if (d.signum() <= 0 || d.compareTo(WebPushCrypto.P256.getOrder()) >= 0) throw new IllegalArgumentException("private key out of range");
        try {
            ECPrivateKey priv = (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, WebPushCrypto.P256));
            return new KeyPair(WebPushCrypto.publicKey(multiplyGenerator(d)), priv);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * d·G by double-and-add in affine coordinates. Not constant time: it runs once at startup
     * on the operator's own key, where no one can time it.
     */
    static ECPoint multiplyGenerator(BigInteger d) {
        ECPoint g = WebPushCrypto.P256.getGenerator();
        BigInteger[] sum = null; // the point at infinity
        BigInteger[] power = {g.getAffineX(), g.getAffineY()};
        for (int i = 0; i < d.bitLength(); i++) {
            if (d.testBit(i)) sum = add(sum, power);
            power = add(power, power);
        }
        if (sum == null) throw new IllegalArgumentException("private key is a multiple of the group order");
        return new ECPoint(sum[0], sum[1]);
    }

    private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
        if (p == null) return q;
        if (q == null) return p;
        BigInteger prime = ((ECFieldFp) WebPushCrypto.P256.getCurve().getField()).getP();
        BigInteger slope;
        if (p[0].equals(q[0])) {
            if (p[1].add(q[1]).mod(prime).signum() == 0) return null; // P + (-P)
            BigInteger a = WebPushCrypto.P256.getCurve().getA();
            slope = p[0].pow(2).multiply(BigInteger.valueOf(3)).add(a).multiply(p[1].shiftLeft(1).modInverse(prime)).mod(prime);
        } else {
            slope = q[1].subtract(p[1]).multiply(q[0].subtract(p[0]).modInverse(prime)).mod(prime);
        }
        BigInteger x = slope.pow(2).subtract(p[0]).subtract(q[0]).mod(prime);
        BigInteger y = slope.multiply(p[0].subtract(x)).subtract(p[1]).mod(prime);
        return new BigInteger[] {x, y};
    }

    private static boolean isP256(ECParameterSpec params) {
        ECParameterSpec p256 = WebPushCrypto.P256;
        return params.getCurve().equals(p256.getCurve()) && params.getGenerator().equals(p256.getGenerator())
                && params.getOrder().equals(p256.getOrder());
    }

    private static VapidKeys read(Path file) {
        Map<String, String> fields = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) fields.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
            warnIfReadableByOthers(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the VAPID key " + file + ": " + e.getMessage(), e);
        }
        String privateText = fields.get("privateKey");
        VapidKeys keys;
        try {
            if (privateText == null) throw new IllegalArgumentException("no privateKey line");
            keys = new VapidKeys(parsePrivateKey(privateText));
        } catch (IllegalArgumentException e) {
            throw damaged(file, e.getMessage());
        }
        String publicText = fields.get("publicKey");
        if (publicText != null && !publicText.equals(keys.publicKey())) throw damaged(file, "publicKey does not match privateKey");
        return keys;
    }

    private static IllegalStateException damaged(Path file, String why) {
        // Not replaced automatically: a new key would silently break every browser subscription.
        return new IllegalStateException("the VAPID key " + file + " is damaged (" + why + "); restore it from a backup, or delete it to make a"
                + " new one (every browser must then subscribe again), or set " + CONFIG_KEY);
    }

    private static VapidKeys create(Path file) {
        VapidKeys keys = new VapidKeys(WebPushCrypto.newKeyPair());
        String text = "# VAPID key pair of this Parley node (RFC 8292). Keep it secret and back it up: browsers' push\n"
                + "# subscriptions are bound to the public key. Nodes of one cluster need the same key: give them\n"
                + "# privateKey as " + CONFIG_KEY + ".\n"
                + "privateKey=" + BASE64URL.encodeToString(rawScalar(keys.privateKey)) + "\n"
                + "publicKey=" + keys.publicKey() + "\n";
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = createOwnerOnly(dir);
            try {
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                    out.force(true);
                }
                publish(temp, file);
            } finally {
                Files.deleteIfExists(temp);
            }
            syncDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            return read(file); // another node sharing this directory made it first
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the VAPID key " + file + ": " + e.getMessage(), e);
        }
        log.info("made a new VAPID key in {}, public key {}", file, keys.publicKey());
        return keys;
    }

    /** The private key as web-push libraries print it, so it can be copied into {@value #CONFIG_KEY}. */
    private static byte[] rawScalar(ECPrivateKey key) {
        byte[] out = new byte[32];
        WebPushCrypto.putUnsigned(key.getS(), out, 0);
        return out;
    }

    private static Path createOwnerOnly(Path dir) throws IOException {
        try {
            return Files.createTempFile(dir, ".vapid", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            return Files.createTempFile(dir, ".vapid", ".tmp"); // not POSIX: the directory's ACLs govern
        }
    }

    /** A hard link, unlike a rename, never replaces a key file another node made meanwhile. */
    private static void publish(Path temp, Path file) throws IOException {
        try {
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot sync a directory; the file itself is already on disk.
        }
    }

    private static void warnIfReadableByOthers(Path file) throws IOException {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(perms)) log.warn("the VAPID key {} is readable by others ({}); chmod 600 it", file, PosixFilePermissions.toString(perms));
        } catch (UnsupportedOperationException e) {
            // not POSIX
        }
    }
}
