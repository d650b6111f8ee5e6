package org.parley.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Where a node listens: the interface asked for, and one port shared by all its event loops. */
class ListenIT {
    @Test
    void aNodeOnPortZeroListensOnOneRandomPortOfTheInterfaceItWasGiven() throws Exception {
        Set<Integer> before = listeningPortsOfThisProcess();
        try (TestNode node = TestNode.start(TestNode.Store.SQLITE)) {
            Set<Integer> opened = listeningPortsOfThisProcess();
            opened.removeAll(before);
            // Port 0 used to give each of the node's HTTP servers (one per event loop) a port of its
            // own, the node reporting one of them: every connection then went to a single event loop.
            assertThat(opened).as("ports the node listens on").containsExactly(node.port());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", node.port()), 5_000);
            }
            // host 127.0.0.1: not every interface (listen(port) alone used to bind 0.0.0.0)
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.2", node.port()), 5_000);
                }
            }).isInstanceOf(ConnectException.class);
        }
    }

    /** TCP ports in LISTEN state whose sockets are open files of this process, from /proc. */
    private static Set<Integer> listeningPortsOfThisProcess() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st ... inode (field 9)
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    String local = f[1];
                    ports.add(Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}
