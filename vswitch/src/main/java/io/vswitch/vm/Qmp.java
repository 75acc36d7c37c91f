package io.vswitch.vm;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal QMP client over QEMU's unix socket: capabilities negotiation,
 * {@code query-cpus-fast}, {@code cont}, {@code quit}. QMP sends one JSON object
 * per line; the few fields used here are picked out with regular expressions.
 */
public final class Qmp implements AutoCloseable {
    /** One vCPU: its index in the guest and the host thread that runs it. */
    public record Vcpu(int index, long threadId) {}

    private final SocketChannel ch;
    private final StringBuilder buf = new StringBuilder();

    private Qmp(SocketChannel ch) { this.ch = ch; }

    /** Connects, waiting up to {@code timeoutMs} for QEMU to create the socket; negotiates capabilities. */
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
                    String greeting = q.readLine();
                    if (!greeting.contains("\"QMP\"")) throw new IOException("not a QMP greeting: " + greeting);
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
            if (line.contains("\"return\"")) return line;
            if (line.contains("\"error\"")) throw new IOException("QMP " + json + " -> " + line);
            // "event" lines are skipped
        }
    }

    private static final Pattern IDX = Pattern.compile("\"cpu-index\"\\s*:\\s*(\\d+)");
    private static final Pattern TID = Pattern.compile("\"thread-id\"\\s*:\\s*(\\d+)");

    /** vCPU index to host thread id, from {@code query-cpus-fast}. */
    public List<Vcpu> vcpus() throws IOException {
        return parseVcpus(execute("{\"execute\":\"query-cpus-fast\"}"));
    }

    /** Parses a {@code query-cpus-fast} reply. Only top-level fields of each element count. */
    static List<Vcpu> parseVcpus(String reply) {
        List<Vcpu> out = new ArrayList<>();
        // Split the return array into top-level elements by brace depth.
        int start = reply.indexOf('[');
        int depth = 0, from = -1;
        for (int i = start + 1; start >= 0 && i < reply.length(); i++) {
            char c = reply.charAt(i);
            if (c == '{') { if (depth++ == 0) from = i; }
            else if (c == '}') {
                if (--depth == 0) {
                    // drop nested objects: "props" has its own (SMT) "thread-id"
                    String el = reply.substring(from + 1, i).replaceAll("\\{[^{}]*\\}", "{}");
                    Matcher mi = IDX.matcher(el), mt = TID.matcher(el);
                    if (mi.find() && mt.find()) out.add(new Vcpu(Integer.parseInt(mi.group(1)), Long.parseLong(mt.group(1))));
                }
            } else if (c == ']' && depth == 0) break;
        }
        out.sort((a, b) -> Integer.compare(a.index(), b.index()));
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
