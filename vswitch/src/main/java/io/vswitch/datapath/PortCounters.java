package io.vswitch.datapath;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One lcore's counters for every port, in the spirit of Snabb's link counters: what the
 * port received, what was sent on it, and every frame dropped, by reason. Shared by the
 * lcore's loop (rx, tx, tx shortfall), its {@link SwitchStage} (VLAN, copies) and its
 * {@link Forwarding} (forwarded, flooded, learned, runts, bad sources, hairpins), so a
 * port's books are in one block:
 *
 * <pre>
 *   port p: [rx_packets rx_bytes tx_packets tx_bytes forwarded flooded learned learn_failed
 *            drop_runt drop_bad_source drop_hairpin drop_vlan drop_tx_full drop_no_mbuf bursts drop_no_port
 *            drop_link_down (7 spare)]
 *           24 longs = three cache lines per port; padding at each end
 * </pre>
 *
 * Drops of frames received on a port (runt, bad source, hairpin, VLAN) are booked on the
 * input port; drops of frames a port's tx ring did not take (tx_full) or a port without a
 * guest could not take (link_down) on the output port.
 * So for a port: every frame it received is forwarded, flooded or dropped for one of the
 * input reasons.
 *
 * <p>Plain {@code long}s written only by the owning lcore ({@link #add}), read by other
 * threads with opaque loads ({@link #get}): no atomics on the fast path; a reader sees each
 * counter's value at some recent moment, never a torn one (64-bit plain stores are atomic on
 * the 64-bit JVMs we run on, and opaque loads are not hoisted out of a sampling loop).
 */
public final class PortCounters {
    public static final int RX_PACKETS = 0;
    public static final int RX_BYTES = 1;
    public static final int TX_PACKETS = 2;
    public static final int TX_BYTES = 3;
    public static final int FORWARDED = 4;
    public static final int FLOODED = 5;
    public static final int LEARNED = 6;
    public static final int LEARN_FAILED = 7;
    public static final int DROP_RUNT = 8;
    public static final int DROP_BAD_SOURCE = 9;
    public static final int DROP_HAIRPIN = 10;
    public static final int DROP_VLAN = 11;
    public static final int DROP_TX_FULL = 12;
    public static final int DROP_NO_MBUF = 13;
    public static final int BURSTS = 14;
    /** Frames to a port that was being removed (its MACs not yet flushed): dropped, booked on the input port. */
    public static final int DROP_NO_PORT = 15;
    /**
     * Frames for a port that could not take them: a vhost port whose guest is gone (link down)
     * or enabled none of its rx queues. Freed at once, never queued; booked on the output port.
     */
    public static final int DROP_LINK_DOWN = 16;
    /** Number of kinds. */
    public static final int KINDS = 17;
    /** Names for stats output, indexed by kind. */
    public static final String[] NAMES = {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "forwarded", "flooded",
        "learned", "learn_failed", "drop_runt", "drop_bad_source", "drop_hairpin", "drop_vlan", "drop_tx_full",
        "drop_no_mbuf", "bursts", "drop_no_port", "drop_link_down"};
    /** The drop kinds and their short reason names (as in {@code "drops":{"runt":N,...}}). */
    public static final int[] DROP_KINDS = {DROP_RUNT, DROP_BAD_SOURCE, DROP_HAIRPIN, DROP_VLAN, DROP_TX_FULL, DROP_NO_MBUF,
        DROP_NO_PORT, DROP_LINK_DOWN};
    public static final String[] DROP_REASONS = {"runt", "bad_source", "hairpin", "vlan", "tx_full", "no_mbuf", "no_port",
        "link_down"};

    private static final int STRIDE = 24;
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] c;
    private final int ports;

    /** Counters for port ids {@code 0..ports-1}. */
    public PortCounters(int ports) {
        if (ports < 1) {
            throw new IllegalArgumentException("port count " + ports + " must be at least 1");
        }
        this.ports = ports;
        this.c = new long[(ports + 2) * STRIDE];
    }

    static int at(int port, int kind) {
        return (port + 1) * STRIDE + kind;
    }

    /** Adds {@code n} to a counter: the owning lcore only. */
    public void add(int port, int kind, long n) {
        c[at(port, kind)] += n;
    }

    /** Adds one to a counter: the owning lcore only. */
    public void inc(int port, int kind) {
        c[at(port, kind)]++;
    }

    /** A counter, from any thread. */
    public long get(int port, int kind) {
        return (long) COUNT.getOpaque(c, at(port, kind));
    }

    /** Every drop booked on {@code port}, all reasons. */
    public long drops(int port) {
        long n = 0;
        for (int k : DROP_KINDS) {
            n += get(port, k);
        }
        return n;
    }

    /** Port ids this block counts: {@code 0..ports()-1}. */
    public int ports() {
        return ports;
    }
}
