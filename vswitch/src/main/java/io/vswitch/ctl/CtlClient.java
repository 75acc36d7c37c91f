package io.vswitch.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A connection to a switch's control socket: {@link #call} sends one JSON-RPC request and waits for its
 * response. Calls on one client are serialised.
 */
public final class CtlClient implements AutoCloseable {
    /** The longest response line the client reads (a MAC table dump can be large). */
    static final int MAX_RESPONSE_BYTES = 256 << 20;

    private final Path path;
    private final SocketChannel channel;
    private final LineReader lines;
    private long nextId = 1;

    private CtlClient(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
        this.lines = new LineReader(channel, MAX_RESPONSE_BYTES);
    }

    /**
     * Connects to the switch at {@code socket}.
     *
     * @throws ControlException "cannot reach the switch at PATH: ..." when nothing listens there, the
     *                          path is too long, or permission is denied
     */
    public static CtlClient connect(Path socket) {
        Path abs = socket.toAbsolutePath();
        ControlServer.checkLength(abs);
        String notRunning = "cannot reach the switch at " + socket + ": is `vswitch --mode switch --ctl " + socket
                + "` running?";
        if (Files.notExists(abs, LinkOption.NOFOLLOW_LINKS)) { // not when unknown: an unreadable directory says why below
            throw new ControlException(notRunning);
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(abs));
            return new CtlClient(socket, ch);
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // failing anyway
                }
            }
            String m = String.valueOf(e.getMessage());
            if (m.contains("ermission denied")) {
                throw new ControlException("cannot reach the switch at " + socket + ": permission denied (the socket is"
                        + " mode 0660: run as root or as a member of its group)", e);
            }
            if (e instanceof java.net.ConnectException || m.contains("No such file") || m.contains("refused")) {
                throw new ControlException(notRunning, e);
            }
            throw new ControlException("cannot reach the switch at " + socket + ": " + ControlServer.reason(e), e);
        }
    }

    /** The path this client connected to, as given. */
    public Path path() {
        return path;
    }

    /** {@link #call(String, ObjectNode)} without params. */
    public JsonNode call(String method) throws RpcError {
        return call(method, null);
    }

    /**
     * Calls {@code method} and waits for the response.
     *
     * @param params the params object, or null for none
     * @return the result (JSON null included)
     * @throws RpcError with the switch's code, message and data when it refused the request
     * @throws ControlException when the connection fails or the switch answers something that is not
     *                          a response to this request
     */
    public synchronized JsonNode call(String method, ObjectNode params) throws RpcError {
        long id = nextId++;
        ObjectNode req = JsonRpc.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", method);
        if (params != null) {
            req.set("params", params);
        }
        req.put("id", id);
        byte[] line;
        try {
            ByteBuffer b = ByteBuffer.wrap((JsonRpc.MAPPER.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            line = lines.next();
        } catch (IOException e) {
            throw new ControlException("lost the connection to the switch at " + path + " (" + ControlServer.reason(e)
                    + "): see the switch's log", e);
        }
        if (line == null) {
            throw new ControlException("the switch at " + path + " closed the connection without answering: see its log");
        }
        JsonNode resp;
        try {
            resp = JsonRpc.MAPPER.readTree(new String(line, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ControlException("the switch at " + path + " answered something that is not JSON ("
                    + RpcError.oneLine(e.getOriginalMessage()) + ")", e);
        }
        if (resp == null || !resp.isObject() || !resp.has("jsonrpc") || !(resp.has("result") || resp.has("error"))) {
            throw new ControlException("the switch at " + path + " answered something that is not a JSON-RPC response: "
                    + Params.shown(resp == null ? JsonRpc.MAPPER.nullNode() : resp));
        }
        JsonNode err = resp.get("error");
        if (err != null && err.isObject()) {
            throw new RpcError(err.path("code").asInt(RpcError.INTERNAL_ERROR), err.path("message").asText(""),
                    err.get("data"));
        }
        if (!resp.path("id").isIntegralNumber() || resp.get("id").longValue() != id) {
            throw new ControlException("the switch at " + path + " answered request " + Params.shown(resp.path("id"))
                    + " instead of " + id);
        }
        return resp.get("result");
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
