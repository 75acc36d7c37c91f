package io.vswitch.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A minimal QMP client over QEMU's unix socket: capabilities negotiation,
 * {@code query-cpus-fast}, {@code cont}, {@code quit}. QMP sends one JSON object
 * per line; each is parsed with Jackson.
 */
public final class Qmp implements AutoCloseable {
    /** One vCPU: its index in the guest and the host thread that runs it. */
    public record Vcpu(int index, long threadId) {}

    private final SocketChannel ch;
    private final StringBuilder buf = new StringBuilder();

    private Qmp(SocketChannel ch) { this.ch = ch; }

    /**
     * Connects, waiting up to {@code timeoutMs} for QEMU to create the socket and greet (QEMU greets
     * only once its netdevs are up: a vhost-user netdev on a server socket waits for the backend's
     * first connection); negotiates capabilities.
     */
    public static Qmp connect(Path socket, long timeoutMs, ProcessHandle qemu) throws IOException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        IOException last = null;
        while (System.nanoTime() < end) {
            if (qemu != null && !qemu.isAlive()) throw new IOException("QEMU exited before its QMP socket " + socket + " was up");
            if (Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    Qmp q = new Qmp(ch);
                    // the socket accepts before QEMU greets; closing it ends a read that would wait past the deadline
                    long left = Math.max(1, (end - System.nanoTime()) / 1_000_000);
                    Thread watchdog = Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(left);
                            ch.close();
                        } catch (InterruptedException | IOException ignored) {
                            // greeted in time, or already closed
                        }
                    });
                    String greeting;
                    try {
                        greeting = q.readLine();
                    } finally {
                        watchdog.interrupt();
                    }
                    if (!parse(greeting).has("QMP")) throw new IOException("not a QMP greeting: " + greeting);
                    q.execute("{\"execute\":\"qmp_capabilities\"}");
                    return q;
                } catch (IOException e) {
                    ch.close();
                    last = e;
                }
            }
            try { Thread.sleep(50); } catch (InterruptedException e) { Thread.currentThread().interrupt(); throw new IOException(e); }
        }
        throw new IOException("no QMP on " + socket + " after " + timeoutMs + " ms", last);
    }

    /** Sends one command and returns the reply line ({@code "return"} or {@code "error"}), skipping events. */
    public String execute(String json) throws IOException {
        ch.write(ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8)));
        while (true) {
            String line = readLine();
            JsonNode reply = parse(line);
            if (reply.has("return")) return line;
            if (reply.has("error")) throw new IOException("QMP " + json + " -> " + line);
            // "event" lines are skipped
        }
    }

    private static JsonNode parse(String line) throws IOException {
        try {
            return Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException("QMP sent a line that is not JSON: " + line, e);
        }
    }

    /** vCPU index to host thread id, from {@code query-cpus-fast}. */
    public List<Vcpu> vcpus() throws IOException {
        return parseVcpus(execute("{\"execute\":\"query-cpus-fast\"}"));
    }

    /**
     * Parses a {@code query-cpus-fast} reply: each element's own {@code cpu-index} and
     * {@code thread-id} (not those nested in {@code props}), sorted by index.
     */
    static List<Vcpu> parseVcpus(String reply) throws IOException {
        List<Vcpu> out = new ArrayList<>();
        JsonNode cpus = parse(reply).path("return");
        if (!cpus.isArray()) return out;
        for (JsonNode cpu : cpus) {
            JsonNode index = cpu.get("cpu-index"), thread = cpu.get("thread-id");
            if (index != null && index.isIntegralNumber() && index.canConvertToInt()
                    && thread != null && thread.isIntegralNumber() && thread.canConvertToLong()) {
                out.add(new Vcpu(index.intValue(), thread.longValue()));
            }
        }
        out.sort(Comparator.comparingInt(Vcpu::index));
        return out;
    }

    private String readLine() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (true) {
            int nl = buf.indexOf("\n");
            if (nl >= 0) {
                String line = buf.substring(0, nl).trim();
                buf.delete(0, nl + 1);
                if (!line.isEmpty()) return line;
                continue;
            }
            b.clear();
            int n = ch.read(b);
            if (n < 0) throw new IOException("QMP connection closed");
            buf.append(new String(b.array(), 0, n, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() throws IOException { ch.close(); }
}
