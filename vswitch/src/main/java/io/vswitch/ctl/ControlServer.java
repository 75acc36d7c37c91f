package io.vswitch.ctl;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The switch's control socket: a Unix stream socket that answers JSON-RPC requests, one per line,
 * through a {@link JsonRpc}.
 *
 * <p>One platform daemon thread accepts; each connection is served by its own virtual thread. Requests
 * are dispatched one at a time across all connections (handlers need not be thread-safe, but run on
 * those virtual threads, not on an EAL lcore). A request line longer than {@link JsonRpc#MAX_LINE_BYTES}
 * gets {@code -32600 "request line longer than 1048576 bytes"} and its connection is closed; no more
 * than that is ever buffered per connection. Every other bad request is answered and the connection
 * goes on.
 *
 * <p>The socket file has mode 0660 (root and the switch's group may control it). {@link #close()} stops
 * accepting, closes the connections and removes the file.
 */
public final class ControlServer implements AutoCloseable {
    /** The default socket of {@code --ctl}. */
    public static final String DEFAULT_PATH = "/run/vswitch/vswitch.ctl";
    /**
     * The longest control socket path, in bytes, absolute: 106, one less than the kernel's 107
     * (sizeof(sun_path) - 1) that {@link PortRequest#MAX_SOCKET_PATH_BYTES} allows DPDK's vhost sockets,
     * because the JDK keeps a byte of sun_path for itself ("Unix domain path too long" at 107).
     */
    public static final int MAX_PATH_BYTES = PortRequest.MAX_SOCKET_PATH_BYTES - 1;

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel server;
    private final JsonRpc rpc;
    private final Consumer<String> log;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final ReentrantLock dispatch = new ReentrantLock();
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, JsonRpc rpc, Consumer<String> log) {
        this.path = path;
        this.server = server;
        this.rpc = rpc;
        this.log = log;
        this.acceptor = Thread.ofPlatform().daemon().name("vswitch-ctl").unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code socket} (made absolute), creating its directory if missing. A stale socket file
     * (nobody answers on it) is removed and logged.
     *
     * @param log receives one line per noteworthy event (stale socket removed, connection dropped for a
     *            line too long, accept failures); called from the server's threads, so it must be thread-safe
     * @throws ControlException naming the fix: path too long, path held by another kind of file, a switch
     *                          already answering on it, directory or socket cannot be created
     */
    public static ControlServer start(Path socket, JsonRpc rpc, Consumer<String> log) {
        Objects.requireNonNull(rpc, "rpc");
        Objects.requireNonNull(log, "log");
        Path abs = socket.toAbsolutePath();
        checkLength(abs);
        Path dir = abs.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ControlException("cannot create the directory " + dir + " for the control socket ("
                    + reason(e) + "): create it, or use another --ctl", e);
        }
        removeIfStale(abs, log);
        ServerSocketChannel ch = null;
        try {
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(abs));
            Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            if (ch != null) {
                closeQuietly(ch);
            }
            throw new ControlException("cannot listen on " + abs + " (" + reason(e) + "): use another --ctl", e);
        }
        ControlServer s = new ControlServer(abs, ch, rpc, log);
        s.acceptor.start();
        return s;
    }

    /** The socket's absolute path. */
    public Path path() {
        return path;
    }

    /** Stops accepting, closes every connection and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(server);
        for (SocketChannel c : connections) {
            closeQuietly(c);
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.accept("control: cannot remove " + path + ": " + reason(e));
        }
    }

    static void checkLength(Path abs) {
        int bytes = abs.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new ControlException("--ctl " + abs + " is " + bytes + " bytes, longer than the " + MAX_PATH_BYTES
                    + " a Java Unix socket path can have: use a shorter path");
        }
    }

    /** Refuses a path held by another kind of file or by a live server; removes a stale socket. */
    private static void removeIfStale(Path abs, Consumer<String> log) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return; // nothing there
        }
        if (!isSocket(abs, a)) {
            String what = a.isRegularFile() ? "a regular file" : a.isDirectory() ? "a directory"
                    : a.isSymbolicLink() ? "a symbolic link" : "not a socket";
            throw new ControlException(abs + " is " + what + ", not a control socket: remove it or use another --ctl");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(abs)).close();
            throw new ControlException("a switch is already running on " + abs
                    + " (its control socket answers): stop it or use another --ctl");
        } catch (ConnectException e) {
            // refused: nobody listens
        } catch (IOException e) {
            throw new ControlException("cannot tell whether a switch is running on " + abs + " (" + reason(e)
                    + "): remove it if none is, or use another --ctl", e);
        }
        try {
            Files.delete(abs);
        } catch (IOException e) {
            throw new ControlException("cannot remove the stale control socket " + abs + " (" + reason(e)
                    + "): remove it, or use another --ctl", e);
        }
        log.accept("control: removed the stale socket " + abs + " (nobody answered on it)");
    }

    private static boolean isSocket(Path p, BasicFileAttributes a) {
        if (!a.isOther()) {
            return false;
        }
        try {
            return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT) == S_IFSOCK;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return true; // no unix view: trust isOther
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                break;
            } catch (IOException e) {
                if (closed) {
                    break;
                }
                log.accept("control: accept failed: " + reason(e));
                try {
                    Thread.sleep(100); // e.g. out of file descriptors: do not spin
                } catch (InterruptedException ie) {
                    break;
                }
                continue;
            }
            connections.add(c);
            if (closed) {
                closeQuietly(c);
                break;
            }
            Thread.ofVirtual().name("vswitch-ctl-conn").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        try {
            LineReader lines = new LineReader(c, JsonRpc.MAX_LINE_BYTES);
            byte[] line;
            while ((line = lines.next()) != null) {
                String text = utf8(line);
                String response;
                if (text == null) {
                    response = JsonRpc.errorLine(RpcError.PARSE_ERROR, "parse error: the line is not valid UTF-8");
                } else {
                    dispatch.lock();
                    try {
                        response = rpc.handle(text);
                    } finally {
                        dispatch.unlock();
                    }
                }
                if (response != null) {
                    write(c, response);
                }
            }
        } catch (LineReader.LineTooLongException e) {
            try {
                write(c, JsonRpc.errorLine(RpcError.INVALID_REQUEST, e.getMessage()));
            } catch (IOException ignored) {
                // the client went away: nothing to tell it
            }
            log.accept("control: closed a connection that sent a " + e.getMessage().replace("request line ", "line "));
        } catch (IOException e) {
            // the client went away or close() closed the connection
        } catch (RuntimeException | Error e) {
            log.accept("control: connection failed (a bug): " + e);
        } finally {
            connections.remove(c);
            closeQuietly(c);
        }
    }

    private static String utf8(byte[] line) {
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void write(SocketChannel c, String response) throws IOException {
        ByteBuffer b = StandardCharsets.UTF_8.encode(response + "\n");
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : RpcError.oneLine(m);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
