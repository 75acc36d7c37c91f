package io.vswitch.reflector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.Json;
import io.vswitch.datapath.Forwarding;
import io.vswitch.datapath.MacTable;
import io.vswitch.dpdk.Mempool;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The switch's stats: per port, summed over the lcores, packets received and sent, Mpps,
 * frames flooded from the port, sources learned on it, and drops (forwarding drops of
 * frames received on it: runts, multicast sources, hairpins; plus the tx shortfall freed
 * for it as an output port); then the MAC table's fill, the pool's mbufs in use and each
 * poll thread's allocated bytes (0 is the contract). Text on stdout; with a JSON path one
 * JSON object per sample and one for the summary.
 */
public final class SwitchStats implements StatsSink {
    private final List<String> names;
    private final List<SwitchLoop> loops;
    private final MacTable table;
    private final Mempool pool;
    private final PrintStream out;
    private final Path json;
    private final long start = System.nanoTime();
    private long lastNanos = start;
    private long[] lastRx;
    private long[] lastTx;
    private long[] lastAlloc;

    public SwitchStats(List<String> portNames, List<SwitchLoop> loops, MacTable table, Mempool pool, PrintStream out,
                       Path json) {
        this.names = List.copyOf(portNames);
        this.loops = loops;
        this.table = table;
        this.pool = pool;
        this.out = out;
        this.json = json;
        this.lastRx = new long[names.size()];
        this.lastTx = new long[names.size()];
    }

    /** A counter of {@code port} summed over the lcores. */
    long io(int port, int kind) {
        long n = 0;
        for (SwitchLoop l : loops) {
            n += l.counters().get(port, kind);
        }
        return n;
    }

    /** A forwarding counter of {@code port} summed over the lcores. */
    long fwd(int port, int kind) {
        long n = 0;
        for (SwitchLoop l : loops) {
            n += l.forwarding().counter(port, kind);
        }
        return n;
    }

    @Override
    public synchronized void sample() {
        long now = System.nanoTime();
        report("stats", (now - lastNanos) / 1e9, now);
        lastNanos = now;
    }

    @Override
    public synchronized void summary() {
        long now = System.nanoTime();
        lastRx = new long[names.size()];
        lastTx = new long[names.size()];
        report("summary", (now - start) / 1e9, now);
    }

    private void report(String kind, double dt, long now) {
        boolean summary = kind.equals("summary");
        double t = (now - start) / 1e9;
        StringBuilder txt = new StringBuilder();
        txt.append(summary ? String.format(Locale.ROOT, "summary after %.1f s:%n", t)
                : String.format(Locale.ROOT, "[%7.1fs]%n", t));
        txt.append(String.format(Locale.ROOT, "  %-16s %14s %14s %9s %9s %12s %8s %10s%n", "port", "rx", "tx", "rx Mpps",
                "tx Mpps", "flooded", "learned", "drops"));
        ObjectNode js = Json.MAPPER.createObjectNode().put("type", kind).put("t", t).put("interval_s", dt);
        ArrayNode ports = js.putArray("ports");
        double trx = 0;
        double ttx = 0;
        long tdrops = 0;
        for (int p = 0; p < names.size(); p++) {
            long rx = io(p, SwitchCounters.RX);
            long tx = io(p, SwitchCounters.TX);
            long txDrop = io(p, SwitchCounters.TX_DROP);
            long fwdDrop = fwd(p, Forwarding.DROP_RUNT) + fwd(p, Forwarding.DROP_BAD_SOURCE)
                    + fwd(p, Forwarding.DROP_HAIRPIN);
            long drops = fwdDrop + txDrop;
            double rxPps = (rx - lastRx[p]) / dt;
            double txPps = (tx - lastTx[p]) / dt;
            trx += rxPps;
            ttx += txPps;
            tdrops += drops;
            lastRx[p] = rx;
            lastTx[p] = tx;
            txt.append(String.format(Locale.ROOT, "  %-16s %14d %14d %9.3f %9.3f %12d %8d %10d%n", names.get(p), rx, tx,
                    rxPps / 1e6, txPps / 1e6, fwd(p, Forwarding.FLOODED), fwd(p, Forwarding.LEARNED), drops));
            ObjectNode port = ports.addObject().put("port", p).put("name", names.get(p)).put("rx_pkts", rx)
                    .put("tx_pkts", tx).put("rx_bytes", io(p, SwitchCounters.RX_BYTES)).put("rx_pps", rxPps)
                    .put("tx_pps", txPps).put("tx_drops", txDrop).put("drops", drops);
            for (int k = 0; k < Forwarding.COUNTERS; k++) {
                port.put(Forwarding.COUNTER_NAMES[k], fwd(p, k));
            }
        }
        long[] alloc = StatsSink.allocatedBytes(loops);
        long[] allocDelta = new long[alloc.length];
        for (int i = 0; i < alloc.length; i++) {
            allocDelta[i] = summary || lastAlloc == null ? alloc[i] : alloc[i] - lastAlloc[i];
        }
        if (!summary) {
            lastAlloc = alloc;
        }
        int live = table.liveEntries(now);
        long failures = table.learnFailures();
        int inUse = pool.inUse();
        txt.append(String.format(Locale.ROOT, "  total rx %.3f Mpps tx %.3f Mpps drops %d | mac table %d/%d, %d not"
                        + " learned (full) | mbufs in use %d/%d | poll-thread alloc %s B%s%n", trx / 1e6, ttx / 1e6,
                tdrops, live, table.capacity(), failures, inUse, pool.size, StatsSink.join(allocDelta),
                summary ? " since start (JIT warm-up included)" : " this interval"));
        js.put("rx_pps", trx).put("tx_pps", ttx).put("drops", tdrops).put("fdb_entries", live)
                .put("fdb_slots_used", table.entries()).put("fdb_capacity", table.capacity())
                .put("fdb_learn_failures", failures).put("mbufs_in_use", inUse).put("mbufs", pool.size);
        StatsSink.putArray(js, "poll_alloc_bytes", alloc);
        StatsSink.putArray(js, "poll_alloc_delta", allocDelta);
        out.print(txt);
        out.flush();
        StatsSink.appendJson(json, js, out);
    }
}
