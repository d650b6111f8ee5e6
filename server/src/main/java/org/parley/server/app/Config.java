package org.parley.server.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.parley.server.store.PostgresDatabase;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The node's configuration. Sources, later ones winning: built-in defaults, the YAML file
 * ({@code --config}), environment variables ({@code PARLEY_} + key upper-cased with dots as
 * underscores), command-line flags. Unknown keys and invalid values stop start-up with a
 * message naming the key.
 */
public record Config(
        String host,
        int port,
        Path dataDir,
        String store,
        String pgUrl,
        String pgUser,
        String pgPassword,
        String pgSchema,
        int pgPoolSize,
        int pgTimeoutSeconds,
        boolean devCodes,
        int codeTtlSeconds,
        int codeMaxAttempts,
        int codesPerPhonePerHour,
        int codesPerIpPerHour,
        int signInsPerIpPerHour,
        int lookupsPerUserPerHour,
        int wsPingIntervalSeconds,
        int wsIdleTimeoutSeconds,
        int wsMaxFrameBytes,
        int wsOutboundQueueBytes,
        int wsSyncBatch,
        int httpMaxBodyBytes,
        int groupsMaxMembers,
        int writerShards,
        int writerMaxBatch,
        int writerLingerMicros,
        Path mediaDir,
        int mediaMaxImageBytes,
        int mediaMaxVideoBytes,
        int mediaMaxVoiceBytes,
        int mediaMaxFileBytes,
        int mediaUrlTtlSeconds,
        String mediaUrlSecret,
        int mediaImageMaxSide,
        int mediaRetentionDays,
        int mediaUnattachedHours,
        int mediaSweepIntervalSeconds,
        boolean mediaDeleteAfterDownload,
        String mediaStore,
        String mediaS3Endpoint,
        String mediaS3Region,
        String mediaS3Bucket,
        String mediaS3Prefix,
        String mediaS3AccessKey,
        String mediaS3SecretKey,
        int pushGraceSeconds,
        int pushCollapseMillis,
        int pushRetryBaseMillis,
        int pushMaxAttempts,
        int pushTtlSeconds,
        int pushConcurrency,
        Path pushTrustCertFile,
        List<String> pushWebPushAllowedHosts,
        String pushWebPushSubject,
        String pushWebPushVapidPrivateKey,
        Path pushFcmServiceAccountFile,
        String pushFcmUrl,
        Path pushApnsKeyFile,
        String pushApnsKeyId,
        String pushApnsTeamId,
        String pushApnsUrl,
        Path webDir,
        int shutdownGraceSeconds) {

    /** A configuration problem, named by key; start-up stops with this message. */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    private record Key(String name, String defaultValue, String help) {}

    /** Every key with its default ("" = none) and what it means; docs/operations.md lists the same. */
    static final List<Key> KEYS = List.of(
            new Key("host", "0.0.0.0", "interface to listen on"),
            new Key("port", "8080", "HTTP and WebSocket port (0 = any free port)"),
            new Key("data.dir", "./data", "folder of the embedded store"),
            new Key("store", "sqlite", "sqlite (embedded) or postgres"),
            new Key("pg.url", "jdbc:postgresql://127.0.0.1:5432/parley", "PostgreSQL JDBC URL"),
            new Key("pg.user", "", "PostgreSQL user"),
            new Key("pg.password", "", "PostgreSQL password"),
            new Key("pg.schema", "", "schema for Parley's tables (created when missing)"),
            new Key("pg.poolSize", "16", "PostgreSQL connections"),
            new Key("pg.timeoutSeconds", Integer.toString(PostgresDatabase.DEFAULT_TIMEOUT_SECONDS), "a statement running longer is cancelled, a connection silent twice as long is closed (0 = never)"),
            new Key("auth.devCodes", "", "return sign-in codes in the response (default: true with sqlite, false with postgres)"),
            new Key("auth.codeTtlSeconds", "300", "how long a sign-in code is valid"),
            new Key("auth.codeMaxAttempts", "5", "wrong tries before a code is void"),
            new Key("auth.codesPerPhonePerHour", "5", "codes one phone may request per hour"),
            new Key("auth.codesPerIpPerHour", "20", "codes one client address may request per hour"),
            new Key("auth.signInsPerIpPerHour", "60", "sign-in attempts per client address per hour"),
            new Key("auth.lookupsPerUserPerHour", "600", "phone-number look-ups per user per hour"),
            new Key("ws.pingIntervalSeconds", "10", "server ping interval (less than ws.idleTimeoutSeconds: a device answering pings is never idle)"),
            new Key("ws.idleTimeoutSeconds", "30", "close a socket silent this long (its user goes offline, last seen = when it was last heard)"),
            new Key("ws.maxFrameBytes", "262144", "largest WebSocket message accepted"),
            new Key("ws.outboundQueueBytes", "1048576", "bytes queued to a socket before it counts as stalled and is closed"),
            new Key("ws.syncBatch", "1000", "messages per sync answer"),
            new Key("http.maxBodyBytes", "262144", "largest JSON request body"),
            new Key("groups.maxMembers", "100", "most members a group may have, its owner included"),
            new Key("writer.shards", "", "writer threads (default 1 with sqlite, 4 with postgres)"),
            new Key("writer.maxBatch", "512", "most writes committed in one transaction"),
            new Key("writer.lingerMicros", "0", "how long a writer waits for more writes before committing a short batch (0 = commit at once)"),
            new Key("media.dir", "", "folder of uploaded media and uploads in progress (default: <data.dir>/media)"),
            new Key("media.maxImageBytes", "16777216", "largest photo upload (16 MiB)"),
            new Key("media.maxVideoBytes", "104857600", "largest video upload (100 MiB)"),
            new Key("media.maxVoiceBytes", "16777216", "largest voice-note upload (16 MiB)"),
            new Key("media.maxFileBytes", "104857600", "largest file upload (100 MiB)"),
            new Key("media.urlTtlSeconds", "300", "how long a signed download URL is valid"),
            new Key("media.urlSecret", "", "key signing download URLs, at least 32 characters; the same on every node (default: generated into media.dir/url.key)"),
            new Key("media.imageMaxSide", "1600", "photos longer than this (pixels, longer side) are scaled down when stored"),
            new Key("media.retentionDays", "30", "media are deleted from the server this many days after upload, downloaded or not"),
            new Key("media.unattachedHours", "24", "an upload no message carries is deleted after this many hours"),
            new Key("media.sweepIntervalSeconds", "600", "how often retention runs"),
            new Key("media.deleteAfterDownload", "false", "delete media as soon as every recipient device has downloaded it whole"),
            new Key("media.store", "fs", "where media bytes live: fs (media.dir) or s3 (an S3-compatible bucket)"),
            new Key("media.s3.endpoint", "", "S3 endpoint URL, e.g. https://s3.eu-west-1.amazonaws.com or http://minio:9000 (media.store=s3)"),
            new Key("media.s3.region", "us-east-1", "S3 region"),
            new Key("media.s3.bucket", "", "S3 bucket (it must exist)"),
            new Key("media.s3.prefix", "", "prefix of Parley's object names in the bucket"),
            new Key("media.s3.accessKey", "", "S3 access key"),
            new Key("media.s3.secretKey", "", "S3 secret key"),
            new Key("push.graceSeconds", "5", "how long a connected device has to confirm delivery before the user's other devices are pushed"),
            new Key("push.collapseMillis", "1000", "how long after a message its push waits, so that a burst in one chat goes out as one notification"),
            new Key("push.retryBaseMillis", "2000", "first retry delay of a failed push; doubles each attempt (at most an hour), with jitter"),
            new Key("push.maxAttempts", "10", "attempts before a push job goes to the dead letters (push_dead)"),
            new Key("push.ttlSeconds", "86400", "how long a provider keeps a notification for an unreachable device"),
            new Key("push.concurrency", "64", "push requests in flight at once per node"),
            new Key("push.trustCertFile", "", "PEM certificates trusted for push requests besides the JDK's (a private relay)"),
            new Key("push.webPush.allowedHosts", "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,web.push.apple.com",
                    "Web Push services devices may register endpoints on (host or host:port, *.domain, comma-separated)"),
            new Key("push.webPush.subject", "mailto:admin@localhost", "VAPID contact (mailto: or https: URL) push services may use to reach the operator"),
            new Key("push.webPush.vapidPrivateKey", "", "VAPID private key (base64url: the 32-byte key web-push tools print, or PKCS#8), the same on every node (default: generated into data.dir/vapid.key)"),
            new Key("push.fcm.serviceAccountFile", "", "Firebase service-account JSON; FCM is off without it"),
            new Key("push.fcm.url", "https://fcm.googleapis.com", "FCM HTTP v1 API base URL"),
            new Key("push.apns.keyFile", "", "APNs auth key (.p8); APNs is off without it"),
            new Key("push.apns.keyId", "", "the .p8 key's id (required with push.apns.keyFile)"),
            new Key("push.apns.teamId", "", "Apple developer team id (required with push.apns.keyFile)"),
            new Key("push.apns.url", "https://api.push.apple.com", "APNs base URL (https://api.sandbox.push.apple.com for development builds)"),
            new Key("web.dir", "", "serve the browser client from this folder, read on every request (working on the client; default: the copy built into the node)"),
            new Key("shutdown.graceSeconds", "10", "time to finish in-flight work on SIGTERM"));

    public static List<String> keyNames() {
        return KEYS.stream().map(Key::name).toList();
    }

    public static String envName(String key) {
        return "PARLEY_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** Loads from an optional file, the environment and explicit overrides (from flags). */
    public static Config load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> values = new TreeMap<>();
        for (Key k : KEYS) if (!k.defaultValue().isEmpty()) values.put(k.name(), k.defaultValue());
        if (file != null) values.putAll(readFile(file));
        Map<String, String> byEnv = new LinkedHashMap<>();
        for (Key k : KEYS) byEnv.put(envName(k.name()), k.name());
        for (var e : env.entrySet()) {
            if (!e.getKey().startsWith("PARLEY_")) continue;
            String key = byEnv.get(e.getKey());
            if (key == null) throw new Invalid("unknown environment variable " + e.getKey() + " (known: " + String.join(", ", byEnv.keySet()) + ")");
            values.put(key, e.getValue());
        }
        for (var e : overrides.entrySet()) {
            requireKnown(e.getKey(), "command line");
            values.put(e.getKey(), e.getValue());
        }
        return from(values);
    }

    private static void requireKnown(String key, String where) {
        if (KEYS.stream().noneMatch(k -> k.name().equals(key))) {
            throw new Invalid("unknown config key '" + key + "' (" + where + "); known keys: " + String.join(", ", keyNames()));
        }
    }

    private static Map<String, String> readFile(Path file) {
        Object root;
        try (Reader reader = Files.newBufferedReader(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new Invalid("cannot read config file " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new Invalid("config file " + file + " is not valid YAML: " + e.getMessage());
        }
        Map<String, String> flat = new TreeMap<>();
        if (root == null) return flat;
        if (!(root instanceof Map<?, ?> map)) throw new Invalid("config file " + file + " must be a YAML mapping of keys");
        flatten("", map, flat, file);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> into, Path file) {
        for (var e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, into, file);
            } else {
                requireKnown(key, "in " + file);
                if (e.getValue() == null || e.getValue() instanceof List<?>) throw new Invalid("config key '" + key + "' needs a single value");
                into.put(key, String.valueOf(e.getValue()));
            }
        }
    }

    private static Config from(Map<String, String> v) {
        if (integer(v, "ws.pingIntervalSeconds", 1, 3600) >= integer(v, "ws.idleTimeoutSeconds", 2, 7200)) {
            throw new Invalid("config key 'ws.pingIntervalSeconds' (" + v.get("ws.pingIntervalSeconds") + ") must be less than 'ws.idleTimeoutSeconds' ("
                    + v.get("ws.idleTimeoutSeconds") + "): sockets answering every ping would be closed as idle");
        }
        String store = oneOf(v, "store", List.of("sqlite", "postgres"));
        boolean embedded = store.equals("sqlite");
        return new Config(
                text(v, "host"),
                integer(v, "port", 0, 65535),
                Path.of(text(v, "data.dir")),
                store,
                text(v, "pg.url"),
                optional(v, "pg.user"),
                optional(v, "pg.password"),
                schema(v, "pg.schema"),
                integer(v, "pg.poolSize", 1, 1000),
                integer(v, "pg.timeoutSeconds", 0, 3600),
                v.containsKey("auth.devCodes") ? bool(v, "auth.devCodes") : embedded,
                integer(v, "auth.codeTtlSeconds", 30, 86_400),
                integer(v, "auth.codeMaxAttempts", 1, 100),
                integer(v, "auth.codesPerPhonePerHour", 1, 1_000_000),
                integer(v, "auth.codesPerIpPerHour", 1, 1_000_000),
                integer(v, "auth.signInsPerIpPerHour", 1, 1_000_000),
                integer(v, "auth.lookupsPerUserPerHour", 1, 1_000_000),
                integer(v, "ws.pingIntervalSeconds", 1, 3600),
                integer(v, "ws.idleTimeoutSeconds", 2, 7200),
                integer(v, "ws.maxFrameBytes", 1024, 1 << 20),
                integer(v, "ws.outboundQueueBytes", 16 * 1024, 1 << 30),
                integer(v, "ws.syncBatch", 1, 100_000),
                integer(v, "http.maxBodyBytes", 1024, 1 << 24),
                integer(v, "groups.maxMembers", 2, 100_000),
                v.containsKey("writer.shards") ? integer(v, "writer.shards", 1, 64) : embedded ? 1 : 4,
                integer(v, "writer.maxBatch", 1, 10_000),
                integer(v, "writer.lingerMicros", 0, 100_000),
                v.containsKey("media.dir") && !v.get("media.dir").isBlank() ? Path.of(text(v, "media.dir")) : Path.of(text(v, "data.dir"), "media"),
                integer(v, "media.maxImageBytes", 1, Integer.MAX_VALUE),
                integer(v, "media.maxVideoBytes", 1, Integer.MAX_VALUE),
                integer(v, "media.maxVoiceBytes", 1, Integer.MAX_VALUE),
                integer(v, "media.maxFileBytes", 1, Integer.MAX_VALUE),
                integer(v, "media.urlTtlSeconds", 10, 7 * 86_400),
                secret(v, "media.urlSecret"),
                integer(v, "media.imageMaxSide", 320, 16_384),
                integer(v, "media.retentionDays", 1, 36_500),
                integer(v, "media.unattachedHours", 1, 8_760),
                integer(v, "media.sweepIntervalSeconds", 1, 86_400),
                bool(v, "media.deleteAfterDownload"),
                oneOf(v, "media.store", List.of("fs", "s3")),
                s3(v, "media.s3.endpoint"),
                text(v, "media.s3.region"),
                s3(v, "media.s3.bucket"),
                optional(v, "media.s3.prefix") == null ? "" : optional(v, "media.s3.prefix"),
                s3(v, "media.s3.accessKey"),
                s3(v, "media.s3.secretKey"),
                integer(v, "push.graceSeconds", 0, 3600),
                integer(v, "push.collapseMillis", 0, 60_000),
                integer(v, "push.retryBaseMillis", 100, 3_600_000),
                integer(v, "push.maxAttempts", 1, 100),
                integer(v, "push.ttlSeconds", 0, 2_419_200),
                integer(v, "push.concurrency", 1, 10_000),
                file(v, "push.trustCertFile"),
                hosts(v, "push.webPush.allowedHosts"),
                subject(v, "push.webPush.subject"),
                optional(v, "push.webPush.vapidPrivateKey"),
                file(v, "push.fcm.serviceAccountFile"),
                url(v, "push.fcm.url"),
                file(v, "push.apns.keyFile"),
                apns(v, "push.apns.keyId"),
                apns(v, "push.apns.teamId"),
                url(v, "push.apns.url"),
                folder(v, "web.dir"),
                integer(v, "shutdown.graceSeconds", 0, 600));
    }

    private static String text(Map<String, String> v, String key) {
        String s = v.get(key);
        if (s == null || s.isBlank()) throw new Invalid("config key '" + key + "' must not be empty");
        return s.trim();
    }

    /** An S3 setting: required when media.store is s3. */
    private static String s3(Map<String, String> v, String key) {
        String s = optional(v, key);
        if (s == null && "s3".equals(v.get("media.store"))) throw new Invalid("config key '" + key + "' is required with media.store=s3");
        if (s != null && key.equals("media.s3.endpoint") && !s.matches("https?://[^\\s/]+(/.*)?")) {
            throw new Invalid("config key '" + key + "' must be an http(s) URL, got '" + s + "'");
        }
        return s;
    }

    /** An optional file that must be readable when given. */
    private static Path file(Map<String, String> v, String key) {
        return existing(v, key, Files::isReadable, "cannot read");
    }

    /** An optional folder that must exist when given. */
    private static Path folder(Map<String, String> v, String key) {
        return existing(v, key, Files::isDirectory, "no such folder:");
    }

    private static Path existing(Map<String, String> v, String key, java.util.function.Predicate<Path> check, String otherwise) {
        String s = optional(v, key);
        if (s == null) return null;
        Path p = Path.of(s);
        if (!check.test(p)) throw new Invalid("config key '" + key + "': " + otherwise + " " + s);
        return p;
    }

    private static String url(Map<String, String> v, String key) {
        String s = text(v, key);
        if (!s.matches("https?://[^\\s/]+/?")) throw new Invalid("config key '" + key + "' must be a base URL like https://host[:port], got '" + s + "'");
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String subject(Map<String, String> v, String key) {
        String s = text(v, key);
        if (!s.startsWith("mailto:") && !s.startsWith("https://")) throw new Invalid("config key '" + key + "' must be a mailto: or https: URL");
        return s;
    }

    /** Required, with the others, once push.apns.keyFile is set. */
    private static String apns(Map<String, String> v, String key) {
        String s = optional(v, key);
        if (s == null && optional(v, "push.apns.keyFile") != null) throw new Invalid("config key '" + key + "' is required with push.apns.keyFile");
        if (s != null && !s.matches("[A-Z0-9]{10}")) throw new Invalid("config key '" + key + "' must be 10 characters A-Z 0-9, got '" + s + "'");
        return s;
    }

    private static List<String> hosts(Map<String, String> v, String key) {
        List<String> out = new java.util.ArrayList<>();
        for (String h : text(v, key).split(",")) {
            String host = h.trim().toLowerCase(Locale.ROOT);
            if (host.isEmpty()) continue;
            if (!host.matches("(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) throw new Invalid("config key '" + key + "': '" + host + "' is not a host, host:port or *.domain");
            out.add(host);
        }
        return List.copyOf(out);
    }

    private static String secret(Map<String, String> v, String key) {
        String s = optional(v, key);
        if (s != null && s.length() < 32) throw new Invalid("config key '" + key + "' must be at least 32 characters");
        return s;
    }

    private static String optional(Map<String, String> v, String key) {
        String s = v.get(key);
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static String schema(Map<String, String> v, String key) {
        String s = optional(v, key);
        if (s != null && !s.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new Invalid("config key '" + key + "' must be a lower-case SQL identifier (a-z, 0-9, _), got '" + s + "'");
        }
        return s;
    }

    private static String oneOf(Map<String, String> v, String key, List<String> allowed) {
        String s = text(v, key);
        if (!allowed.contains(s)) throw new Invalid("config key '" + key + "' must be one of " + allowed + ", got '" + s + "'");
        return s;
    }

    private static boolean bool(Map<String, String> v, String key) {
        return switch (text(v, key).toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new Invalid("config key '" + key + "' must be true or false, got '" + v.get(key) + "'");
        };
    }

    private static int integer(Map<String, String> v, String key, int min, int max) {
        return parse(v, key, s -> {
            int n = Integer.parseInt(s);
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        }, "an integer in " + min + ".." + max);
    }

    private static <T> T parse(Map<String, String> v, String key, Function<String, T> parser, String what) {
        String s = text(v, key);
        try {
            return parser.apply(s);
        } catch (RuntimeException e) {
            throw new Invalid("config key '" + key + "' must be " + what + ", got '" + s + "'");
        }
    }
}
