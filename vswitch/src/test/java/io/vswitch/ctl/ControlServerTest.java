package io.vswitch.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The control socket over a real Unix socket, with a fake switch behind it. */
@Timeout(30)
class ControlServerTest {
    @TempDir
    Path dir;
    Path sock;
    final List<String> log = new CopyOnWriteArrayList<>();
    final AtomicInteger dels = new AtomicInteger();
    JsonRpc rpc;
    ControlServer server;

    @BeforeEach
    void fakeSwitch() {
        sock = dir.resolve("vswitch.ctl");
        rpc = new JsonRpc().registerBuiltins("vswitch test");
        rpc.register("port.del", p -> {
            p.only("name");
            String n = p.portName("name");
            if (!n.equals("vm0")) {
                throw RpcError.noSuchPort(n);
            }
            dels.incrementAndGet();
            return JsonRpc.MAPPER.createObjectNode().put("name", n).put("removed", true);
        });
        rpc.register("boom", p -> {
            throw new IllegalStateException("handler bug");
        });
        rpc.onInternalError((m, t) -> log.add("bug in " + m));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A raw connection: write bytes, read response lines. */
    static final class Raw implements AutoCloseable {
        final SocketChannel ch;
        final LineReader in;

        Raw(Path p) throws IOException {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(p));
            in = new LineReader(ch, 1 << 20);
        }

        Raw send(String s) throws IOException {
            return send(s.getBytes(StandardCharsets.UTF_8));
        }

        Raw send(byte[] b) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            return this;
        }

        JsonNode response() throws IOException {
            byte[] line = in.next();
            assertTrue(line != null, "the server closed the connection instead of answering");
            return JsonRpc.MAPPER.readTree(new String(line, StandardCharsets.UTF_8));
        }

