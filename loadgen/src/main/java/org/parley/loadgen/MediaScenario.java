package org.parley.loadgen;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * media: --clients parallel transfers of files of --media-size bytes (random bytes, uploaded as
 * application/octet-stream, so no processing: the figures are the transfer path), for
 * --duration seconds of uploads, then every uploaded file downloaded whole through its signed
 * URL and checked for its length. Reports uploads (throughputPerS = uploads a second, and
 * MiB/s) and downloads; latencies are per transfer.
 */
final class MediaScenario extends Scenario {
    private String token;
    private byte[] content;
    private HttpClient http;

    MediaScenario(Options o, NodeUnderTest node) {
        super(o, node);
    }

    @Override
    void setUp() throws Exception {
        Accounts accounts = new Accounts(node.uri());
        token = accounts.signUp(1).get(0).token();
        content = new byte[o.mediaSize()];
        ThreadLocalRandom.current().nextBytes(content);
        http = httpClient(new HttpClientOptions().setDefaultHost(node.uri().getHost()).setDefaultPort(node.uri().getPort()).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(o.clients()));
    }

    @Override
    Result run(double rate, int warmupS, int durationS) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Histogram up = new Histogram(3_600_000_000L, 3);
        LongAdder errors = new LongAdder();
        long started = System.nanoTime();
        transfer(durationS, () -> {
            // each upload a distinct content, or the store would keep one blob: flip the first bytes
            byte[] body = content.clone();
            long n = System.nanoTime();
            for (int i = 0; i < 8; i++) body[i] = (byte) (n >>> (8 * i));
            return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/media")
                            .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/octet-stream"))
                    .compose(req -> req.send(Buffer.buffer(body)))
                    .compose(res -> res.body().map(b -> {
                        if (res.statusCode() != 201) throw new IllegalStateException("upload answered " + res.statusCode() + " " + b);
                        ids.add(Frames.string(b.toString(), "mediaId"));
                        return null;
                    }));
        }, up, errors);
        double upSeconds = (System.nanoTime() - started) / 1e9;
        Double upCpu = node.cpuPercentSinceMark();
        long uploads = up.getTotalCount();
        System.err.printf("  uploads: %,d of %,d bytes in %.1f s = %.1f/s, %.1f MiB/s, p50 %.1f ms, p99 %.1f ms, node CPU %.0f%%%n", uploads,
                content.length, upSeconds, uploads / upSeconds, uploads * (double) content.length / upSeconds / (1 << 20),
                up.getValueAtPercentile(50) / 1000.0, up.getValueAtPercentile(99) / 1000.0, upCpu == null ? -1 : upCpu);

        Histogram down = new Histogram(3_600_000_000L, 3);
        LongAdder wrong = new LongAdder();
        List<String> toFetch = new ArrayList<>(ids);
        var next = new java.util.concurrent.atomic.AtomicInteger();
        long downStart = System.nanoTime();
        transfer(600, () -> {
            int i = next.getAndIncrement();
            if (i >= toFetch.size()) return null;
            return http.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/media/" + toFetch.get(i))
                            .putHeader("Authorization", "Bearer " + token))
                    .compose(req -> req.send())
                    .compose(res -> {
                        String url = res.getHeader("Location");
                        if (res.statusCode() != 302 || url == null) return Future.failedFuture("locate answered " + res.statusCode());
                        return http.request(HttpMethod.GET, url).compose(req -> req.send()).compose(r -> r.body().map(b -> {
                            if (r.statusCode() != 200 || b.length() != content.length) wrong.increment();
                            return null;
                        }));
                    });
        }, down, errors);
        double downSeconds = (System.nanoTime() - downStart) / 1e9;
        long downloads = down.getTotalCount();
        System.err.printf("  downloads: %,d in %.1f s = %.1f/s, %.1f MiB/s, p50 %.1f ms, p99 %.1f ms%n", downloads, downSeconds,
                downloads / downSeconds, downloads * (double) content.length / downSeconds / (1 << 20), down.getValueAtPercentile(50) / 1000.0,
                down.getValueAtPercentile(99) / 1000.0);
        lastHistogram = up;
        return new Result("media", node.storeDescription(o), o.clients(), durationS, 0, uploads, downloads, uploads / upSeconds,
                up.getValueAtPercentile(50) / 1000.0, up.getValueAtPercentile(99) / 1000.0, up.getValueAtPercentile(99.9) / 1000.0,
                up.getMaxValue() / 1000.0, errors.sum() + wrong.sum(), uploads - downloads, 0, 0, node.rssMiB(), upCpu);
    }

    /** Keeps --clients transfers going until {@code seconds} pass or {@code next} has nothing more; records each one's time. */
    private void transfer(int seconds, java.util.function.Supplier<Future<?>> next, Histogram times, LongAdder errors) throws Exception {
        node.mark();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        Semaphore slots = new Semaphore(o.clients());
        while (System.nanoTime() < end) {
            slots.acquire();
            long t0 = System.nanoTime();
            Future<?> f = next.get();
            if (f == null) {
                slots.release();
                break;
            }
            f.onComplete(r -> {
                if (r.succeeded()) {
                    synchronized (times) {
                        times.recordValue((System.nanoTime() - t0) / 1000);
                    }
                } else {
                    errors.increment();
                }
                slots.release();
            });
        }
        slots.acquire(o.clients()); // the last ones finish
        slots.release(o.clients());
    }
}
