package io.vswitch.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who listens on a Unix socket, from /proc: the parser on fixed lines, then a socket of this process. */
class SocketOwnerTest {
    @Test
    void findsTheListenersInode() {
        List<String> lines = List.of(
                "Num       RefCount Protocol Flags    Type St Inode Path",
                "0000000000000000: 00000003 00000000 00000000 0001 03 41001 /tmp/a.sock",    // a connection to it
                "0000000000000000: 00000002 00000000 00010000 0001 01 41000 /tmp/a.sock",    // the listener
                "0000000000000000: 00000002 00000000 00010000 0001 01 42000 /tmp/with space.sock",
                "0000000000000000: 00000002 00000000 00010000 0001 01 43000");
        assertEquals(Optional.of(41000L), SocketOwner.inode(lines, "/tmp/a.sock"));
        assertEquals(Optional.of(42000L), SocketOwner.inode(lines, "/tmp/with space.sock"));
        assertEquals(Optional.empty(), SocketOwner.inode(lines, "/tmp/b.sock"));
    }

    @Test
    void namesThisProcessForItsOwnSocket(@TempDir Path tmp) throws Exception {
        Path sock = tmp.resolve("s.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock));
            Optional<SocketOwner.Owner> o = SocketOwner.of(sock);
            assertTrue(o.isPresent(), "no owner found for " + sock);
            assertEquals(ProcessHandle.current().pid(), o.get().pid());
            assertTrue(o.get().toString().startsWith("pid " + ProcessHandle.current().pid() + ", "), o.get().toString());
        }
        assertEquals(Optional.empty(), SocketOwner.of(sock), "nobody listens on a closed channel's file");
    }
}
