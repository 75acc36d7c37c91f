package io.vswitch.sw;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.PortCounters;
import io.vswitch.dpdk.LcoreLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The switch's numbers, for {@code --stats} (text on stdout, and with {@code --stats-json} one
 * JSON object per sample and one for the summary) and for the control socket (port.stats,
 * fdb.show): per port, since it was added and summed over the lcores, packets received and
 * sent, Mpps, frames flooded from the port, sources learned on it, and drops by reason; then
 * the MAC table's fill, the pool's mbufs in use and each poll thread's allocated bytes (0 is
 * the contract). Sampled on the control side from counters only the lcores write.
 */
public final class SwitchStats {
    static final ObjectMapper JSON = io.vswitch.Json.MAPPER;

    private final SwitchNode node;
    private final PrintStream out;
    private final Path json;
    private final long start = System.nanoTime();
    private long lastNanos = start;
    /** Last sample's rx and tx per port name (ports come and go). */
    private Map<String, long[]> last = new HashMap<>();
    private long[] lastAlloc;

    public SwitchStats(SwitchNode node, PrintStream out, Path json) {
        this.node = node;
        this.out = out;
        this.json = json;
    }

    /** One interval: rates since the previous sample. */
    public synchronized void sample() {
        long now = System.nanoTime();
        report("stats", (now - lastNanos) / 1e9, now);
        lastNanos = now;
    }

    /** The run's totals and average rates. */
    public synchronized void summary() {
        long now = System.nanoTime();
        last = new HashMap<>();
        report("summary", (now - start) / 1e9, now);
    }

    /** A port's counters as the control socket's port.stats gives them. */
    static ObjectNode portStats(SwitchNode node, SwitchNode.Port p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", p.cfg.name());
        o.put("rx_packets", node.counter(p, PortCounters.RX_PACKETS));
        o.put("rx_bytes", node.counter(p, PortCounters.RX_BYTES));
        o.put("tx_packets", node.counter(p, PortCounters.TX_PACKETS));
        o.put("tx_bytes", node.counter(p, PortCounters.TX_BYTES));
        o.put("flooded", node.counter(p, PortCounters.FLOODED));
        o.put("learned", node.counter(p, PortCounters.LEARNED));
        o.put("learn_failed", node.counter(p, PortCounters.LEARN_FAILED));
        ObjectNode d = o.putObject("drops");
        for (int i = 0; i < PortCounters.DROP_KINDS.length; i++) {
            d.put(PortCounters.DROP_REASONS[i], node.counter(p, PortCounters.DROP_KINDS[i]));
        }
        return o;
    }

    /**
     * The MAC table as JSON: of one port, or all when {@code portName} is null. For fdb.show
     * ({@code byName}) each entry's {@code port} is the port's name (and {@code port_id} its id);
     * for the SIGUSR1 dump, as documented since before ports had names of their own,
     * {@code port} is the id and {@code name} the name.
     */
    static ObjectNode fdb(SwitchNode node, String portName, boolean byName) {
        MacTable t = node.table();
        int only = portName == null ? -1 : node.port(portName).id();
        long now = System.nanoTime();
        ObjectNode o = JSON.createObjectNode();
        List<MacTable.Entry> entries = t.entries(now).stream().filter(e -> only < 0 || e.port() == only).toList();
        o.put("capacity", t.capacity());
        o.put("entries", entries.size());
        o.put("learn_failures", t.learnFailures());
        o.put("max_age_s", t.maxAgeNanos() / 1_000_000_000L);
        ArrayNode a = o.putArray("fdb");
        for (MacTable.Entry e : entries) {
            ObjectNode r = a.addObject();
            String name = node.nameOf(e.port());
            if (byName) {
                r.put("port", name);
                r.put("port_id", e.port());
            } else {
                r.put("port", e.port());
                if (name != null) {
                    r.put("name", name);
                }
            }
            r.put("vlan", e.vlan());
            r.put("mac", MacTable.formatMac(e.mac()));
            r.put("age_s", e.ageSeconds());
        }
        return o;
    }

