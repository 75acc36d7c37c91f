package io.vswitch.sw;

import io.vswitch.datapath.LcoreCycles;
import io.vswitch.datapath.MacTable;
import io.vswitch.datapath.PortCounters;
import io.vswitch.dpdk.EthPort;
import io.vswitch.dpdk.Tsc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The switch's numbers at one moment, for an exporter (the Prometheus endpoint): per port its
 * counters since it was added ({@link PortCounters} kinds, summed over the lcores, as
 * port.stats gives them), its link, and per queue the packets and bytes DPDK counts
 * ({@code rte_eth_stats_get}'s {@code q_ipackets}/{@code q_ibytes} per rx queue,
 * {@code q_opackets}/{@code q_obytes} per tx queue: lcore {@code i} sends on tx queue {@code i},
 * or on another enabled one when the guest left {@code i} disabled); then the MAC table's fill
 * and the pool's mbufs; per poll loop its busy and idle TSC cycles, frames and bursts, and the
 * TSC's rate (cycles per second) to turn them into time.
 *
 * <p>Taken on the caller's thread (a scrape), never in a poll loop: the counters are read with
 * the loops' opaque loads, the per-queue numbers from the PMD as DPDK's telemetry reads them.
 * {@link #of} holds the node's lock, so no port is removed (its device closed) while it is read.
 * The records are plain data: tests build them without DPDK.
 */
public record SwitchSnapshot(List<PortSample> ports, int macEntries, int macCapacity, long macLearnFailures,
                             int mbufsInUse, int mbufs, List<LcoreSample> lcores, long tscHz) {

    /**
     * One poll loop's cycle accounting ({@link LcoreCycles}), as the loop counts it since it
     * started (pmd-stats-clear does not reset these: a counter only grows): TSC cycles in polls
     * that returned frames (busy) and in empty polls (idle), frames and non-empty polls, and
     * every poll by duration ({@code polls[k]}: bucket k of {@link LcoreCycles#POLL_BUCKETS}).
     */
    public record LcoreSample(int lcore, int cpu, long busyCycles, long idleCycles, long frames, long bursts, long[] polls) {}

    /**
     * One port. {@code counters} is indexed by {@link PortCounters} kind; {@code rxq*} by rx
     * queue, {@code txq*} by tx queue (each at most RTE_ETHDEV_QUEUE_STAT_CNTRS long: DPDK keeps
     * per-queue numbers for the first 16 queues only).
     */
    public record PortSample(String name, int portId, String type, boolean linkUp, long[] counters,
                             long[] rxqPackets, long[] rxqBytes, long[] txqPackets, long[] txqBytes) {
        /** A counter of this port ({@link PortCounters} kind). */
        public long counter(int kind) {
            return counters[kind];
        }
    }

    /** The node's numbers now; a node that is not running (yet, or any more) has no ports and no pool. */
    public static SwitchSnapshot of(SwitchNode node) {
        synchronized (node) {
            MacTable table = node.table();
            if (table == null || node.pool() == null) {
                return new SwitchSnapshot(List.of(), 0, 0, 0, 0, 0, List.of(), 0);
            }
            List<PortSample> ports = new ArrayList<>();
            for (SwitchNode.Port p : node.ports()) {
                long[] c = new long[PortCounters.KINDS];
                for (int k = 0; k < c.length; k++) {
                    c[k] = node.counter(p, k);
                }
                EthPort.Stats s = p.eth.stats();
                int rxq = Math.min(p.cfg.queues(), s.qIpackets().length);
                int txq = Math.min(p.txQueues, s.qOpackets().length);
                ports.add(new PortSample(p.cfg.name(), p.id(), p.cfg.type(), p.eth.linkUp(), c,
                        Arrays.copyOf(s.qIpackets(), rxq), Arrays.copyOf(s.qIbytes(), rxq),
                        Arrays.copyOf(s.qOpackets(), txq), Arrays.copyOf(s.qObytes(), txq)));
            }
            List<LcoreSample> lcores = new ArrayList<>();
            List<SwitchLoop> loops = node.loops();
            for (int l = 0; l < loops.size(); l++) {
                LcoreCycles.Snapshot c = loops.get(l).cycles().snapshot();
                lcores.add(new LcoreSample(l, node.cpuOf(l), c.busy(), c.idle(), c.frames(), c.bursts(), c.polls()));
            }
            return new SwitchSnapshot(List.copyOf(ports), table.liveEntries(System.nanoTime()), table.capacity(),
                    table.learnFailures(), node.pool().inUse(), node.pool().size, List.copyOf(lcores), Tsc.hz());
        }
    }
}
