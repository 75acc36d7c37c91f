package io.vswitch.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.PortCounters;
import io.vswitch.sw.SwitchSnapshot;
import io.vswitch.sw.SwitchSnapshot.PortSample;
import java.util.List;
import java.util.function.Supplier;

/**
 * The switch's metrics, read when Prometheus scrapes (on the HTTP server's thread, never in a
 * poll loop): each scrape takes one {@link SwitchSnapshot} and turns it into metric families.
 * Names follow the Prometheus conventions: a {@code vswitch_} prefix, counters end in
 * {@code _total} (the library appends it to the names below), base units ({@code _bytes}),
 * gauges without a suffix; labels {@code port} (the name port.add gave it), {@code queue}
 * (rx queue for rx, tx queue for tx: lcore {@code i} sends on tx queue {@code i}, or on an enabled
 * one when the guest left it disabled) and
 * {@code reason} for drops.
 *
 * <pre>
 *   vswitch_port_rx_packets_total{port,queue}      vswitch_port_rx_bytes_total{port,queue}      DPDK per-queue stats
 *   vswitch_port_tx_packets_total{port,queue}      vswitch_port_tx_bytes_total{port,queue}
 *   vswitch_port_dropped_packets_total{port,reason}                                              the switch's counters
 *   vswitch_port_flooded_packets_total{port}   vswitch_port_learned_macs_total{port}   vswitch_port_learn_failures_total{port}
 *   vswitch_port_link_up{port}   vswitch_port_info{port,type,port_id} 1
 *   vswitch_mac_table_entries   vswitch_mac_table_capacity   vswitch_mac_table_learn_failures_total
 *   vswitch_mbufs_in_use   vswitch_mbuf_pool_size
 *   vswitch_lcore_busy_cycles_total{lcore,cpu}   vswitch_lcore_idle_cycles_total{lcore,cpu}          each poll loop's
 *   vswitch_lcore_frames_total{lcore,cpu}   vswitch_lcore_bursts_total{lcore,cpu}   vswitch_tsc_hz   LcoreCycles
 *   vswitch_lcore_poll_seconds{lcore,cpu}   (histogram: _bucket{le}, _count, _sum)
 * </pre>
 *
 * A loop's busy share is {@code rate(busy) / (rate(busy) + rate(idle))}; its cycles per frame
 * {@code rate(busy) / rate(frames)} (pmd-stats shows the same since its last clear; these
 * counters are never cleared). {@code vswitch_lcore_poll_seconds} is every poll of the loop
 * (with frames or without) by duration, buckets at powers of two microseconds (1 us .. 2^24 us,
 * then +Inf): a poll of milliseconds means the loop stalled; {@code _sum} is busy plus idle
 * cycles over the TSC rate. A poll of exactly 2^k us is counted in the next bucket up (the
 * loop's buckets are [2^(k-1), 2^k) us, Prometheus' le is inclusive).
 *
 * A port's rx/tx per queue are DPDK's ({@code rte_eth_stats_get}: the PMD counts every frame
 * its rx burst returned and its tx burst took, per queue), so the poll loop counts nothing
 * more; summed over the queues they equal port.stats' rx_packets/tx_packets (the switch's own
 * per-lcore counters). DPDK keeps per-queue numbers for the first 16 queues of a port only.
 * The JVM's own metrics (GC, memory, threads) are not exported.
 */
public final class SwitchCollector implements MultiCollector {
    public static final String RX_PACKETS = "vswitch_port_rx_packets";
    public static final String RX_BYTES = "vswitch_port_rx_bytes";
    public static final String TX_PACKETS = "vswitch_port_tx_packets";
    public static final String TX_BYTES = "vswitch_port_tx_bytes";
    public static final String DROPPED = "vswitch_port_dropped_packets";
    public static final String FLOODED = "vswitch_port_flooded_packets";
    public static final String LEARNED = "vswitch_port_learned_macs";
    public static final String PORT_LEARN_FAILURES = "vswitch_port_learn_failures";
    public static final String LINK_UP = "vswitch_port_link_up";
    public static final String PORT_INFO = "vswitch_port_info";
    public static final String MAC_ENTRIES = "vswitch_mac_table_entries";
    public static final String MAC_CAPACITY = "vswitch_mac_table_capacity";
    public static final String MAC_LEARN_FAILURES = "vswitch_mac_table_learn_failures";
    public static final String MBUFS_IN_USE = "vswitch_mbufs_in_use";
    public static final String MBUF_POOL_SIZE = "vswitch_mbuf_pool_size";
    public static final String LCORE_BUSY = "vswitch_lcore_busy_cycles";
    public static final String LCORE_IDLE = "vswitch_lcore_idle_cycles";
    public static final String LCORE_FRAMES = "vswitch_lcore_frames";
    public static final String LCORE_BURSTS = "vswitch_lcore_bursts";
    public static final String TSC_HZ = "vswitch_tsc_hz";
    public static final String LCORE_POLL = "vswitch_lcore_poll_seconds";

