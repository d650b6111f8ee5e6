package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.cli.ParleyCli;

/** The parley CLI against a real node: login, send, chats, history, listen. */
class CliIT {
    @TempDir
    Path home;

    private record Run(int exit, String out, String err) {}

    /** Output buffers that a running command (listen) can be read from while it runs. */
    private static final class Streams {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
    }

    private Run cli(String... args) {
        Streams s = new Streams();
        int exit = ParleyCli.execute(new PrintWriter(s.out, true), new PrintWriter(s.err, true), args);
        return new Run(exit, s.out.toString(), s.err.toString());
    }

    @Test
    void aPersonCanSignInSendReadAndListen() throws Exception {
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            String session = home.resolve("session.json").toString();
            String phone = TestNode.newPhone();
            Run login = cli("login", "--server", node.uri().toString(), "--phone", phone, "--session", session);
            assertThat(login.exit()).as(login.err()).isZero();
            assertThat(login.out()).contains("signed in as");
            assertThat(Files.getPosixFilePermissions(Path.of(session))).hasSize(2); // rw------- only

            var ben = node.signUp("Ben");
            Run send = cli("send", "--session", session, "--to", ben.phone(), "hello from the terminal");
            assertThat(send.exit()).as(send.err()).isZero();
            assertThat(send.out()).contains("as seq 1");

            Run chats = cli("chats", "--session", session);
            assertThat(chats.out()).contains("Ben").contains("hello from the terminal");
            String chatId = chats.out().split("\\s+")[0];
            Run history = cli("history", "--session", session, chatId);
            assertThat(history.out()).contains("#1").contains("hello from the terminal");

            Streams listening = new Streams();
            CompletableFuture<Integer> listen = new CompletableFuture<>();
            Thread.ofPlatform().name("cli-listen").start(() -> listen.complete(ParleyCli.execute(
                    new PrintWriter(listening.out, true), new PrintWriter(listening.err, true), "listen", "--session", session)));
            Recorder.await("listen connected", () -> listening.err.toString().contains("caught up") || listen.isDone());
            assertThat(listen.isDone()).as("listen is still running; err: " + listening.err + " result: " + (listen.isDone() ? listen.join() : null)).isFalse();
            ben.rest().send(chatId, "b1", "hi back", null);
            Recorder.await("listen prints the reply", () -> listening.out.toString().contains("hi back"));

            // Signing the CLI's device out from another device ends `listen`.
            var other = node.signIn(phone, null);
            String cliDevice = other.rest().devices().devices().stream().filter(d -> !d.current()).findFirst().orElseThrow().deviceId();
            other.rest().signOut(cliDevice);
            assertThat(listen.get(20, TimeUnit.SECONDS)).isZero();
            assertThat(listening.err.toString()).contains("signed out");

            Run refused = cli("chats", "--session", session);
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("UNAUTHENTICATED");
            Run usage = cli("send", "--session", session);
            assertThat(usage.exit()).isNotZero();
        }
    }
}
