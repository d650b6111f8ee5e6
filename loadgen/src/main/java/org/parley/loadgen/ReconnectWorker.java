package org.parley.loadgen;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DriverProcess} of {@code ./bench reconnect --nodes N}: the devices of one node.
 * Arguments: {@code <node URL> <first bound source block> <devices file: token and chat id a line> <max seconds>}.
 * Says {@code ready <devices>}, then answers each {@code connect <expected>} (every device
 * connects, expecting {@code expected} messages after where it got to in the rounds before) once
 * all its devices are caught up or failed, with
 * {@code synced <synced> <errors> <wrong> <syncs retried> <connects retried> <all synced ms> <sync times>} (a histogram,
 * {@link DriverProcess#encode}); the devices have dropped again by then.
 */
public final class ReconnectWorker {
    private ReconnectWorker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            DriverProcess.say("failed usage: ReconnectWorker <node URL> <first bound source block> <devices file> <max seconds>");
            System.exit(2);
        }
        URI node = URI.create(args[0]);
        int firstBlock = Integer.parseInt(args[1]);
        List<SyncingDevices.Device> devices = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[2]))) {
            String[] f = line.split(" ");
            devices.add(new SyncingDevices.Device(f[0], f[1]));
        }
        DriverProcess.bound(Long.parseLong(args[3]));
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        long[] cursors = new long[devices.size()];
        DriverProcess.say("ready " + devices.size());
        DriverProcess.serve(command -> {
            String[] c = command.split(" ");
            if (!c[0].equals("connect") || c.length != 2) throw new IllegalArgumentException("unknown command: " + command);
            SyncingDevices.Outcome r = SyncingDevices.connectAll(vertx, DriverProcess.heldClients(vertx), node, devices, cursors, firstBlock,
                    Integer.parseInt(c[1]));
            DriverProcess.say("synced " + r.synced() + " " + r.failed() + " " + r.wrong() + " " + r.retried() + " " + r.reconnected() + " " + r.allSyncedMs() + " "
                    + DriverProcess.encode(r.syncTimes()));
        });
    }
}
