package org.parley.server.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.parley.protocol.Model.Health;
import org.parley.server.account.AccountService;
import org.parley.server.account.LastSeenWriter;
import org.parley.server.account.SqlAccountStore;
import org.parley.server.account.SqlDeviceStore;
import org.parley.server.auth.AuthService;
import org.parley.server.auth.LogCodeSender;
import org.parley.server.auth.SqlCodeStore;
import org.parley.server.chat.ChatService;
import org.parley.server.chat.SqlChatStore;
import org.parley.server.delivery.Bus;
import org.parley.server.delivery.Event;
import org.parley.server.delivery.LocalBus;
import org.parley.server.group.GroupService;
import org.parley.server.message.MessageService;
import org.parley.server.message.SqlMessageStore;
import org.parley.server.ratelimit.RateLimiter;
import org.parley.server.receipt.ReceiptService;
import org.parley.server.receipt.SqlCursorStore;
import org.parley.server.store.Database;
import org.parley.server.store.GroupCommit;
import org.parley.server.store.PostgresDatabase;
import org.parley.server.store.SqliteDatabase;
import org.parley.server.media.Blobs;
import org.parley.server.media.FsBlobs;
import org.parley.server.media.S3Blobs;
import org.parley.server.media.MediaService;
import org.parley.server.media.SqlMediaStore;
import org.parley.server.media.UrlSigner;
import org.parley.server.presence.LocalPresence;
import org.parley.server.presence.PresenceService;
import org.parley.server.push.ApnsSender;
import org.parley.server.push.FcmSender;
import org.parley.server.push.PushHttp;
import org.parley.server.push.PushSender;
import org.parley.server.push.PushService;
import org.parley.server.push.SqlPushEndpointStore;
import org.parley.server.push.SqlPushQueue;
import org.parley.server.push.VapidKeys;
import org.parley.server.push.WebPushSender;
import org.parley.server.transport.http.HttpApi;
import org.parley.server.transport.http.MediaHttp;
import org.parley.server.transport.ws.Connections;
import org.parley.server.transport.ws.WsEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: one running node, wired explicitly from its {@link Config}. */
public final class Node implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Config config;
    private final Database db;
    private Blobs blobs;
    private MediaService media;
    private final Vertx vertx;
    private final ExecutorService blocking;
    private final MessageService messages;
    private final ReceiptService receipts;
    private final LastSeenWriter lastSeen;
    /** Users' last seen, written when their last socket closes (so closed after the event loops at shutdown). */
    private final LastSeenWriter usersLastSeen;
    private final Connections connections;
    private final PushService push;
    private final Bus bus;
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final int port;
    private final long startedAt;

    private Node(Config config, Clock clock, UnaryOperator<VertxOptions> tuning) {
        this.config = config;
        this.startedAt = clock.millis();
        this.db = openDatabase(config);
        // What runs threads of its own, newest first: a constructor that fails stops them again.
        java.util.Deque<AutoCloseable> started = new java.util.ArrayDeque<>();
        try {
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            new JvmMemoryMetrics().bindTo(metrics);
            new JvmThreadMetrics().bindTo(metrics);
            new ProcessorMetrics().bindTo(metrics);
            Ids ids = new Ids(clock);
            this.blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("work-", 0).factory());
            started.push(blocking::shutdownNow);
            this.bus = new LocalBus();

            var accounts = new SqlAccountStore(db);
            var devices = new SqlDeviceStore(db);
            var chatStore = new SqlChatStore(db);
            var messageStore = new SqlMessageStore(db, config.pushCollapseMillis());
            var cursorStore = new SqlCursorStore(db);
            var mediaStore = new SqlMediaStore(db);
            var limiter = new RateLimiter();
            var auth = new AuthService(new AuthService.Settings(config.devCodes(), Duration.ofSeconds(config.codeTtlSeconds()),
                    config.codeMaxAttempts(),
                    new RateLimiter.Policy("codes-per-phone", config.codesPerPhonePerHour(), Duration.ofHours(1)),
                    new RateLimiter.Policy("codes-per-ip", config.codesPerIpPerHour(), Duration.ofHours(1)),
                    new RateLimiter.Policy("sign-ins-per-ip", config.signInsPerIpPerHour(), Duration.ofHours(1))),
                    new SqlCodeStore(db), new LogCodeSender(), accounts, devices, limiter, ids, clock);
            var accountService = new AccountService(accounts, devices, limiter,
                    new RateLimiter.Policy("lookups-per-user", config.lookupsPerUserPerHour(), Duration.ofHours(1)));
            var chats = new ChatService(chatStore, accounts, messageStore, cursorStore, ids, clock);
            this.receipts = new ReceiptService(cursorStore, chats, messageStore, bus, clock, config.writerShards(), config.writerMaxBatch(),
                    config.writerLingerMicros(), observer(metrics, "cursors", null));
            started.push(receipts);
            this.messages = new MessageService(db, messageStore, chats, receipts, mediaStore, bus, ids, clock, config.writerShards(),
                    config.writerMaxBatch(), config.writerLingerMicros(), observer(metrics, "messages",
                            Counter.builder("parley.messages.in").description("sends committed by the writer, repeated clientMsgIds included").register(metrics)));
            started.push(messages);
            Gauge.builder("parley.syncs.waiting", messages, MessageService::syncsWaiting)
                    .description("syncs waiting for their turn at the store").register(metrics);
            this.usersLastSeen = new LastSeenWriter("users", accounts::setLastSeen, config.writerMaxBatch(), observer(metrics, "users", null));
            started.push(usersLastSeen);
            var presence = new LocalPresence(accounts, usersLastSeen, blocking);
            var presenceService = new PresenceService(presence, accounts, chatStore, chats);
            presence.onChange((user, state) ->
                    bus.publish(new Event.PresenceChanged(user, state.online(), state.lastSeen(), state.version(), false)));
            this.connections = new Connections(metrics, presence, presenceService);
            var vapid = VapidKeys.loadOrCreate(config.dataDir(), config.pushWebPushVapidPrivateKey());
            this.push = new PushService(pushSenders(config, vapid, clock), new SqlPushEndpointStore(db), new SqlPushQueue(db), accounts, chatStore,
                    messageStore, cursorStore, presence, vapid,
                    new PushService.Settings(config.pushGraceSeconds() * 1000L, config.pushCollapseMillis(), config.pushRetryBaseMillis(), config.pushMaxAttempts(),
                            config.pushTtlSeconds(), config.pushConcurrency(), config.pushWebPushAllowedHosts()), clock, metrics);
            var groups = new GroupService(chatStore, chats, accounts, messages, receipts, bus, ids, clock, config.groupsMaxMembers());
            bus.subscribe(e -> { // before the sockets hear of it: they must see the new rule
                if (e instanceof Event.PresenceChanged p && p.settingsChanged()) presenceService.forget(p.userId());
            });
            bus.subscribe(connections::deliver);
            bus.subscribe(e -> {
                if (e instanceof Event.MembershipChanged m) chats.invalidate(m.chatId());
            });
            bus.subscribe(e -> {
                if (e instanceof Event.DeviceSignedOut s) auth.forget(s.deviceId());
            });

            var api = new HttpApi(auth, accountService, chats, groups, messages, receipts, presenceService, push, bus, blocking, shuttingDown::get, config.httpMaxBodyBytes());
            try {
                this.blobs = config.mediaStore().equals("s3")
                        ? new S3Blobs(java.net.URI.create(config.mediaS3Endpoint()), config.mediaS3Region(), config.mediaS3Bucket(),
                                config.mediaS3Prefix(), config.mediaS3AccessKey(), config.mediaS3SecretKey())
                        : new FsBlobs(config.mediaDir().resolve("blobs"));
                this.media = new MediaService(mediaStore, blobs,
                        new UrlSigner(MediaService.urlKey(config.mediaDir(), config.mediaUrlSecret())),
                        new MediaService.Limits(config.mediaMaxImageBytes(), config.mediaMaxVideoBytes(), config.mediaMaxVoiceBytes(),
                                config.mediaMaxFileBytes()),
                        config.mediaDir().resolve("uploads"), config.mediaUrlTtlSeconds(), config.mediaImageMaxSide(), ids, clock);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot use media.dir " + config.mediaDir() + ": " + e.getMessage(), e);
            }
            var web = org.parley.server.transport.http.WebApp.create(config.webDir());
            var mediaHttp = new MediaHttp(auth, media, blocking, shuttingDown::get);
            this.lastSeen = new LastSeenWriter("devices", devices::touch, config.writerMaxBatch(), observer(metrics, "devices", null));
            started.push(lastSeen);
            var ws = new WsEndpoint(auth, lastSeen, messages, receipts, presenceService, chats, bus, connections, blocking, shuttingDown::get, clock,
                    config.wsMaxFrameBytes(), config.wsSyncBatch(), config.wsOutboundQueueBytes(), config.wsPingIntervalSeconds());

            this.vertx = Vertx.vertx(tuning.apply(new VertxOptions().setPreferNativeTransport(true)));
            started.push(vertx::close);
            if (vertx.isNativeTransportEnabled()) {
                log.info("network transport: native (epoll)");
            } else {
                log.info("network transport: Java NIO ({})", String.valueOf(vertx.unavailableNativeTransportCause()));
            }
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(config.host())
                    .setTcpNoDelay(true)
                    // sockets negotiate no WebSocket extension (see WsChannel), so no connection needs their handler
                    .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false)
                    // a connection silent this long is closed: a stalled upload or download ends (sockets are pinged far more often)
                    .setIdleTimeout(Math.max(120, 4 * config.wsPingIntervalSeconds())).setIdleTimeoutUnit(TimeUnit.SECONDS);
            int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
            AtomicInteger boundPort = new AtomicInteger(config.port());
            java.util.function.Supplier<Router> routers = () -> {
                Router router = Router.router(vertx);
                router.get(WsEndpoint.PATH).handler(ws::handle);
                router.get("/health").handler(ctx -> {
                    if (shuttingDown.get()) {
                        ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                                .end(org.parley.protocol.WireJson.encode(new Health("DOWN", db.kind(), "parley", System.currentTimeMillis() - startedAt)));
                        return;
                    }
                    var context = vertx.getOrCreateContext();
                    blocking.execute(() -> {
                        boolean up = !shuttingDown.get() && db.ping();
                        Health health = new Health(up ? "UP" : "DOWN", db.kind(), "parley", System.currentTimeMillis() - startedAt);
                        context.runOnContext(v -> ctx.response().setStatusCode(up ? 200 : 503)
                                .putHeader("Content-Type", "application/json").end(org.parley.protocol.WireJson.encode(health)));
                    });
                });
                router.get("/metrics").handler(ctx -> ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
                mediaHttp.install(router); // before the JSON body handler: these stream
                web.install(router); // the browser client at the site root; other paths fall through to the API
                api.install(router);
                return router;
            };
            // One server per event loop, all on one port (with port 0, one random port).
            deploy(options, routers, boundPort, instances);
            this.port = boundPort.get();
            long pingMs = config.wsPingIntervalSeconds() * 1000L;
            long idleMs = config.wsIdleTimeoutSeconds() * 1000L;
            vertx.setPeriodic(pingMs, pingMs, id -> connections.heartbeat(idleMs, true));
            // silence is noticed within a few seconds of the timeout, whatever the ping interval
            long checkMs = Math.max(1000, Math.min(5000, idleMs / 3));
            vertx.setPeriodic(checkMs, checkMs, id -> connections.heartbeat(idleMs, false));
            push.start();
            started.push(push);
            long sweepMs = config.mediaSweepIntervalSeconds() * 1000L;
            var sweeping = new java.util.concurrent.atomic.AtomicBoolean();
            vertx.setPeriodic(sweepMs, sweepMs, id -> {
                if (!sweeping.compareAndSet(false, true)) return; // the last one is still running
                try {
                    blocking.execute(() -> {
                        try {
                            media.sweep(Duration.ofDays(config.mediaRetentionDays()), Duration.ofHours(config.mediaUnattachedHours()),
                                    config.mediaDeleteAfterDownload());
                        } catch (Exception e) {
                            log.warn("media retention failed: {}", e.toString());
                        } finally {
                            sweeping.set(false);
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    sweeping.set(false); // shutting down
                }
            });
        } catch (RuntimeException | Error e) {
            for (AutoCloseable c : started) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            db.close();
            throw e;
        }
    }

    private void deploy(HttpServerOptions options, java.util.function.Supplier<Router> routers, AtomicInteger port, int instances) {
        Future<String> deployed = vertx.deployVerticle(() -> new VerticleBase() {
            @Override
            public Future<?> start() {
                // listen(port) alone would take 0.0.0.0 whatever options.host says. Port 0 would give each
                // instance a random port of its own, one event loop each; a negative port is one random port they share.
                return vertx.createHttpServer(options).requestHandler(routers.get()).listen(config.port() == 0 ? -1 : config.port(), config.host())
                        .onSuccess(s -> port.set(s.actualPort()));
            }
        }, new DeploymentOptions().setInstances(instances));
        try {
            deployed.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on " + options.getHost() + ":" + port.get() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    private static GroupCommit.Observer observer(PrometheusMeterRegistry metrics, String writer, Counter items) {
        Timer commits = Timer.builder("parley.store.commit").tag("writer", writer)
                .description("time to commit one batch durably").publishPercentiles(0.5, 0.99).register(metrics);
        DistributionSummary sizes = DistributionSummary.builder("parley.store.batch.size").tag("writer", writer)
                .description("writes per committed batch").register(metrics);
        return (size, nanos) -> {
            commits.record(nanos, TimeUnit.NANOSECONDS);
            sizes.record(size);
            if (items != null) items.increment(size);
        };
    }

    /** Web Push always (its keys are the node's own); FCM and APNs when their credentials are configured. */
    private static java.util.List<PushSender> pushSenders(Config config, VapidKeys vapid, Clock clock) {
        var http = PushHttp.client(config.pushTrustCertFile());
        var senders = new java.util.ArrayList<PushSender>();
        senders.add(new WebPushSender(http, vapid, config.pushWebPushSubject(), clock));
        if (config.pushFcmServiceAccountFile() != null) {
            senders.add(new FcmSender(http, FcmSender.ServiceAccount.read(config.pushFcmServiceAccountFile()), java.net.URI.create(config.pushFcmUrl()),
                    clock));
        }
        if (config.pushApnsKeyFile() != null) {
            senders.add(new ApnsSender(http, java.net.URI.create(config.pushApnsUrl()), ApnsSender.readKey(config.pushApnsKeyFile()),
                    config.pushApnsKeyId(), config.pushApnsTeamId(), clock));
        }
        log.info("push providers: {}", senders.stream().map(x -> x.kind().name()).toList());
        return senders;
    }

    private static Database openDatabase(Config config) {
        return switch (config.store()) {
            case "sqlite" -> SqliteDatabase.open(config.dataDir());
            case "postgres" -> PostgresDatabase.open(config.pgUrl(), config.pgUser(), config.pgPassword(), config.pgSchema(),
                    config.pgPoolSize(), config.pgTimeoutSeconds());
            default -> throw new Config.Invalid("config key 'store': unknown store " + config.store());
        };
    }

    public static Node start(Config config) {
        return start(config, Clock.systemUTC());
    }

    public static Node start(Config config, Clock clock) {
        return new Node(config, clock, UnaryOperator.identity());
    }

    /** For tests: {@code tuning} adjusts Vert.x, e.g. a stricter blocked-event-loop check. */
    public static Node start(Config config, Clock clock, UnaryOperator<VertxOptions> tuning) {
        return new Node(config, clock, tuning);
    }

    public int port() {
        return port;
    }

    public Config config() {
        return config;
    }

    /**
     * Graceful stop: refuse new work, close sockets with 1001, let queued writes commit and
     * in-flight requests answer, then close the servers and the store.
     */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) return;
        shuttingDown.set(true);
        log.info("shutting down: closing sockets, flushing pending writes");
        connections.closeAll();
        long deadline = System.currentTimeMillis() + 2_000;
        while (connections.size() > 0 && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // In-flight requests finish first (the writers still commit for them), then the writers
        // commit whatever is still queued.
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(config.shutdownGraceSeconds(), TimeUnit.SECONDS)) {
                log.warn("in-flight requests still running after {} s; stopping anyway", config.shutdownGraceSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        push.close();
        media.close(); // ffmpeg runs of requests the grace period cut short would outlive the JVM
        messages.close();
        receipts.close();
        lastSeen.close();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("event loops did not stop cleanly: {}", e.toString());
        }
        usersLastSeen.close(); // after the event loops: sockets that outlived the wait above go offline as they stop
        bus.close();
        if (blobs instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("blob store did not close cleanly: {}", e.toString());
            }
        }
        db.close();
        log.info("stopped");
    }
}