    /** The counters' names as exposed (with {@code _total}); the gauges' are as above. */
    public static final List<String> COUNTERS = List.of(RX_PACKETS, RX_BYTES, TX_PACKETS, TX_BYTES, DROPPED, FLOODED,
            LEARNED, PORT_LEARN_FAILURES, MAC_LEARN_FAILURES, LCORE_BUSY, LCORE_IDLE, LCORE_FRAMES, LCORE_BURSTS);
    public static final List<String> GAUGES = List.of(LINK_UP, PORT_INFO, MAC_ENTRIES, MAC_CAPACITY, MBUFS_IN_USE,
            MBUF_POOL_SIZE, TSC_HZ);
    /** The histograms' names (exposed as {@code _bucket}, {@code _count} and {@code _sum}). */
    public static final List<String> HISTOGRAMS = List.of(LCORE_POLL);

    /** The poll histogram's upper bounds in seconds: 2^k us for every bucket but the last, then +Inf. */
    static double[] pollUpperBounds() {
        double[] b = new double[LcoreCycles.POLL_BUCKETS];
        for (int k = 0; k < b.length; k++) {
            b[k] = LcoreCycles.bucketUpperUs(k) / 1e6;
        }
        return b;
    }

    private final Supplier<SwitchSnapshot> source;

    /** @param source the switch's numbers now, or null while there is no running switch to read */
    public SwitchCollector(Supplier<SwitchSnapshot> source) {
        this.source = source;
    }

    /** Every metric name a scrape can show (counters with {@code _total}). */
    public static List<String> exposedNames() {
        return java.util.stream.Stream.of(COUNTERS.stream().map(n -> n + "_total"), GAUGES.stream(), HISTOGRAMS.stream())
                .flatMap(x -> x).toList();
    }

