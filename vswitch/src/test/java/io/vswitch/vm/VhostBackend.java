package io.vswitch.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vhost-user backend the guest tests run against: a 5-tuple-swapping reflector listening
 * on a vhost-user socket. Today that is dpdk-testpmd's net_vhost vdev in 5tswap mode.
 *
 * <p>To test our own switch instead, change {@link #command} (the only place that names the
 * program) to {@code bin/vswitch --mode 5tswap ...} and {@link #parse} to read its final
 * per-queue counters; the tests only use {@link Stats}.
 */
final class VhostBackend implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** Final counters: per queue (index = queue id) and for the port. */
    record Stats(long[] rxPerQueue, long[] txPerQueue, long rx, long tx, long txDropped) {}

    private final Process proc;
    private final Path log;
    private final int queues;

    private VhostBackend(Process proc, Path log, int queues) { this.proc = proc; this.log = log; this.queues = queues; }

    /** The backend command line: vhost-user server socket {@code sock} with {@code queues} queue pairs. */
    static List<String> command(Path sock, int queues, boolean iommu, String prefix) {
        List<String> c = new ArrayList<>(List.of(
                "dpdk-testpmd", "-l", "0,1", "--no-pci", "--no-huge", "-m", "256", "--file-prefix", prefix,
                "--vdev", "net_vhost0,iface=" + sock + ",queues=" + queues + ",client=0" + (iommu ? ",iommu-support=1" : ""),
                "--", "--forward-mode=5tswap", "--rxq=" + queues, "--txq=" + queues, "--nb-cores=1",
                "--total-num-mbufs=8192", "--stats-period", "5"));
        return c;
    }

    static VhostBackend start(Path dir, int queues, boolean iommu) throws IOException, InterruptedException {
        Path sock = dir.resolve("vhost.sock");
        Path log = dir.resolve("backend.log");
        String prefix = "vsvm" + ProcessHandle.current().pid() + "_" + SEQ.incrementAndGet();
        Process p = new ProcessBuilder(command(sock, queues, iommu, prefix))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        VhostBackend b = new VhostBackend(p, log, queues);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(sock)) {
            if (!p.isAlive() || System.nanoTime() > end) {
                b.close();
                throw new IOException("vhost backend did not create " + sock + ":\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        return b;
    }

    Path socket() { return log.resolveSibling("vhost.sock"); }

    /** Stops the backend (SIGTERM: testpmd stops forwarding and prints its counters) and parses them. */
    Stats stop() throws IOException, InterruptedException {
        proc.destroy();
        if (!proc.waitFor(20, TimeUnit.SECONDS)) {
            proc.destroyForcibly().waitFor();
            throw new IOException("vhost backend did not stop on SIGTERM; log " + log);
        }
        return parse(Files.readString(log, StandardCharsets.ISO_8859_1), queues);
    }

    private static final Pattern STREAM = Pattern.compile(
            "Forward Stats for RX Port=\\s*\\d+/Queue=\\s*(\\d+) -> TX Port=\\s*\\d+/Queue=\\s*\\d+\\s*-+\\s*"
            + "RX-packets:\\s*(\\d+)\\s+TX-packets:\\s*(\\d+)");
    private static final Pattern PORT = Pattern.compile(
            "Forward statistics for port\\s+\\d+\\s*-+\\s*RX-packets:\\s*(\\d+).*?\\n\\s*TX-packets:\\s*(\\d+)\\s+TX-dropped:\\s*(\\d+)", Pattern.DOTALL);

    static Stats parse(String out, int queues) throws IOException {
        Matcher pm = PORT.matcher(out);
        if (!pm.find()) throw new IOException("no final port statistics in the backend output:\n" + out);
        long rx = Long.parseLong(pm.group(1)), tx = Long.parseLong(pm.group(2)), drop = Long.parseLong(pm.group(3));
        long[] rq = new long[queues], tq = new long[queues];
        if (queues == 1) {
            rq[0] = rx;
            tq[0] = tx;
        } else {
            Matcher sm = STREAM.matcher(out);
            while (sm.find()) {
                int q = Integer.parseInt(sm.group(1));
                rq[q] = Long.parseLong(sm.group(2));
                tq[q] = Long.parseLong(sm.group(3));
            }
        }
        return new Stats(rq, tq, rx, tx, drop);
    }

    @Override
    public void close() {
        if (!proc.isAlive()) return;
        proc.destroy();
        try {
            if (!proc.waitFor(10, TimeUnit.SECONDS)) proc.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            proc.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