        /** True if the server closed the connection (EOF or reset). */
        boolean closedByServer() {
            try {
                return in.next() == null;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    static final String PING = "{\"jsonrpc\":\"2.0\",\"method\":\"ping\",\"id\":1}\n";

    @Test
    void requestResponseRoundTrip() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        assertEquals(sock.toAbsolutePath(), server.path());
        try (Raw c = new Raw(sock)) {
            JsonNode r = c.send(PING).response();
            assertEquals("pong", r.get("result").asText());
            assertEquals(1, r.get("id").asInt());
            r = c.send("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\",\"params\":{\"name\":\"vm0\"},\"id\":\"d\"}\n").response();
            assertEquals("{\"name\":\"vm0\",\"removed\":true}", r.get("result").toString());
            assertEquals("d", r.get("id").asText());
        }
        assertEquals(1, dels.get());
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test
    void malformedLinesThenAGoodOneOnTheSameConnection() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        try (Raw c = new Raw(sock)) {
            c.send("garbage\n[1,2]\n\n{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":2}\n");
            c.send("{\"jsonrpc\":\"2.0\",\"method\":\"boom\",\"id\":3}\n");
            c.send(new byte[] {'{', (byte) 0xC3, '"', '\n'});
            c.send("{\"jsonrpc\":\"2.0\",\"method\":\"port.del\"}\n"); // a notification: no response
            c.send(PING);
            assertEquals(RpcError.PARSE_ERROR, c.response().get("error").get("code").asInt());
            assertEquals(RpcError.INVALID_REQUEST, c.response().get("error").get("code").asInt());
            assertEquals(RpcError.PARSE_ERROR, c.response().get("error").get("code").asInt());
            assertEquals("method not found: nope", c.response().get("error").get("message").asText());
            JsonNode bug = c.response();
            assertEquals(RpcError.INTERNAL_ERROR, bug.get("error").get("code").asInt());
            assertEquals("handler bug", bug.get("error").get("message").asText());
            assertEquals("parse error: the line is not valid UTF-8", c.response().get("error").get("message").asText());
            assertEquals("pong", c.response().get("result").asText());
        }
        assertEquals(List.of("bug in boom"), log);
    }

    @Test
    void aLineOverOneMebibyteIsRefusedAndItsConnectionClosedButTheServerServesOn() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        try (Raw c = new Raw(sock)) {
            byte[] big = new byte[JsonRpc.MAX_LINE_BYTES + 2];
            java.util.Arrays.fill(big, (byte) 'x');
            big[big.length - 1] = '\n';
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.send(big);
                } catch (IOException expected) {
                    // the server stops reading and closes
                }
            });
            JsonNode r = c.response();
            assertEquals(RpcError.INVALID_REQUEST, r.get("error").get("code").asInt());
            assertEquals("request line longer than 1048576 bytes", r.get("error").get("message").asText());
            assertTrue(r.get("id").isNull());
            assertTrue(c.closedByServer());
            writer.join();
        }
        assertEquals(List.of("control: closed a connection that sent a line longer than 1048576 bytes"), log);
        try (Raw c = new Raw(sock)) {
            assertEquals("pong", c.send(PING).response().get("result").asText());
        }
    }

    @Test
    void aLineOfExactlyOneMebibyteIsServed() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        String req = PING.strip();
        String line = req + " ".repeat(JsonRpc.MAX_LINE_BYTES - req.length());
        assertEquals(JsonRpc.MAX_LINE_BYTES, line.getBytes(StandardCharsets.UTF_8).length);
        try (Raw c = new Raw(sock)) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.send(line + "\n");
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertEquals("pong", c.response().get("result").asText());
            writer.join();
            assertEquals("pong", c.send(PING).response().get("result").asText(), "the connection stays open");
        }
    }

    @Test
    void connectionsAreServedIndependently() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        try (Raw a = new Raw(sock); Raw b = new Raw(sock)) {
            a.send("{\"jsonrpc\":\"2.0\",\"method\":"); // half a request: a waits
            assertEquals("pong", b.send(PING).response().get("result").asText());
            a.send("\"ping\",\"id\":9}\n");
            assertEquals(9, a.response().get("id").asInt());
        }
    }

    @Test
    void theSocketFileHasMode0660() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(sock));
    }

    @Test
    void closeRemovesTheFileAndEndsConnections() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        try (Raw c = new Raw(sock)) {
            assertEquals("pong", c.send(PING).response().get("result").asText());
            server.close();
            assertFalse(Files.exists(sock));
            assertTrue(c.closedByServer());
        }
        server.close(); // idempotent
        assertThrows(IOException.class, () -> new Raw(sock));
    }

    @Test
    void theParentDirectoryIsCreated() throws Exception {
        Path deep = dir.resolve("run/vswitch/x.ctl");
        server = ControlServer.start(deep, rpc, log::add);
        assertTrue(Files.isDirectory(deep.getParent()));
        try (CtlClient c = CtlClient.connect(deep)) {
            assertEquals("pong", c.call("ping").asText());
        }
    }

    @Test
    void aStaleSocketIsTakenOverAndLogged() throws Exception {
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(sock));
        } // closed without removing the file, like a killed switch
        assertTrue(Files.exists(sock));
        server = ControlServer.start(sock, rpc, log::add);
        assertEquals(List.of("control: removed the stale socket " + sock + " (nobody answered on it)"), log);
        try (CtlClient c = CtlClient.connect(sock)) {
            assertEquals("pong", c.call("ping").asText());
        }
    }

    @Test
    void aSecondServerOnALiveSocketIsRefusedAndTheFirstServesOn() throws Exception {
        server = ControlServer.start(sock, rpc, log::add);
        ControlException e = assertThrows(ControlException.class, () -> ControlServer.start(sock, rpc, log::add));
        assertEquals("a switch is already running on " + sock + " (its control socket answers): stop it or use another"
                + " --ctl", e.getMessage());
        try (CtlClient c = CtlClient.connect(sock)) {
            assertEquals("pong", c.call("ping").asText());
        }
    }

    @Test
    void aRegularFileIsNeverReplaced() throws Exception {
        Files.writeString(sock, "precious");
        ControlException e = assertThrows(ControlException.class, () -> ControlServer.start(sock, rpc, log::add));
        assertEquals(sock + " is a regular file, not a control socket: remove it or use another --ctl", e.getMessage());
        assertEquals("precious", Files.readString(sock));
        Files.createDirectory(dir.resolve("d"));
        assertTrue(assertThrows(ControlException.class, () -> ControlServer.start(dir.resolve("d"), rpc, log::add))
                .getMessage().endsWith("d is a directory, not a control socket: remove it or use another --ctl"));
    }

    @Test
    void theSocketPathIsAtMost106BytesTheJdksLimit() throws Exception {
        Path ok = padded(106);
        server = ControlServer.start(ok, rpc, log::add);
        try (CtlClient c = CtlClient.connect(ok)) {
            assertEquals("pong", c.call("ping").asText());
        }
        Path tooLong = padded(107);
        ControlException e = assertThrows(ControlException.class, () -> ControlServer.start(tooLong, rpc, log::add));
        assertEquals("--ctl " + tooLong + " is 107 bytes, longer than the 106 a Java Unix socket path can have: use a"
                + " shorter path", e.getMessage());
        assertFalse(Files.exists(tooLong));
        assertEquals(e.getMessage(), assertThrows(ControlException.class, () -> CtlClient.connect(tooLong)).getMessage(),
                "the client refuses the same path with the same message");
    }

    /** A path in the temp dir whose absolute form is {@code bytes} bytes long. */
    Path padded(int bytes) {
        String base = dir.toAbsolutePath() + "/";
        assertTrue(base.length() < bytes - 1, "temp dir too deep for this test: " + base);
        return Path.of(base + "s".repeat(bytes - base.length()));
    }

    @Test
    void lineReaderNeverHoldsMoreThanTheLimitPlusOne() throws Exception {
        byte[] data = ("a\n\nbc\n" + "x".repeat(100) + "\nlast").getBytes(StandardCharsets.UTF_8);
        LineReader r = new LineReader(java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(data)), 100);
        assertEquals("a", new String(r.next(), StandardCharsets.UTF_8));
        assertEquals("", new String(r.next(), StandardCharsets.UTF_8));
        assertEquals("bc", new String(r.next(), StandardCharsets.UTF_8));
        assertEquals(100, r.next().length);
        assertEquals("last", new String(r.next(), StandardCharsets.UTF_8), "a last line without newline counts");
        assertNull(r.next());
        assertTrue(r.capacity() <= 101, "capacity " + r.capacity());
        LineReader tooLong = new LineReader(java.nio.channels.Channels.newChannel(
                new java.io.ByteArrayInputStream("y".repeat(101).getBytes(StandardCharsets.UTF_8))), 100);
        assertThrows(LineReader.LineTooLongException.class, tooLong::next);
        assertEquals(101, tooLong.capacity());
    }
}
