package org.parley.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.parley.client.ParleyClient;
import org.parley.client.ParleyException;
import org.parley.client.RestClient;
import org.parley.protocol.Frames;
import org.parley.protocol.Model;
import org.parley.protocol.WireJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code parley} command line: sign in, list chats, send, read history, listen live. */
@Command(name = "parley", mixinStandardHelpOptions = true, version = "parley 0.1.0",
        description = "Command-line client for a Parley node.",
        subcommands = {ParleyCli.Login.class, ParleyCli.Chats.class, ParleyCli.Send.class, ParleyCli.History.class, ParleyCli.Listen.class})
public final class ParleyCli implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }


    /** Where a signed-in session is kept (0600). */
    record Session(String server, String token, String userId, String deviceId) {}

    static class Common {
        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Option(names = "--session", description = "session file (default: ~/.parley/session.json)")
        Path sessionFile = Path.of(System.getProperty("user.home"), ".parley", "session.json");

        Session load() throws IOException {
            if (!Files.exists(sessionFile)) throw new CommandLine.ParameterException(new CommandLine(this), "not signed in: run 'parley login' first");
            return WireJson.mapper().readValue(sessionFile.toFile(), Session.class);
        }

        RestClient rest(Session s) {
            RestClient rest = new RestClient(URI.create(s.server()), java.net.http.HttpClient.newHttpClient());
            rest.token(s.token());
            return rest;
        }
    }

    @Command(name = "login", description = "Sign in with a phone number and the code sent to it.")
    static final class Login extends Common implements Callable<Integer> {
        @Option(names = "--server", defaultValue = "http://localhost:8080", description = "node URL (default: ${DEFAULT-VALUE})")
        String server;

        @Option(names = "--phone", required = true, description = "E.164 phone number, e.g. +14155550100")
        String phone;

        @Option(names = "--code", description = "the 6-digit code (asked for when absent)")
        String code;

        @Option(names = "--device-name", defaultValue = "parley-cli")
        String deviceName;

        @Override
        public Integer call() throws IOException {
            RestClient rest = new RestClient(URI.create(server), java.net.http.HttpClient.newHttpClient());
            Model.CodeSent sent = rest.requestCode(phone);
            String c = code;
            if (c == null && sent.devCode() != null) {
                err().println("using the development code returned by the node: " + sent.devCode());
                c = sent.devCode();
            }
            if (c == null) {
                err().print("code sent to " + phone + "; enter it: ");
                c = new BufferedReader(new InputStreamReader(System.in)).readLine();
                if (c == null) return 1;
                c = c.trim();
            }
            Model.TokenIssued issued = rest.signIn(phone, c, deviceName);
            Files.createDirectories(sessionFile.toAbsolutePath().getParent());
            Files.deleteIfExists(sessionFile);
            try { // owner-only from the first byte: the token is a password
                Files.createFile(sessionFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.writeString(sessionFile, WireJson.encode(new Session(server, issued.token(), issued.userId(), issued.deviceId())));
            out().println("signed in as " + issued.userId() + " (device " + issued.deviceId() + ")");
            return 0;
        }
    }

    @Command(name = "chats", description = "List your chats, most recent first.")
    static final class Chats extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            for (Model.Chat c : rest(load()).chats().chats()) {
                String last = c.lastMessage() == null ? "" : shown(c.lastMessage());
                out().printf("%s  %-24s unread=%-4d %s%n", c.chatId(), c.title(), c.unread(), last.replace('\n', ' '));
            }
            return 0;
        }
    }

    @Command(name = "send", description = "Send a text message.")
    static final class Send extends Common implements Callable<Integer> {
        @Option(names = "--to", description = "recipient phone number (opens the 1:1 chat)")
        String to;

        @Option(names = "--chat", description = "chat id")
        String chat;

        @Parameters(index = "0", description = "the text")
        String text;

        @Override
        public Integer call() throws IOException {
            if ((to == null) == (chat == null)) throw new CommandLine.ParameterException(new CommandLine(this), "give --to or --chat");
            RestClient rest = rest(load());
            String chatId = chat != null ? chat : rest.openDirect(rest.lookUp(to).userId()).chatId();
            String clientMsgId = UUID.randomUUID().toString();
            RestClient.Sent sent = null;
            for (int attempt = 1; sent == null; attempt++) {
                try {
                    sent = rest.send(chatId, clientMsgId, text, null);
                } catch (ParleyException e) {
                    if (!e.retryable() || attempt >= 5) throw e;
                    try {
                        Thread.sleep(200L * attempt);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return 1;
                    }
                }
            }
            out().println("sent to chat " + chatId + " as seq " + sent.result().seq());
            return 0;
        }
    }

    @Command(name = "history", description = "Print the latest messages of a chat.")
    static final class History extends Common implements Callable<Integer> {
        @Parameters(index = "0", description = "chat id")
        String chat;

        @Option(names = "--limit", defaultValue = "50")
        int limit;

        @Override
        public Integer call() throws IOException {
            for (Model.Message m : rest(load()).messages(chat, limit, null, null).messages()) print(out(), m);
            return 0;
        }
    }

    @Command(name = "listen", description = "Stay connected and print messages and receipts as they come (Ctrl-C to stop).")
    static final class Listen extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Session s = load();
            CountDownLatch done = new CountDownLatch(1);
            try (ParleyClient client = ParleyClient.create(URI.create(s.server()), s.token(), new ParleyClient.Listener() {
                @Override
                public void onMessage(Model.Message message) {
                    print(out(), message);
                    out().flush();
                }

                @Override
                public void onReceipt(Frames.Receipt r) {
                    out().printf("[%s] %s %s up to #%d%n", r.chatId(), r.userId(), r.kind(), r.upToSeq());
                }

                @Override
                public void onCaughtUp() {
                    err().println("-- connected, caught up --");
                    err().flush();
                }

                @Override
                public void onDisconnected(int code, String reason) {
                    err().println("-- disconnected (" + code + " " + reason + "), reconnecting --");
                }

                @Override
                public void onSignedOut() {
                    err().println("-- signed out --");
                    err().flush();
                    done.countDown();
                }
            })) {
                client.connect();
                done.await();
            }
            return 0;
        }
    }

    static void print(PrintWriter out, Model.Message m) {
        out.printf("[%s] #%d %s %s: %s%n", m.chatId(), m.seq(), Instant.ofEpochMilli(m.sentAt()), m.senderId(), shown(m));
    }

    /** The text, or for a photo, video, voice note or file its kind and name, then its caption. */
    static String shown(Model.Message m) {
        if (m.media() == null) return m.text();
        Model.Media media = m.media();
        String what = "[" + m.kind() + (media.fileName() == null ? "" : " " + media.fileName()) + "]";
        return m.text() == null ? what : what + " " + m.text();
    }

    /** Runs one command with the given output streams; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new ParleyCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("parley: " + e.getMessage());
            cmd.getErr().flush();
            return 1;
        });
        return cli.execute(args);
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }
}
