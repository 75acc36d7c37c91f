package io.vswitch.reflector;

import io.vswitch.dpdk.LcoreLoop;

import io.vswitch.dpdk.Mempool;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Samples the per-queue counters from its own thread and prints, per port and queue:
 * rx/tx packets, Mpps, Gbps (data_len bytes, no FCS or preamble), drops (tx shortfall),
 * the pool's mbufs in use, and each poll thread's allocated bytes (0 is the contract).
 * With a JSON path, appends one JSON object per sample and one for the final summary.
 */
public final class StatsReporter implements StatsSink {
    private final List<QueueCounters> counters;
    private final Mempool pool;
    private final List<? extends LcoreLoop> loops;
    private final PrintStream out;
    private final Path json;
    private final long start = System.nanoTime();
    private QueueCounters.Snapshot[] last;
    private long lastNanos = start;
    private long[] lastAlloc;

    public StatsReporter(List<QueueCounters> counters, Mempool pool, List<? extends LcoreLoop> loops, PrintStream out, Path json) {
        this.counters = counters;
        this.pool = pool;
        this.loops = loops;
        this.out = out;
        this.json = json;
        this.last = new QueueCounters.Snapshot[counters.size()];
        for (int i = 0; i < last.length; i++) {
            last[i] = new QueueCounters.Snapshot(0, 0, 0, 0, 0, 0, 0);
        }
    }

    /** Bytes each poll loop has allocated since it started (-1 before it started). */
    public long[] allocatedBytes() {
        return StatsSink.allocatedBytes(loops);
    }

    /** One interval: prints rates since the previous sample. */
    @Override
    public synchronized void sample() {
        long now = System.nanoTime();
        double dt = (now - lastNanos) / 1e9;
        QueueCounters.Snapshot[] cur = snap();
        report("stats", cur, last, dt, now);
        last = cur;
        lastNanos = now;
    }

    /** The run's totals and average rates. */
    @Override
    public synchronized void summary() {
        long now = System.nanoTime();
        QueueCounters.Snapshot[] zero = new QueueCounters.Snapshot[counters.size()];
        for (int i = 0; i < zero.length; i++) {
            zero[i] = new QueueCounters.Snapshot(0, 0, 0, 0, 0, 0, 0);
        }
        report("summary", snap(), zero, (now - start) / 1e9, now);
    }

    private QueueCounters.Snapshot[] snap() {
        QueueCounters.Snapshot[] s = new QueueCounters.Snapshot[counters.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = counters.get(i).snapshot();
        }
        return s;
    }

    private void report(String kind, QueueCounters.Snapshot[] cur, QueueCounters.Snapshot[] prev, double dt, long now) {
        double t = (now - start) / 1e9;
        StringBuilder txt = new StringBuilder();
        StringBuilder js = new StringBuilder();
        js.append(String.format(Locale.ROOT, "{\"type\":\"%s\",\"t\":%.3f,\"interval_s\":%.3f,\"queues\":[", kind, t, dt));
        long trx = 0, ttx = 0, tbytes = 0, tdrop = 0;
        String header = kind.equals("summary")
                ? String.format(Locale.ROOT, "summary after %.1f s:", t)
                : String.format(Locale.ROOT, "[%7.1fs]", t);
        txt.append(header).append('\n');
        for (int i = 0; i < cur.length; i++) {
            QueueCounters q = counters.get(i);
            long rx = cur[i].rxPkts() - prev[i].rxPkts();
            long tx = cur[i].txPkts() - prev[i].txPkts();
            long by = cur[i].rxBytes() - prev[i].rxBytes();
            long dr = cur[i].drops() - prev[i].drops();
            trx += rx;
            ttx += tx;
            tbytes += by;
            tdrop += dr;
            txt.append(String.format(Locale.ROOT, "  %-12s q%-2d rx %14d  tx %14d  %8.3f Mpps  %7.3f Gbps  drops %d%n",
                    q.portName, q.queue, cur[i].rxPkts(), cur[i].txPkts(), rx / dt / 1e6, by * 8 / dt / 1e9,
                    cur[i].drops()));
            js.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"port\":\"%s\",\"queue\":%d,\"rx_pkts\":%d,\"tx_pkts\":%d,\"rx_bytes\":%d,\"tx_bytes\":%d,"
                            + "\"drops\":%d,\"rx_pps\":%.1f,\"tx_pps\":%.1f,\"rx_gbps\":%.4f}",
                    q.portName, q.queue, cur[i].rxPkts(), cur[i].txPkts(), cur[i].rxBytes(), cur[i].txBytes(),
                    cur[i].drops(), rx / dt, tx / dt, by * 8 / dt / 1e9));
        }
        long[] alloc = allocatedBytes();
        long[] allocDelta = new long[alloc.length];
        for (int i = 0; i < alloc.length; i++) {
            allocDelta[i] = kind.equals("summary") || lastAlloc == null ? alloc[i] : alloc[i] - lastAlloc[i];
        }
        if (!kind.equals("summary")) {
            lastAlloc = alloc;
        }
        int inUse = pool.inUse();
        txt.append(String.format(Locale.ROOT, "  total           rx %8.3f Mpps  tx %8.3f Mpps  %7.3f Gbps  drops %d"
                        + "  | mbufs in use %d/%d | poll-thread alloc %s B%s%n",
                trx / dt / 1e6, ttx / dt / 1e6, tbytes * 8 / dt / 1e9, tdrop, inUse, pool.size, join(allocDelta),
                kind.equals("summary") ? " since start (JIT warm-up included)" : " this interval"));
        js.append(String.format(Locale.ROOT, "],\"rx_pps\":%.1f,\"tx_pps\":%.1f,\"rx_gbps\":%.4f,\"drops\":%d,"
                + "\"mbufs_in_use\":%d,\"mbufs\":%d,\"poll_alloc_bytes\":[%s],\"poll_alloc_delta\":[%s]}", trx / dt,
                ttx / dt, tbytes * 8 / dt / 1e9, tdrop, inUse, pool.size, join(alloc), join(allocDelta)));
        out.print(txt);
        out.flush();
        StatsSink.appendJson(json, js.toString(), out);
    }

    private static String join(long[] a) {
        return StatsSink.join(a);
    }
}