    @Override
    public MetricSnapshots collect() {
        SwitchSnapshot s = source.get();
        if (s == null) {
            return new MetricSnapshots();
        }
        CounterSnapshot.Builder rxp = counter(RX_PACKETS, "Frames received on a port's rx queue", null);
        CounterSnapshot.Builder rxb = counter(RX_BYTES, "Bytes received on a port's rx queue (frames without FCS)",
                Unit.BYTES);
        CounterSnapshot.Builder txp = counter(TX_PACKETS, "Frames sent on a port's tx queue", null);
        CounterSnapshot.Builder txb = counter(TX_BYTES, "Bytes sent on a port's tx queue (frames without FCS)",
                Unit.BYTES);
        CounterSnapshot.Builder drops = counter(DROPPED, "Frames dropped, by reason: runt, bad_source, hairpin, vlan"
                + " and no_port are booked on the input port; tx_full (the guest's ring was full), link_down (no guest)"
                + " and no_mbuf on the output port", null);
        CounterSnapshot.Builder flooded = counter(FLOODED, "Frames received on the port that were flooded"
                + " (broadcast, multicast, unknown unicast)", null);
        CounterSnapshot.Builder learned = counter(LEARNED, "Source MACs learned (or moved) on the port", null);
        CounterSnapshot.Builder portFail = counter(PORT_LEARN_FAILURES, "Source MACs seen on the port that the full"
                + " MAC table could not learn", null);
        GaugeSnapshot.Builder link = gauge(LINK_UP, "1 when the port's link is up (for vhost: a guest is connected)");
        GaugeSnapshot.Builder info = gauge(PORT_INFO, "Always 1; the port's type and DPDK port id as labels");
        for (PortSample p : s.ports()) {
            String port = p.name();
            for (int q = 0; q < p.rxqPackets().length; q++) {
                Labels l = Labels.of("port", port, "queue", Integer.toString(q));
                rxp.dataPoint(count(l, p.rxqPackets()[q]));
                rxb.dataPoint(count(l, p.rxqBytes()[q]));
            }
            for (int q = 0; q < p.txqPackets().length; q++) {
                Labels l = Labels.of("port", port, "queue", Integer.toString(q));
                txp.dataPoint(count(l, p.txqPackets()[q]));
                txb.dataPoint(count(l, p.txqBytes()[q]));
            }
            for (int i = 0; i < PortCounters.DROP_KINDS.length; i++) {
                drops.dataPoint(count(Labels.of("port", port, "reason", PortCounters.DROP_REASONS[i]),
                        p.counter(PortCounters.DROP_KINDS[i])));
            }
            Labels l = Labels.of("port", port);
            flooded.dataPoint(count(l, p.counter(PortCounters.FLOODED)));
            learned.dataPoint(count(l, p.counter(PortCounters.LEARNED)));
            portFail.dataPoint(count(l, p.counter(PortCounters.LEARN_FAILED)));
            link.dataPoint(value(l, p.linkUp() ? 1 : 0));
            info.dataPoint(value(Labels.of("port", port, "type", p.type(), "port_id", Integer.toString(p.portId())), 1));
        }
        CounterSnapshot.Builder busy = counter(LCORE_BUSY, "TSC cycles a poll loop spent in polls that returned"
                + " frames (receiving, switching and sending them)", null);
        CounterSnapshot.Builder idle = counter(LCORE_IDLE, "TSC cycles a poll loop spent in polls that returned no"
                + " frame", null);
        CounterSnapshot.Builder frames = counter(LCORE_FRAMES, "Frames a poll loop received", null);
        CounterSnapshot.Builder bursts = counter(LCORE_BURSTS, "Polls of a poll loop that returned frames", null);
        HistogramSnapshot.Builder polls = HistogramSnapshot.builder().name(LCORE_POLL).unit(Unit.SECONDS)
                .help("Every poll of a poll loop (with frames or without) by how long it took, in powers of two"
                        + " microseconds: a poll of milliseconds means the loop stalled");
        double[] bounds = pollUpperBounds();
        for (SwitchSnapshot.LcoreSample c : s.lcores()) {
            Labels l = Labels.of("lcore", Integer.toString(c.lcore()), "cpu", Integer.toString(c.cpu()));
            busy.dataPoint(count(l, c.busyCycles()));
            idle.dataPoint(count(l, c.idleCycles()));
            frames.dataPoint(count(l, c.frames()));
            bursts.dataPoint(count(l, c.bursts()));
            polls.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(l)
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, c.polls()))
                    .sum(s.tscHz() > 0 ? (double) (c.busyCycles() + c.idleCycles()) / s.tscHz() : 0).build());
        }
        return MetricSnapshots.of(rxp.build(), rxb.build(), txp.build(), txb.build(), drops.build(), flooded.build(),
                learned.build(), portFail.build(), link.build(), info.build(), busy.build(), idle.build(),
                frames.build(), bursts.build(), polls.build(),
                gauge(TSC_HZ, "TSC cycles per second, to turn the lcore cycle counters into time")
                        .dataPoint(value(Labels.EMPTY, s.tscHz())).build(),
                gauge(MAC_ENTRIES, "Live entries in the MAC table").dataPoint(value(Labels.EMPTY, s.macEntries()))
                        .build(),
                gauge(MAC_CAPACITY, "Entries the MAC table can hold (--mac-table-size)")
                        .dataPoint(value(Labels.EMPTY, s.macCapacity())).build(),
                counter(MAC_LEARN_FAILURES, "Sources not learned because the MAC table was full", null)
                        .dataPoint(count(Labels.EMPTY, s.macLearnFailures())).build(),
                gauge(MBUFS_IN_USE, "Mbufs of the pool in use (in rings, caches or flight)")
                        .dataPoint(value(Labels.EMPTY, s.mbufsInUse())).build(),
                gauge(MBUF_POOL_SIZE, "Mbufs in the pool (--mbufs)").dataPoint(value(Labels.EMPTY, s.mbufs())).build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return java.util.stream.Stream.of(COUNTERS.stream(), GAUGES.stream(), HISTOGRAMS.stream()).flatMap(x -> x).toList();
    }

    private static CounterSnapshot.Builder counter(String name, String help, Unit unit) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        return unit == null ? b : b.unit(unit);
    }

    private static GaugeSnapshot.Builder gauge(String name, String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static CounterDataPointSnapshot count(Labels l, long v) {
        return CounterDataPointSnapshot.builder().labels(l).value(v).build();
    }

    private static GaugeDataPointSnapshot value(Labels l, double v) {
        return GaugeDataPointSnapshot.builder().labels(l).value(v).build();
    }
}
