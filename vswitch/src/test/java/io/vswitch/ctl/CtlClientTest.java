package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client: results, the switch's refusals as RpcError, and the one-line message when nothing listens. */
@Timeout(30)
class CtlClientTest {
    @TempDir
    Path dir;

    @Test
    void callReturnsTheResultAndSendsTheParams() throws Exception {
        List<String> got = new ArrayList<>();
        JsonRpc rpc = new JsonRpc().register("fdb.flush", p -> {
            got.add(p.toString());
            return JsonRpc.MAPPER.createObjectNode().put("flushed", 3);
        });
        Path sock = dir.resolve("c.ctl");
        try (ControlServer s = ControlServer.start(sock, rpc, l -> {}); CtlClient c = CtlClient.connect(sock)) {
            assertEquals(sock, s.path());
            JsonNode r = c.call("fdb.flush", JsonRpc.MAPPER.createObjectNode().put("port", "vm0"));
            assertEquals(3, r.get("flushed").asInt());
            assertEquals(3, c.call("fdb.flush").get("flushed").asInt(), "a second call on the same connection");
        }
        assertEquals(List.of("{\"port\":\"vm0\"}", "{}"), got);
    }

    @Test
    void aRefusalIsAnRpcErrorWithTheSwitchsCodeAndMessage() throws Exception {
        JsonRpc rpc = new JsonRpc().register("port.del", p -> {
            throw RpcError.noSuchPort("vm9");
        });
        Path sock = dir.resolve("c.ctl");
        try (ControlServer s = ControlServer.start(sock, rpc, l -> {}); CtlClient c = CtlClient.connect(sock)) {
            assertEquals(sock, s.path());
            RpcError e = assertThrows(RpcError.class, () -> c.call("port.del"));
            assertEquals(RpcError.NO_SUCH_PORT, e.code());
            assertEquals("no port named vm9", e.getMessage());
            RpcError nf = assertThrows(RpcError.class, () -> c.call("nope"));
            assertEquals(RpcError.METHOD_NOT_FOUND, nf.code());
        }
    }

    @Test
    void noSocketFileIsOneLineNamingTheFix() {
        Path sock = dir.resolve("none.ctl");
        ControlException e = assertThrows(ControlException.class, () -> CtlClient.connect(sock));
        assertEquals("cannot reach the switch at " + sock + ": is `vswitch --mode switch --ctl " + sock + "` running?",
                e.getMessage());
    }

    @Test
    void aStaleSocketIsConnectionRefusedWithTheSameMessage() throws Exception {
        Path sock = dir.resolve("stale.ctl");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock));
        ControlException e = assertThrows(ControlException.class, () -> CtlClient.connect(sock));
        assertEquals("cannot reach the switch at " + sock + ": is `vswitch --mode switch --ctl " + sock + "` running?",
                e.getMessage());
    }

    @Test
    void theSwitchGoingAwayMidCallIsAControlException() throws Exception {
        Path sock = dir.resolve("c.ctl");
        ControlServer[] server = new ControlServer[1];
        JsonRpc rpc = new JsonRpc().register("quit", p -> {
            Thread.ofVirtual().start(() -> server[0].close());
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "too late";
        });
        server[0] = ControlServer.start(sock, rpc, l -> {});
        try (CtlClient c = CtlClient.connect(sock)) {
            ControlException e = assertThrows(ControlException.class, () -> c.call("quit"));
            assertTrue(e.getMessage().startsWith("the switch at " + sock + " closed the connection without answering")
                    || e.getMessage().startsWith("lost the connection to the switch at " + sock), e.getMessage());
        } finally {
            server[0].close();
        }
    }
}