    private void report(String kind, double dt, long now) {
        boolean summary = kind.equals("summary");
        double t = (now - start) / 1e9;
        StringBuilder txt = new StringBuilder();
        txt.append(summary ? String.format(Locale.ROOT, "summary after %.1f s:%n", t)
                : String.format(Locale.ROOT, "[%7.1fs]%n", t));
        txt.append(String.format(Locale.ROOT, "  %-16s %14s %14s %9s %9s %12s %8s %10s%n", "port", "rx", "tx", "rx Mpps",
                "tx Mpps", "flooded", "learned", "drops"));
        ObjectNode js = JSON.createObjectNode();
        js.put("type", kind);
        js.put("t", round3(t));
        js.put("interval_s", round3(dt));
        ArrayNode arr = js.putArray("ports");
        double trx = 0;
        double ttx = 0;
        long tdrops = 0;
        Map<String, long[]> seen = new HashMap<>();
        for (SwitchNode.Port p : node.ports()) {
            String name = p.cfg.name();
            long rx = node.counter(p, PortCounters.RX_PACKETS);
            long tx = node.counter(p, PortCounters.TX_PACKETS);
            long txDrop = node.counter(p, PortCounters.DROP_TX_FULL);
            long drops = 0;
            for (int k : PortCounters.DROP_KINDS) {
                drops += node.counter(p, k);
            }
            long[] prev = last.getOrDefault(name, new long[2]);
            double rxPps = (rx - prev[0]) / dt;
            double txPps = (tx - prev[1]) / dt;
            seen.put(name, new long[] {rx, tx});
            trx += rxPps;
            ttx += txPps;
            tdrops += drops;
            txt.append(String.format(Locale.ROOT, "  %-16s %14d %14d %9.3f %9.3f %12d %8d %10d%n", name, rx, tx,
                    rxPps / 1e6, txPps / 1e6, node.counter(p, PortCounters.FLOODED),
                    node.counter(p, PortCounters.LEARNED), drops));
            ObjectNode o = arr.addObject();
            o.put("port", p.id());
            o.put("name", name);
            o.put("rx_pkts", rx);
            o.put("tx_pkts", tx);
            o.put("rx_bytes", node.counter(p, PortCounters.RX_BYTES));
            o.put("tx_bytes", node.counter(p, PortCounters.TX_BYTES));
            o.put("rx_pps", round1(rxPps));
            o.put("tx_pps", round1(txPps));
            o.put("tx_drops", txDrop);
            o.put("drops", drops);
            for (int k = PortCounters.FORWARDED; k < PortCounters.KINDS; k++) {
                if (k != PortCounters.BURSTS) {
                    o.put(PortCounters.NAMES[k], node.counter(p, k));
                }
            }
        }
        if (!summary) {
            last = seen;
        }
        List<SwitchLoop> loops = node.loops();
        long[] alloc = new long[loops.size()];
        long[] allocDelta = new long[alloc.length];
        for (int i = 0; i < alloc.length; i++) {
            alloc[i] = ((LcoreLoop) loops.get(i)).allocatedInLoop();
            allocDelta[i] = summary || lastAlloc == null ? alloc[i] : alloc[i] - lastAlloc[i];
        }
        if (!summary) {
            lastAlloc = alloc;
        }
        MacTable table = node.table();
        int live = table.liveEntries(now);
        long failures = table.learnFailures();
        int inUse = node.pool().inUse();
        txt.append(String.format(Locale.ROOT, "  total rx %.3f Mpps tx %.3f Mpps drops %d | mac table %d/%d, %d not"
                        + " learned (full) | mbufs in use %d/%d | poll-thread alloc %s B%s%n", trx / 1e6, ttx / 1e6,
                tdrops, live, table.capacity(), failures, inUse, node.pool().size, join(allocDelta),
                summary ? " since start (JIT warm-up included)" : " this interval"));
        js.put("rx_pps", round1(trx));
        js.put("tx_pps", round1(ttx));
        js.put("drops", tdrops);
        js.put("fdb_entries", live);
        js.put("fdb_slots_used", table.entries());
        js.put("fdb_capacity", table.capacity());
        js.put("fdb_learn_failures", failures);
        js.put("mbufs_in_use", inUse);
        js.put("mbufs", node.pool().size);
        ArrayNode a1 = js.putArray("poll_alloc_bytes");
        ArrayNode a2 = js.putArray("poll_alloc_delta");
        for (int i = 0; i < alloc.length; i++) {
            a1.add(alloc[i]);
            a2.add(allocDelta[i]);
        }
        synchronized (out) {
            out.print(txt);
            out.flush();
        }
        appendJson(js);
    }

    private void appendJson(ObjectNode js) {
        if (json == null) {
            return;
        }
        try (Writer w = Files.newBufferedWriter(json, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            w.write(JSON.writeValueAsString(js));
            w.write('\n');
        } catch (IOException e) {
            out.println("vswitch: cannot write --stats-json " + json + ": " + e.getMessage());
        }
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String join(long[] a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            sb.append(i == 0 ? "" : ",").append(a[i]);
        }
        return sb.toString();
    }
}
