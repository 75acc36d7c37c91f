package io.vswitch.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The vhost-user backend the guest tests run against: our reflector ({@code vswitch --mode
 * 5tswap}, run from the test class path) listening on a vhost-user socket. Its final
 * per-queue counters come from the summary line of {@code --stats-json}; the tests only use
 * {@link Stats}.
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
        return io.vswitch.testutil.Dpdk.vswitch(List.of(
                "--vdev", "net_vhost0,iface=" + sock + ",queues=" + queues + (iommu ? ",iommu-support=1" : ""),
                "--lcores", "1", "--mode", "5tswap", "--no-huge", "-m", "256", "--file-prefix", prefix,
                "--stats-json", sock.resolveSibling("backend-stats.json").toString()));
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

    /** Stops the backend (SIGTERM: vswitch stops, writes its summary) and parses the counters. */
    Stats stop() throws IOException, InterruptedException {
        proc.destroy();
        if (!proc.waitFor(20, TimeUnit.SECONDS)) {
            proc.destroyForcibly().waitFor();
            throw new IOException("vhost backend did not stop on SIGTERM; log " + log);
        }
        if (proc.exitValue() != 0) {
            throw new IOException("vhost backend exited with " + proc.exitValue() + ":\n" + Files.readString(log));
        }
        return parse(Files.readAllLines(socket().resolveSibling("backend-stats.json")), queues);
    }

    /** The counters in the summary (last) line of the backend's --stats-json. */
    static Stats parse(List<String> statsJson, int queues) throws IOException {
        if (statsJson.isEmpty()) {
            throw new IOException("the backend wrote no stats");
        }
        JsonNode summary = Json.MAPPER.readTree(statsJson.get(statsJson.size() - 1));
        if (!"summary".equals(summary.path("type").textValue())) {
            throw new IOException("the backend's last stats line is not its summary: " + summary);
        }
        long[] rq = new long[queues];
        long[] tq = new long[queues];
        long rx = 0;
        long tx = 0;
        long drops = 0;
        for (JsonNode q : summary.get("queues")) {
            int id = (int) count(q, "queue", summary);
            rq[id] = count(q, "rx_pkts", summary);
            tq[id] = count(q, "tx_pkts", summary);
            rx += rq[id];
            tx += tq[id];
            drops += count(q, "drops", summary);
        }
        return new Stats(rq, tq, rx, tx, drops);
    }

    /** The integer {@code key} of a queue's entry in {@code line}. */
    private static long count(JsonNode q, String key, JsonNode line) throws IOException {
        JsonNode n = q.get(key);
        if (n == null || !n.isIntegralNumber()) {
            throw new IOException("no integer " + key + " in the backend's summary " + line);
        }
        return n.longValue();
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
