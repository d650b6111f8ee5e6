package org.parley.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link DriverProcess} of {@code ./bench idle --nodes N}: opens its share of sockets to its
 * node and holds them. Arguments: {@code <node URL> <sockets> <first bound source block> <tokens file> <max seconds>}.
 * Says {@code open <n>} as it goes, then {@code ready <opened> <connect times>} (a histogram,
 * {@link DriverProcess#encode}) or {@code failed <reason>}; answers each {@code count} with
 * {@code closed <n>}, the sockets closed so far.
 */
public final class IdleWorker {
    private IdleWorker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            DriverProcess.say("failed usage: IdleWorker <node URL> <sockets> <first bound source block> <tokens file> <max seconds>");
            System.exit(2);
        }
        URI node = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        int firstBlock = Integer.parseInt(args[2]);
        List<String> tokens = Files.readAllLines(Path.of(args[3]));
        DriverProcess.bound(Long.parseLong(args[4]));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        IdleSockets sockets = new IdleSockets();
        try {
            sockets.open(DriverProcess.heldClients(vertx), node, tokens, count, firstBlock, n -> DriverProcess.say("open " + n));
        } catch (Exception | Error e) {
            DriverProcess.fail(e);
        }
        DriverProcess.say("ready " + sockets.opened() + " " + DriverProcess.encode(sockets.connectLatency()));
        DriverProcess.serve(command -> {
            if (command.equals("count")) DriverProcess.say("closed " + sockets.closed());
        });
    }
}
