package org.parley.server.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.protocol.ErrorCode;
import org.parley.protocol.Model.Message;
import org.parley.server.account.SqlAccountStore;
import org.parley.server.auth.Principal;
import org.parley.server.chat.SqlChatStore;
import org.parley.server.message.MessageStore.NewMessage;
import org.parley.server.store.SqliteDatabase;
import org.parley.server.store.StoreException;

/** A device's sync on a real (SQLite) store: what it reads, and how many run at once. */
class MessageServiceSyncTest {
    private Path dir;
    private SqliteDatabase db;
    private SqlMessageStore messages;
    private MessageService service;
    private String ana, ben, cy, withBen, withCy;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("parley-sync-test");
        db = SqliteDatabase.open(dir);
        var accounts = new SqlAccountStore(db);
        var chats = new SqlChatStore(db);
        messages = new SqlMessageStore(db, 1_000);
        ana = accounts.createOrGet("+14155550170", "u-ana", 1).userId();
        ben = accounts.createOrGet("+14155550171", "u-ben", 1).userId();
        cy = accounts.createOrGet("+14155550172", "u-cy", 1).userId();
        withBen = chats.openDirect("c-ben", ana, ben, 1).chat().chatId();
        withCy = chats.openDirect("c-cy", ana, cy, 1).chat().chatId();
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 1; i <= 5; i++) batch.add(new NewMessage(withBen, ben, "b" + i, "text", "from Ben " + i, null, null, 10 + i, null));
        for (int i = 1; i <= 3; i++) batch.add(new NewMessage(withCy, cy, "c" + i, "text", "from Cy " + i, null, null, 20 + i, null));
        messages.append(batch);
        // sync reads only the stores and the database; the collaborators of sends stay unused
        service = new MessageService(db, messages, null, null, null, null, null, Clock.systemUTC(), 1, 10, 0, (size, nanos) -> {});
    }

    @AfterEach
    void tearDown() throws Exception {
        service.close();
        db.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private MessageService.SyncBatch sync(Map<String, Long> cursors, int budget) {
        return service.sync(new Principal(ana, "d-ana"), cursors, budget, 1 << 20, () -> true);
    }

    @Test
    void aSyncSendsWhatCameAfterEachCursorWithinItsBudget() {
        var all = sync(Map.of(withBen, 2L), 100);
        assertThat(all.more()).isFalse();
        assertThat(all.messages()).extracting(Message::text)
                .containsExactlyInAnyOrder("from Ben 3", "from Ben 4", "from Ben 5", "from Cy 1", "from Cy 2", "from Cy 3");
        assertThat(sync(Map.of(withBen, 5L, withCy, 3L), 100).messages()).as("nothing new").isEmpty();

        List<Message> got = new ArrayList<>();
        Map<String, Long> cursors = new java.util.HashMap<>();
        for (int round = 0; round < 10; round++) { // a budget of 2: the rest comes in further syncs, none twice
            var batch = sync(cursors, 2);
            assertThat(batch.messages()).hasSizeLessThanOrEqualTo(2);
            got.addAll(batch.messages());
            for (Message m : batch.messages()) cursors.merge(m.chatId(), m.seq(), Math::max);
            if (!batch.more()) break;
        }
        assertThat(got).hasSize(8).doesNotHaveDuplicates();
    }

    /** Syncs that hold every turn there is until {@code release} opens. */
    private List<CompletableFuture<MessageService.SyncBatch>> holdEveryTurn(CountDownLatch release, java.util.concurrent.ExecutorService threads)
            throws Exception {
        int capacity = db.readCapacity();
        CountDownLatch admitted = new CountDownLatch(capacity);
        List<CompletableFuture<MessageService.SyncBatch>> running = new ArrayList<>();
        for (int i = 0; i < capacity; i++) {
            running.add(CompletableFuture.supplyAsync(() -> service.sync(new Principal(ana, "d-ana"), Map.of(), 100, 1 << 20, () -> {
                admitted.countDown();
                try {
                    return release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }), threads));
        }
        assertThat(admitted.await(10, TimeUnit.SECONDS)).as("as many as the capacity run at once").isTrue();
        return running;
    }

    private void awaitWaiting(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (service.syncsWaiting() != n && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(service.syncsWaiting()).as("syncs waiting for a turn").isEqualTo(n);
    }

    @Test
    void syncsBeyondTheStoresReadCapacityWaitForATurn() throws Exception {
        assertThat(db.readCapacity()).as("SQLite: its read connections but one, writes have their own").isEqualTo(3);
        CountDownLatch release = new CountDownLatch(1);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<MessageService.SyncBatch>> running;
            try {
                running = holdEveryTurn(release, threads);
                AtomicBoolean lastAdmitted = new AtomicBoolean();
                var last = CompletableFuture.supplyAsync(() -> service.sync(new Principal(ana, "d-ana"), Map.of(), 100, 1 << 20, () -> {
                    lastAdmitted.set(true);
                    return true;
                }), threads);
                awaitWaiting(1);
                assertThat(lastAdmitted).as("one more waits while they run").isFalse();
                release.countDown();
                assertThat(last.get(10, TimeUnit.SECONDS).messages()).as("then it has its turn").hasSize(8);
            } finally {
                release.countDown(); // a failed check does not leave the others waiting
            }
            for (var r : running) assertThat(r.get(10, TimeUnit.SECONDS).messages()).hasSize(8);
            assertThat(service.syncsWaiting()).isZero();
        }
    }

    @Test
    void aSyncWhoseSocketClosedWhileItWaitedReadsNothing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                holdEveryTurn(release, threads);
                var gone = CompletableFuture.supplyAsync(() -> service.sync(new Principal(ana, "d-ana"), Map.of(), 100, 1 << 20, () -> {
                    asked.incrementAndGet();
                    return false; // its socket closed while it waited
                }), threads);
                awaitWaiting(1);
                release.countDown();
                assertThat(gone.get(10, TimeUnit.SECONDS)).isNull();
            } finally {
                release.countDown();
            }
        }
        assertThat(asked).as("asked once, when its turn came").hasValue(1);
    }

    @Test
    void aSyncThatWaitsTooLongForATurnIsRefusedAndTheTurnsStayRight() throws Exception {
        service.syncWaitMillis(200);
        CountDownLatch release = new CountDownLatch(1);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                holdEveryTurn(release, threads);
                assertThatThrownBy(() -> sync(Map.of(), 100)).isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_UNAVAILABLE));
            } finally {
                release.countDown();
            }
        }
        assertThat(service.syncsWaiting()).isZero();
        CountDownLatch again = new CountDownLatch(1);
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            try {
                holdEveryTurn(again, threads); // every turn was given back: as many run at once as before
            } finally {
                again.countDown();
            }
        }
    }
}
