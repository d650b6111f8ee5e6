package org.parley.server.push;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.parley.protocol.ApiException;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model;
import org.parley.protocol.Model.Message;
import org.parley.protocol.Requests.PushRegistration;
import org.parley.server.account.AccountStore;
import org.parley.server.auth.Principal;
import org.parley.server.chat.ChatStore;
import org.parley.server.message.MessageStore;
import org.parley.server.presence.Presence;
import org.parley.server.receipt.CursorStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push notifications to devices that are not connected. Registration of push addresses,
 * and the workers that take jobs from the {@link PushQueue}: a job is dropped when its user
 * already has the message (delivered cursor), the chat is muted or the user is in their
 * do-not-disturb window; it waits while one of the user's devices is connected and may
 * still confirm; otherwise one notification goes out per device and chat, however many
 * messages are due (a burst collapses, and the provider's collapse key replaces an older
 * notification of the chat).
 */
public final class PushService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushService.class);
    private static final int CLAIM = 200;
    /** Longer than a send can take (a token fetch and a request, 30 s each) for a whole claim. */
    private static final long LEASE_MS = 120_000;
    private static final long MAX_RETRY_AFTER_MS = Duration.ofHours(6).toMillis();
    private static final long POLL_MS = 250;
    private static final long MAX_BACKOFF_MS = Duration.ofHours(1).toMillis();

    /** Worker settings; see docs/operations.md (push.*). */
    public record Settings(long graceMillis, long collapseMillis, long retryBaseMillis, int maxAttempts, int ttlSeconds, int concurrency,
            List<String> allowedHosts) {}

    private final Map<PushEndpoint.Kind, PushSender> senders = new EnumMap<>(PushEndpoint.Kind.class);
    private final PushEndpointStore endpoints;
    private final PushQueue queue;
    private final AccountStore accounts;
    private final ChatStore chats;
    private final MessageStore messages;
    private final CursorStore cursors;
    private final Presence presence;
    private final VapidKeys vapid;
    private final Settings settings;
    private final Clock clock;
    private final AtomicLong deadLetters = new AtomicLong();
    private final MeterRegistry metrics;
    private final Thread worker;
    private volatile boolean closing;

    public PushService(List<PushSender> senders, PushEndpointStore endpoints, PushQueue queue, AccountStore accounts, ChatStore chats,
            MessageStore messages, CursorStore cursors, Presence presence, VapidKeys vapid, Settings settings, Clock clock,
            MeterRegistry metrics) {
        for (PushSender s : senders) this.senders.put(s.kind(), s);
        this.endpoints = endpoints;
        this.queue = queue;
        this.accounts = accounts;
        this.chats = chats;
        this.messages = messages;
        this.cursors = cursors;
        this.presence = presence;
        this.vapid = vapid;
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        deadLetters.set(queue.deadLetters());
        metrics.gauge("parley.push.dead.letters", deadLetters);
        this.worker = Thread.ofPlatform().name("push-worker").daemon(true).unstarted(this::run);
    }

    /** Starts taking jobs (jobs left by an earlier run, or another node, included). */
    public void start() {
        worker.start();
    }

    public Model.VapidKey vapidKey() {
        return new Model.VapidKey(vapid.publicKey());
    }

    /** PUT /v1/devices/current/push. */
    public void register(Principal p, PushRegistration r) {
        PushEndpoint.Kind kind = PushEndpoint.Kind.valueOf(r.type());
        if (!senders.containsKey(kind)) {
            throw new ApiException(ErrorCode.PUSH_PROVIDER_OFF, "this node has no " + kind + " credentials; use another push type");
        }
        if (kind == PushEndpoint.Kind.webPush) requireAllowed(r.endpoint());
        endpoints.put(new PushEndpoint(p.deviceId(), p.userId(), kind, r.endpoint(), r.p256dh(), r.auth(), r.token(), r.topic()), clock.millis());
    }

    /** DELETE /v1/devices/current/push. */
    public void unregister(Principal p) {
        endpoints.delete(p.deviceId());
    }

    /**
     * Only https URLs on the allowed push services: the node must not be made to send
     * requests to arbitrary addresses (its own network included).
     */
    private void requireAllowed(String endpoint) {
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (java.net.URISyntaxException e) {
            throw new ApiException(ErrorCode.PUSH_ENDPOINT_REJECTED, "endpoint is not a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new ApiException(ErrorCode.PUSH_ENDPOINT_REJECTED, "endpoint must be an https URL without user info");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        String hostPort = uri.getPort() < 0 ? host : host + ":" + uri.getPort();
        for (String allowed : settings.allowedHosts()) {
            if (allowed.equals(hostPort) || (uri.getPort() < 0 || uri.getPort() == 443) && allowed.equals(host)) return;
            if (allowed.startsWith("*.") && uri.getPort() < 0 && host.endsWith(allowed.substring(1))) return;
        }
        throw new ApiException(ErrorCode.PUSH_ENDPOINT_REJECTED, "push service " + hostPort + " is not allowed on this node");
    }

    // ---- workers ----

    private void run() {
        var pool = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("push-", 0).factory());
        var permits = new java.util.concurrent.Semaphore(settings.concurrency());
        long counted = System.nanoTime();
        while (!closing) {
            try {
                if (System.nanoTime() - counted > TimeUnit.MINUTES.toNanos(1)) { // operators delete dead letters by hand
                    deadLetters.set(queue.deadLetters());
                    counted = System.nanoTime();
                }
                long now = clock.millis();
                List<PushQueue.Job> jobs = queue.claim(now, CLAIM, now + LEASE_MS);
                if (jobs.isEmpty()) {
                    Thread.sleep(POLL_MS);
                    continue;
                }
                List<java.util.concurrent.Future<PushQueue.Settlement>> running = new ArrayList<>();
                for (PushQueue.Job job : jobs) {
                    permits.acquire();
                    running.add(pool.submit(() -> {
                        try {
                            return handle(job);
                        } catch (RuntimeException e) {
                            // counted as an attempt: a job that always fails ends in the dead letters, not in a loop
                            log.warn("push to device {} failed: {}", job.deviceId(), e.toString());
                            return failed(job, e.toString(), "unknown");
                        } finally {
                            permits.release();
                        }
                    }));
                }
                // Settled together: one transaction per claim, not one per job, beside the message writer.
                List<PushQueue.Settlement> settled = new ArrayList<>(running.size());
                for (var f : running) {
                    PushQueue.Settlement s = f.get();
                    if (s != null) settled.add(s);
                }
                queue.settle(settled);
            } catch (InterruptedException e) {
                break;
            } catch (Exception e) {
                log.warn("push worker: {}", e.toString()); // the leases bring the jobs back
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        pool.shutdownNow();
    }

    /** One device's job for one chat; null when the job went with its device's address. */
    private PushQueue.Settlement handle(PushQueue.Job job) throws InterruptedException {
        long now = clock.millis();
        long delivered = cursors.of(job.chatId(), job.userId()).map(CursorStore.Cursor::deliveredSeq).orElse(0L);
        if (delivered >= job.seq()) return done(job, now); // a device of the user has them already

        if (presence.online(job.userId()) && now < job.createdAt() + settings.graceMillis()) {
            // A connected device may still confirm delivery; wake the others only if none does in time.
            return new PushQueue.Settlement.Postpone(job, job.createdAt() + settings.graceMillis());
        }
        Long mutedUntil = chats.mutes(job.userId()).get(job.chatId());
        Model.Settings prefs = accounts.settings(job.userId()).orElse(null);
        var endpoint = endpoints.of(job.deviceId());
        if (prefs == null || endpoint.isEmpty() || mutedUntil != null && mutedUntil > now || inDnd(prefs.dnd(), now)) {
            count("suppressed", endpoint.map(e -> e.kind().name()).orElse("none"));
            return done(job, now);
        }
        String kind = endpoint.get().kind().name();
        PushSender sender = senders.get(endpoint.get().kind());
        if (sender == null) { // the provider was switched off since the device registered
            count("dead", kind);
            deadLetters.incrementAndGet();
            return new PushQueue.Settlement.Bury(job, now, kind + " is not configured on this node");
        }
        List<Message> latest = messages.after(job.chatId(), job.seq() - 1, 1);
        if (latest.isEmpty()) return done(job, now);
        int count = (int) Math.max(1, Math.min(job.pending(), job.seq() - delivered));
        Notification n = notification(latest.get(0), count, prefs.notificationPreviews());
        return switch (sender.send(endpoint.get(), n)) {
            case PushSender.Outcome.Delivered d -> {
                count("delivered", kind);
                yield done(job, now);
            }
            case PushSender.Outcome.Gone g -> {
                count("gone", kind);
                log.info("push address of device {} is gone ({}); removed", job.deviceId(), g.reason());
                endpoints.deleteIf(endpoint.get()); // its jobs go with it, unless the device registered anew meanwhile
                yield done(job, now);
            }
            case PushSender.Outcome.Retry r -> {
                if (job.attempts() + 1 >= settings.maxAttempts()) yield failed(job, r.reason(), kind);
                count("retry", kind);
                long wait = backoff(job.attempts() + 1);
                if (r.retryAfter() != null) wait = Math.max(wait, Math.min(MAX_RETRY_AFTER_MS, r.retryAfter().toMillis()));
                yield new PushQueue.Settlement.Retry(job, now + wait, r.reason());
            }
            case PushSender.Outcome.Failed f -> {
                count("dead", kind);
                log.warn("push to device {} refused: {}", job.deviceId(), f.reason());
                deadLetters.incrementAndGet();
                yield new PushQueue.Settlement.Bury(job, now, f.reason());
            }
        };
    }

    private PushQueue.Settlement done(PushQueue.Job job, long now) {
        return new PushQueue.Settlement.Done(job, now + settings.collapseMillis());
    }

    /** A retryable failure: again later, or into the dead letters once the attempts are used up. */
    private PushQueue.Settlement failed(PushQueue.Job job, String reason, String provider) {
        long now = clock.millis();
        if (job.attempts() + 1 >= settings.maxAttempts()) {
            count("dead", provider);
            deadLetters.incrementAndGet();
            return new PushQueue.Settlement.Bury(job, now, "gave up after " + (job.attempts() + 1) + " attempts: " + reason);
        }
        return new PushQueue.Settlement.Retry(job, now + backoff(job.attempts() + 1), reason);
    }

    /** Exponential from retryBaseMillis, capped at an hour, with jitter in its upper half so retries spread out. */
    long backoff(int attempts) {
        long exp = settings.retryBaseMillis() << Math.min(20, attempts - 1);
        long cap = Math.min(MAX_BACKOFF_MS, exp);
        return cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    }

    static boolean inDnd(Model.Dnd dnd, long now) {
        if (dnd == null) return false;
        ZonedDateTime t = java.time.Instant.ofEpochMilli(now).atZone(java.time.ZoneId.of(dnd.timeZone()));
        int minute = t.getHour() * 60 + t.getMinute();
        int from = Model.Dnd.minutes(dnd.from());
        int to = Model.Dnd.minutes(dnd.to());
        return from < to ? minute >= from && minute < to : minute >= from || minute < to;
    }

    private Notification notification(Message m, int count, boolean previews) {
        Map<String, String> data = Map.of("chatId", m.chatId(), "seq", Long.toString(m.seq()), "msgId", m.msgId(), "count",
                Integer.toString(count));
        String many = count == 1 ? "New message" : count + " new messages";
        if (!previews) return new Notification(m.chatId(), "Parley", many, data, settings.ttlSeconds());
        String sender = accounts.byId(m.senderId()).map(Model.User::displayName).orElse("Someone");
        var chat = chats.get(m.chatId()).orElse(null);
        boolean group = chat != null && chat.isGroup();
        String title = group ? chat.title() : sender;
        String text = preview(m);
        String body = (group ? sender + ": " : "") + text + (count > 1 ? " (" + many + ")" : "");
        return new Notification(m.chatId(), title, body, data, settings.ttlSeconds());
    }

    static String preview(Message m) {
        String text = m.text() == null ? "" : m.text().strip();
        String label = m.media() == null ? null : switch (m.media().kind()) {
            case "image" -> "📷 Photo";
            case "video" -> "🎥 Video";
            case "voice" -> "🎤 Voice message";
            default -> "📄 " + (m.media().fileName() == null ? "File" : m.media().fileName());
        };
        String out = label == null ? text : text.isEmpty() ? label : label + " " + text;
        return out.codePointCount(0, out.length()) > 200 ? out.substring(0, out.offsetByCodePoints(0, 199)) + "…" : out;
    }

    private void count(String outcome, String provider) {
        Counter.builder("parley.push.sends").tag("outcome", outcome).tag("provider", provider)
                .description("push jobs by outcome (delivered, retry, gone, dead, suppressed)").register(metrics).increment();
    }

    @Override
    public void close() {
        closing = true;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(5));
            if (worker.isAlive()) worker.interrupt(); // a provider that hangs must not hold up shutdown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
