package io.vswitch.reflector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
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
 *
 * <p>With {@code --ab} ({@link AbSchedule}) each sample's line names the variant the loops ran
 * in its interval ({@code "variant"}, with {@code "ab_round"}: whole turns before it, and
 * {@code "ab_sample"}: the interval's place in its period, 0 right after a switch), and the
 * summary adds each variant's sampled totals ({@code "ab"}; the time after the last sample is
 * in no variant's).
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
    private final AbSchedule ab;
    /** Per variant (by ordinal): sampled seconds, rx, tx, drops. Stats thread, then summary after it stopped. */
    private final double[] abSeconds = new double[LoopVariant.values().length];
    private final long[][] abPkts = new long[LoopVariant.values().length][3];

    public StatsReporter(List<QueueCounters> counters, Mempool pool, List<? extends LcoreLoop> loops, PrintStream out, Path json) {
        this(counters, pool, loops, out, json, null);
    }

    /** With {@code ab} (or null): lines name the variant of their interval. */
    public StatsReporter(List<QueueCounters> counters, Mempool pool, List<? extends LcoreLoop> loops, PrintStream out, Path json,
                         AbSchedule ab) {
        this.ab = ab;
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
        ObjectNode js = Json.MAPPER.createObjectNode().put("type", kind).put("t", t).put("interval_s", dt);
        ArrayNode queues = js.putArray("queues");
        long trx = 0, ttx = 0, tbytes = 0, tdrop = 0;
        String header = kind.equals("summary")
                ? String.format(Locale.ROOT, "summary after %.1f s:", t)
                : String.format(Locale.ROOT, "[%7.1fs]", t);
        if (ab != null && !kind.equals("summary")) {
            header += " variant " + ab.current().cliName();
            js.put("variant", ab.current().cliName()).put("ab_round", ab.round()).put("ab_sample", ab.sampleInPeriod());
        }
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
            queues.addObject().put("port", q.portName).put("queue", q.queue).put("rx_pkts", cur[i].rxPkts())
                    .put("tx_pkts", cur[i].txPkts()).put("rx_bytes", cur[i].rxBytes()).put("tx_bytes", cur[i].txBytes())
                    .put("drops", cur[i].drops()).put("rx_pps", rx / dt).put("tx_pps", tx / dt)
                    .put("rx_gbps", by * 8 / dt / 1e9);
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
        js.put("rx_pps", trx / dt).put("tx_pps", ttx / dt).put("rx_gbps", tbytes * 8 / dt / 1e9).put("drops", tdrop)
                .put("mbufs_in_use", inUse).put("mbufs", pool.size);
        StatsSink.putArray(js, "poll_alloc_bytes", alloc);
        StatsSink.putArray(js, "poll_alloc_delta", allocDelta);
        if (ab != null) {
            abReport(kind, js, txt, dt, trx, ttx, tdrop);
        }
        out.print(txt);
        out.flush();
        StatsSink.appendJson(json, js, out);
    }

    /** A sample adds its interval to its variant's totals; the summary prints and records them. */
    private void abReport(String kind, ObjectNode js, StringBuilder txt, double dt, long rx, long tx, long drops) {
        if (!kind.equals("summary")) {
            int v = ab.current().ordinal();
            abSeconds[v] += dt;
            abPkts[v][0] += rx;
            abPkts[v][1] += tx;
            abPkts[v][2] += drops;
            return;
        }
        ObjectNode o = js.putObject("ab");
        for (LoopVariant lv : ab.variants()) {
            int v = lv.ordinal();
            double sec = abSeconds[v];
            o.putObject(lv.cliName()).put("seconds", sec).put("rx_pkts", abPkts[v][0]).put("tx_pkts", abPkts[v][1])
                    .put("drops", abPkts[v][2]).put("rx_pps", sec > 0 ? abPkts[v][0] / sec : 0)
                    .put("tx_pps", sec > 0 ? abPkts[v][1] / sec : 0);
            txt.append(String.format(Locale.ROOT, "  variant %-9s %7.1f s sampled  rx %8.3f Mpps  tx %8.3f Mpps  drops %d%n",
                    lv.cliName(), sec, sec > 0 ? abPkts[v][0] / sec / 1e6 : 0.0, sec > 0 ? abPkts[v][1] / sec / 1e6 : 0.0,
                    abPkts[v][2]));
        }
    }

    private static String join(long[] a) {
        return StatsSink.join(a);
    }
}
