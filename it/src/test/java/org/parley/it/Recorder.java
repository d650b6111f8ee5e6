package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.parley.client.ParleyClient;
import org.parley.protocol.Frames;
import org.parley.protocol.Model.Message;

/** Records what an SDK client hears, for assertions. */
class Recorder implements ParleyClient.Listener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<Frames.Receipt> receipts = new CopyOnWriteArrayList<>();
    final List<Frames.Membership> memberships = new CopyOnWriteArrayList<>();
    final List<org.parley.protocol.Model.Presence> presences = new CopyOnWriteArrayList<>();
    final List<Frames.TypingState> typings = new CopyOnWriteArrayList<>();
    final AtomicInteger caughtUp = new AtomicInteger();
    final AtomicInteger disconnects = new AtomicInteger();
    final AtomicInteger signedOut = new AtomicInteger();

    @Override
    public void onMessage(Message message) {
        messages.add(message);
    }

    @Override
    public void onReceipt(Frames.Receipt receipt) {
        receipts.add(receipt);
    }

    @Override
    public void onMembership(Frames.Membership change) {
        memberships.add(change);
    }

    @Override
    public void onPresence(org.parley.protocol.Model.Presence presence) {
        presences.add(presence);
    }

    @Override
    public void onTyping(Frames.TypingState typing) {
        typings.add(typing);
    }

    /** The last presence frame heard about the user, or null. */
    org.parley.protocol.Model.Presence lastPresenceOf(String userId) {
        org.parley.protocol.Model.Presence last = null;
        for (var p : presences) if (p.userId().equals(userId)) last = p;
        return last;
    }

    @Override
    public void onCaughtUp() {
        caughtUp.incrementAndGet();
    }

    @Override
    public void onDisconnected(int code, String reason) {
        disconnects.incrementAndGet();
    }

    @Override
    public void onSignedOut() {
        signedOut.incrementAndGet();
    }

    List<Message> in(String chatId) {
        return messages.stream().filter(m -> m.chatId().equals(chatId)).toList();
    }

    boolean hasReceipt(String chatId, String userId, String kind, long seq) {
        return receipts.stream().anyMatch(r -> r.chatId().equals(chatId) && r.userId().equals(userId) && r.kind().equals(kind) && r.upToSeq() >= seq);
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, Duration.ofSeconds(20), condition);
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) assertThat(condition.getAsBoolean()).as("timed out waiting for: " + what).isTrue();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
